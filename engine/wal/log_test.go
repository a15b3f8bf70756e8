package wal_test

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/amberdb/amber/engine/wal"
)

// openLog opens a log in dir and closes it when the test ends.
func openLog(t testing.TB, opts wal.Options) *wal.Log {
	t.Helper()
	l, err := wal.Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// payload returns a recognisable payload for seq, n bytes long.
func payload(seq uint64, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(seq*31 + uint64(i)*7)
	}
	return p
}

// writeWait writes data and waits for it to be durable.
func writeWait(t testing.TB, l *wal.Log, data []byte) uint64 {
	t.Helper()
	p, err := l.Write(data)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := p.Wait(t.Context()); err != nil {
		t.Fatalf("Wait(seq %d): %v", p.Seq(), err)
	}
	return p.Seq()
}

type rec struct {
	seq  uint64
	data []byte
}

// replayAll returns the records Replay hands out after seq after.
func replayAll(t testing.TB, l *wal.Log, after uint64) []rec {
	t.Helper()
	var got []rec
	err := l.Replay(after, func(seq uint64, data []byte) error {
		got = append(got, rec{seq, bytes.Clone(data)})
		return nil
	})
	if err != nil {
		t.Fatalf("Replay(%d): %v", after, err)
	}
	return got
}

// checkRecords fails unless got holds seqs from..to with payload(seq, size(seq)).
func checkRecords(t testing.TB, got []rec, from, to uint64, size func(uint64) int) {
	t.Helper()
	if want := int(to - from + 1); len(got) != want {
		t.Fatalf("replayed %d records, want %d (seqs %d..%d)", len(got), want, from, to)
	}
	for i, r := range got {
		seq := from + uint64(i)
		if r.seq != seq {
			t.Fatalf("record %d has seq %d, want %d", i, r.seq, seq)
		}
		if !bytes.Equal(r.data, payload(seq, size(seq))) {
			t.Fatalf("seq %d: payload differs", seq)
		}
	}
}

func sizeOf(seq uint64) int { return int(seq % 97) } // includes empty payloads

func TestLog_Write(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		dir := t.TempDir()
		l := openLog(t, wal.Options{Dir: dir})
		if got := l.LastSeq(); got != 0 {
			t.Fatalf("LastSeq of a new log = %d, want 0", got)
		}
		for seq := uint64(1); seq <= 300; seq++ {
			if got := writeWait(t, l, payload(seq, sizeOf(seq))); got != seq {
				t.Fatalf("Write gave seq %d, want %d", got, seq)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		// Reopen: everything is there and seqs continue.
		l = openLog(t, wal.Options{Dir: dir})
		if got := l.LastSeq(); got != 300 {
			t.Fatalf("LastSeq after reopen = %d, want 300", got)
		}
		checkRecords(t, replayAll(t, l, 0), 1, 300, sizeOf)
		if got := writeWait(t, l, payload(301, sizeOf(301))); got != 301 {
			t.Fatalf("Write after reopen gave seq %d, want 301", got)
		}
		if err := l.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		l = openLog(t, wal.Options{Dir: dir})
		checkRecords(t, replayAll(t, l, 0), 1, 301, sizeOf)
		if s := l.Stats(); s.TornTailsDropped != 0 {
			t.Fatalf("TornTailsDropped = %d, want 0", s.TornTailsDropped)
		}
	})

	t.Run("CopiesData", func(t *testing.T) {
		l := openLog(t, wal.Options{Dir: t.TempDir()})
		buf := []byte("first")
		p, err := l.Write(buf)
		if err != nil {
			t.Fatal(err)
		}
		copy(buf, "XXXXX")
		if err := p.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := replayAll(t, l, 0); string(got[0].data) != "first" {
			t.Fatalf("replayed %q, want %q", got[0].data, "first")
		}
	})

	t.Run("ErrTooLarge", func(t *testing.T) {
		l := openLog(t, wal.Options{Dir: t.TempDir()})
		_, err := l.Write(make([]byte, wal.MaxRecordSize+1))
		if !errors.Is(err, wal.ErrTooLarge) {
			t.Fatalf("Write(MaxRecordSize+1) = %v, want ErrTooLarge", err)
		}
		if got := l.LastSeq(); got != 0 {
			t.Fatalf("LastSeq = %d after a rejected write, want 0", got)
		}
	})

	t.Run("ErrClosed", func(t *testing.T) {
		l := openLog(t, wal.Options{Dir: t.TempDir()})
		p, err := l.Write([]byte("before close"))
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		// Close flushed the queued record.
		if err := p.Wait(t.Context()); err != nil {
			t.Fatalf("Wait after Close: %v", err)
		}
		if _, err := l.Write([]byte("x")); !errors.Is(err, wal.ErrClosed) {
			t.Fatalf("Write after Close = %v, want ErrClosed", err)
		}
		if err := l.Sync(t.Context()); !errors.Is(err, wal.ErrClosed) {
			t.Fatalf("Sync after Close = %v, want ErrClosed", err)
		}
		if err := l.Rotate(); !errors.Is(err, wal.ErrClosed) {
			t.Fatalf("Rotate after Close = %v, want ErrClosed", err)
		}
		if err := l.TruncateBefore(1); !errors.Is(err, wal.ErrClosed) {
			t.Fatalf("TruncateBefore after Close = %v, want ErrClosed", err)
		}
		if err := l.Replay(0, func(uint64, []byte) error { return nil }); !errors.Is(err, wal.ErrClosed) {
			t.Fatalf("Replay after Close = %v, want ErrClosed", err)
		}
		if err := l.Close(); err != nil {
			t.Fatalf("second Close = %v, want nil", err)
		}
	})
}

func TestLog_Wait(t *testing.T) {
	t.Run("ConcurrentWriters", testConcurrentWriters)
}

// testConcurrentWriters checks that every acknowledged record replays
// exactly once, in seq order.
func testConcurrentWriters(t *testing.T) {
	const writers, perWriter = 8, 250
	dir := t.TempDir()
	l := openLog(t, wal.Options{Dir: dir, SegmentSize: 64 << 10})

	// Every writer remembers what was acknowledged under which seq.
	var mu sync.Mutex
	acked := make(map[uint64]string)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				data := fmt.Sprintf("writer %d record %d", w, i)
				p, err := l.Write([]byte(data))
				if err != nil {
					t.Errorf("Write: %v", err)
					return
				}
				if err := p.Wait(t.Context()); err != nil {
					t.Errorf("Wait: %v", err)
					return
				}
				mu.Lock()
				acked[p.Seq()] = data
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	s := l.Stats()
	t.Logf("records %d, groups %d, syncs %d, segments %d", s.Records, s.Groups, s.Syncs, s.Segments)
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	l = openLog(t, wal.Options{Dir: dir, SegmentSize: 64 << 10})
	got := replayAll(t, l, 0)
	if len(got) != writers*perWriter || len(acked) != writers*perWriter {
		t.Fatalf("replayed %d records, acknowledged %d, want %d", len(got), len(acked), writers*perWriter)
	}
	for i, r := range got {
		if r.seq != uint64(i+1) {
			t.Fatalf("record %d has seq %d, want %d", i, r.seq, i+1)
		}
		if acked[r.seq] != string(r.data) {
			t.Fatalf("seq %d replayed %q, acknowledged %q", r.seq, r.data, acked[r.seq])
		}
	}
}

func TestLog_Sync(t *testing.T) {
	l := openLog(t, wal.Options{Dir: t.TempDir()})
	if err := l.Sync(t.Context()); err != nil {
		t.Fatalf("Sync of an empty log: %v", err)
	}
	for i := range 10 {
		if _, err := l.Write(payload(uint64(i+1), 10)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Sync(t.Context()); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if s := l.Stats(); s.Records != 10 {
		t.Fatalf("after Sync, Stats.Records = %d, want 10", s.Records)
	}
}

func TestOptions_Validate(t *testing.T) {
	tests := []struct {
		name string
		opts wal.Options
		ok   bool
	}{
		{"OK", wal.Options{Dir: "/x"}, true},
		{"Defaults", wal.DefaultOptions("/x"), true},
		{"SmallSegments", wal.Options{Dir: "/x", SegmentSize: 1}, true},
		{"NoDir", wal.Options{}, false},
		{"NegativeSegmentSize", wal.Options{Dir: "/x", SegmentSize: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
