package wal_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/amberdb/amber/engine/wal"
)

// segmentFiles returns the names of the segment files in dir, oldest first.
func segmentFiles(t testing.TB, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.wal"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range names {
		names[i] = filepath.Base(names[i])
	}
	slices.Sort(names)
	return names
}

// fileSizes returns the total size of the segment files in dir.
func fileSizes(t testing.TB, dir string) int64 {
	t.Helper()
	var n int64
	for _, name := range segmentFiles(t, dir) {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		n += info.Size()
	}
	return n
}

func TestLog_Rotate(t *testing.T) {
	t.Run("BySize", func(t *testing.T) {
		// Records of 16+84 = 100 bytes; a segment closes once it reaches
		// 250 bytes, so it holds three records.
		dir := t.TempDir()
		l := openLog(t, wal.Options{Dir: dir, SegmentSize: 250})
		for seq := uint64(1); seq <= 10; seq++ {
			writeWait(t, l, payload(seq, 84))
		}
		want := []string{
			"00000000000000000001.wal", "00000000000000000004.wal",
			"00000000000000000007.wal", "00000000000000000010.wal",
		}
		if got := segmentFiles(t, dir); !slices.Equal(got, want) {
			t.Fatalf("segments %v, want %v", got, want)
		}
		if got, want := l.Size(), int64(1000); got != want {
			t.Fatalf("Size = %d, want %d", got, want)
		}
		if s := l.Stats(); s.Segments != 4 || s.Records != 10 || s.Bytes != 1000 {
			t.Fatalf("Stats = %+v, want 4 segments, 10 records, 1000 bytes", s)
		}
	})

	t.Run("BySizeInOneGroup", func(t *testing.T) {
		// Records queued together are split at segment boundaries too.
		dir := t.TempDir()
		l := openLog(t, wal.Options{Dir: dir, SegmentSize: 250})
		for seq := uint64(1); seq <= 10; seq++ {
			if _, err := l.Write(payload(seq, 84)); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if got := segmentFiles(t, dir); len(got) != 4 || got[3] != "00000000000000000010.wal" {
			t.Fatalf("segments %v, want 4 ending with seq 10", got)
		}
		l = openLog(t, wal.Options{Dir: dir, SegmentSize: 250})
		checkRecords(t, replayAll(t, l, 0), 1, 10, func(uint64) int { return 84 })
	})

	t.Run("OK", func(t *testing.T) {
		dir := t.TempDir()
		l := openLog(t, wal.Options{Dir: dir})
		writeWait(t, l, payload(1, 10))
		writeWait(t, l, payload(2, 10))
		if err := l.Rotate(); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		// A second Rotate of the empty current segment does nothing.
		if err := l.Rotate(); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		want := []string{"00000000000000000001.wal", "00000000000000000003.wal"}
		if got := segmentFiles(t, dir); !slices.Equal(got, want) {
			t.Fatalf("segments %v, want %v", got, want)
		}
		writeWait(t, l, payload(3, 10))
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l = openLog(t, wal.Options{Dir: dir})
		checkRecords(t, replayAll(t, l, 0), 1, 3, func(uint64) int { return 10 })
	})

	t.Run("WaitsForQueued", func(t *testing.T) {
		dir := t.TempDir()
		l := openLog(t, wal.Options{Dir: dir})
		for seq := uint64(1); seq <= 5; seq++ {
			if _, err := l.Write(payload(seq, 10)); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Rotate(); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		want := []string{"00000000000000000001.wal", "00000000000000000006.wal"}
		if got := segmentFiles(t, dir); !slices.Equal(got, want) {
			t.Fatalf("segments %v, want %v", got, want)
		}
		if s := l.Stats(); s.Records != 5 {
			t.Fatalf("Records = %d after Rotate, want 5 durable", s.Records)
		}
	})
}

func TestLog_TruncateBefore(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		dir := t.TempDir()
		l := openLog(t, wal.Options{Dir: dir, SegmentSize: 250})
		for seq := uint64(1); seq <= 10; seq++ {
			writeWait(t, l, payload(seq, 84)) // segments 1-3, 4-6, 7-9, 10
		}
		// Segment 4-6 still holds seq 6, so only 1-3 goes.
		if err := l.TruncateBefore(5); err != nil {
			t.Fatalf("TruncateBefore(5): %v", err)
		}
		want := []string{"00000000000000000004.wal", "00000000000000000007.wal", "00000000000000000010.wal"}
		if got := segmentFiles(t, dir); !slices.Equal(got, want) {
			t.Fatalf("segments %v, want %v", got, want)
		}
		if got, want := l.Size(), fileSizes(t, dir); got != want {
			t.Fatalf("Size = %d, files hold %d", got, want)
		}
		checkRecords(t, replayAll(t, l, 0), 4, 10, func(uint64) int { return 84 })

		// The current segment stays, whatever seq says.
		if err := l.TruncateBefore(100); err != nil {
			t.Fatalf("TruncateBefore(100): %v", err)
		}
		if got := segmentFiles(t, dir); !slices.Equal(got, want[2:]) {
			t.Fatalf("segments %v, want %v", got, want[2:])
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l = openLog(t, wal.Options{Dir: dir, SegmentSize: 250})
		checkRecords(t, replayAll(t, l, 0), 10, 10, func(uint64) int { return 84 })
	})

	t.Run("KeepsSeqsAfterRotate", func(t *testing.T) {
		// Rotate then TruncateBefore(LastSeq) leaves only an empty current
		// segment; its name must keep seqs from restarting.
		dir := t.TempDir()
		l := openLog(t, wal.Options{Dir: dir})
		for seq := uint64(1); seq <= 7; seq++ {
			writeWait(t, l, payload(seq, 20))
		}
		if err := l.Rotate(); err != nil {
			t.Fatal(err)
		}
		if err := l.TruncateBefore(l.LastSeq()); err != nil {
			t.Fatal(err)
		}
		if got := segmentFiles(t, dir); !slices.Equal(got, []string{"00000000000000000008.wal"}) {
			t.Fatalf("segments %v, want only the empty current one", got)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l = openLog(t, wal.Options{Dir: dir})
		if got := l.LastSeq(); got != 7 {
			t.Fatalf("LastSeq after reopen = %d, want 7", got)
		}
		if got := writeWait(t, l, payload(8, 20)); got != 8 {
			t.Fatalf("next Write got seq %d, want 8", got)
		}
		if got := replayAll(t, l, 0); len(got) != 1 || got[0].seq != 8 {
			t.Fatalf("Replay gave %d records, want only seq 8", len(got))
		}
	})
}

func TestOpen_foreignFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"notes.txt", "1.wal", "0000000000000000000x.wal"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("junk"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l := openLog(t, wal.Options{Dir: filepath.Join(dir)})
	if got := writeWait(t, l, []byte("a")); got != 1 {
		t.Fatalf("first seq %d, want 1", got)
	}
}

func TestOpen_createsDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	l := openLog(t, wal.Options{Dir: dir})
	writeWait(t, l, []byte("a"))
	if got := segmentFiles(t, dir); len(got) != 1 {
		t.Fatalf("segments %v, want one", got)
	}
}
