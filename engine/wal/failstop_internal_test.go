package wal

import (
	"context"
	"errors"
	"os"
	"sync"
	"syscall"
	"testing"
)

// faultyOps returns file calls that behave like the real ones until fail
// returns a non-nil error for a call ("write" or "sync").
func faultyOps(fail func(op string) error) fileOps {
	return fileOps{
		write: func(f *os.File, p []byte) (int, error) {
			if err := fail("write"); err != nil {
				return 0, err
			}
			return f.Write(p)
		},
		sync: func(f *os.File) error {
			if err := fail("sync"); err != nil {
				return err
			}
			return f.Sync()
		},
	}
}

// gate holds the first fsync of a log until released, so that a test can
// queue records behind it.
type gate struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
	err     error // returned by the held fsync and every one after it
}

func newGate(err error) *gate {
	return &gate{entered: make(chan struct{}), release: make(chan struct{}), err: err}
}

func (g *gate) ops() fileOps {
	return faultyOps(func(op string) error {
		if op != "sync" {
			return nil
		}
		held := false
		g.once.Do(func() { held = true })
		if held {
			close(g.entered)
			<-g.release
		}
		return g.err
	})
}

func openWith(t *testing.T, ops fileOps) *Log {
	t.Helper()
	l, err := open(Options{Dir: t.TempDir()}, ops)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// write queues a record or fails the test.
func write(t *testing.T, l *Log, data string) *Pending {
	t.Helper()
	p, err := l.Write([]byte(data))
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return p
}

func TestLog_Wait_groupCommit(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		// While the first group is held in fsync, eight writers queue one
		// record each; they must share one group and one fsync.
		g := newGate(nil)
		l := openWith(t, g.ops())
		first := write(t, l, "first")
		<-g.entered

		var queued, done sync.WaitGroup
		for range 8 {
			queued.Add(1)
			done.Add(1)
			go func() {
				defer done.Done()
				p, err := l.Write([]byte("follower"))
				queued.Done()
				if err == nil {
					err = p.Wait(t.Context())
				}
				if err != nil {
					t.Errorf("Write+Wait: %v", err)
				}
			}()
		}
		queued.Wait()
		close(g.release)
		done.Wait()
		if err := first.Wait(t.Context()); err != nil {
			t.Fatalf("Wait: %v", err)
		}
		if s := l.Stats(); s.Records != 9 || s.Groups != 2 || s.Syncs != 2 {
			t.Fatalf("Stats = %+v, want 9 records in 2 groups with 2 fsyncs", s)
		}
	})

	t.Run("ContextDone", func(t *testing.T) {
		g := newGate(nil)
		l := openWith(t, g.ops())
		p := write(t, l, "slow")
		<-g.entered
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := p.Wait(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait(cancelled) = %v, want context.Canceled", err)
		}
		// The record still becomes durable.
		close(g.release)
		if err := p.Wait(t.Context()); err != nil {
			t.Fatalf("Wait = %v, want nil", err)
		}
	})
}

func TestLog_Write_failStop(t *testing.T) {
	eio := syscall.EIO

	t.Run("SyncError", func(t *testing.T) {
		// The held fsync fails; its group and the group queued behind it
		// both get the error, and the log accepts nothing more.
		g := newGate(eio)
		l := openWith(t, g.ops())
		p1 := write(t, l, "one")
		<-g.entered
		p2 := write(t, l, "two")
		close(g.release)
		for _, p := range []*Pending{p1, p2} {
			err := p.Wait(t.Context())
			if !errors.Is(err, ErrFailed) || !errors.Is(err, eio) {
				t.Fatalf("Wait(seq %d) = %v, want ErrFailed wrapping EIO", p.Seq(), err)
			}
		}
		checkFailed(t, l, eio)
	})

	t.Run("WriteError", func(t *testing.T) {
		var mu sync.Mutex
		failing := false
		l := openWith(t, faultyOps(func(op string) error {
			mu.Lock()
			defer mu.Unlock()
			if failing && op == "write" {
				return eio
			}
			return nil
		}))
		if err := write(t, l, "good").Wait(t.Context()); err != nil {
			t.Fatalf("Wait: %v", err)
		}
		mu.Lock()
		failing = true
		mu.Unlock()
		if err := write(t, l, "bad").Wait(t.Context()); !errors.Is(err, ErrFailed) || !errors.Is(err, eio) {
			t.Fatalf("Wait = %v, want ErrFailed wrapping EIO", err)
		}
		checkFailed(t, l, eio)
	})

	t.Run("ClosedDescriptor", func(t *testing.T) {
		// The segment's descriptor goes away under the log.
		l := openWith(t, fileOps{
			write: func(f *os.File, p []byte) (int, error) {
				f.Close()
				return f.Write(p)
			},
			sync: (*os.File).Sync,
		})
		err := write(t, l, "lost").Wait(t.Context())
		if !errors.Is(err, ErrFailed) || !errors.Is(err, os.ErrClosed) {
			t.Fatalf("Wait = %v, want ErrFailed wrapping os.ErrClosed", err)
		}
		checkFailed(t, l, os.ErrClosed)
	})
}

// checkFailed checks that a failed log refuses everything with an error
// wrapping ErrFailed and cause, and that it still closes.
func checkFailed(t *testing.T, l *Log, cause error) {
	t.Helper()
	isFailed := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrFailed) || !errors.Is(err, cause) {
			t.Fatalf("%s = %v, want ErrFailed wrapping %v", what, err, cause)
		}
	}
	_, err := l.Write([]byte("later"))
	isFailed("Write", err)
	isFailed("Sync", l.Sync(t.Context()))
	isFailed("Rotate", l.Rotate())
	isFailed("Close", l.Close())
	if _, err := l.Write([]byte("after close")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close = %v, want ErrClosed", err)
	}
}
