package wal_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/amberdb/amber/engine/wal"
)

func TestLog_Replay(t *testing.T) {
	// A log of 100 records over several segments.
	dir := t.TempDir()
	opts := wal.Options{Dir: dir, SegmentSize: 512}
	l := openLog(t, opts)
	for seq := uint64(1); seq <= 100; seq++ {
		writeWait(t, l, payload(seq, sizeOf(seq)))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openLog(t, opts)
	if s := l.Stats(); s.Segments < 5 {
		t.Fatalf("Segments = %d, want several", s.Segments)
	}

	t.Run("After", func(t *testing.T) {
		for _, after := range []uint64{0, 1, 7, 42, 99, 100, 1000} {
			got := replayAll(t, l, after)
			if after >= 100 {
				if len(got) != 0 {
					t.Fatalf("Replay(%d) gave %d records, want none", after, len(got))
				}
				continue
			}
			checkRecords(t, got, after+1, 100, sizeOf)
		}
	})

	t.Run("FnError", func(t *testing.T) {
		stop := errors.New("stop")
		var seen []uint64
		err := l.Replay(10, func(seq uint64, _ []byte) error {
			seen = append(seen, seq)
			if seq == 13 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) {
			t.Fatalf("Replay = %v, want the error of fn", err)
		}
		if len(seen) != 3 || seen[0] != 11 || seen[2] != 13 {
			t.Fatalf("fn saw seqs %v, want [11 12 13]", seen)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		l := openLog(t, wal.Options{Dir: t.TempDir()})
		if got := replayAll(t, l, 0); len(got) != 0 {
			t.Fatalf("Replay of a new log gave %d records", len(got))
		}
	})
}

// TestLog_Replay_duringWrites checks that Replay run alongside writers only
// ever sees a contiguous prefix of durable records.
func TestLog_Replay_duringWrites(t *testing.T) {
	l := openLog(t, wal.Options{Dir: t.TempDir(), SegmentSize: 4 << 10})
	const writers, perWriter = 4, 200
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range perWriter {
				p, err := l.Write(payload(1, 100))
				if err == nil {
					err = p.Wait(t.Context())
				}
				if err != nil {
					t.Errorf("Write+Wait: %v", err)
					return
				}
			}
		})
	}
	for range 20 {
		var next uint64 = 1
		err := l.Replay(0, func(seq uint64, data []byte) error {
			if seq != next || len(data) != 100 {
				t.Errorf("Replay gave seq %d (%d bytes), want seq %d (100 bytes)", seq, len(data), next)
			}
			next++
			return nil
		})
		if err != nil {
			t.Fatalf("Replay: %v", err)
		}
	}
	wg.Wait()
	if got := replayAll(t, l, 0); len(got) != writers*perWriter {
		t.Fatalf("replayed %d records, want %d", len(got), writers*perWriter)
	}
}
