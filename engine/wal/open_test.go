package wal_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amberdb/amber/engine/wal"
)

const recPayload = 40 // payload size of the records written by makeLog

// makeLog writes n records of recPayload bytes to a new log in dir, closes
// it and returns the segment files it made, oldest first.
func makeLog(t *testing.T, dir string, n int, segmentSize int64) []string {
	t.Helper()
	l, err := wal.Open(wal.Options{Dir: dir, SegmentSize: segmentSize})
	if err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= uint64(n); seq++ {
		writeWait(t, l, payload(seq, recPayload))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return segmentFiles(t, dir)
}

// recOff returns the offset of the i-th record (0-based) in a segment of
// makeLog's records.
func recOff(i int) int { return i * (16 + recPayload) }

// editFile applies edit to the contents of dir/name.
func editFile(t *testing.T, dir, name string, edit func([]byte) []byte) {
	t.Helper()
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, edit(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkTornTail opens dir, whose last record (seq n, starting at offset
// start of file name) is torn, and checks that only that record is gone
// and that writing continues at seq n.
func checkTornTail(t *testing.T, dir, name string, n uint64, start int64) {
	t.Helper()
	opts := wal.Options{Dir: dir, SegmentSize: 1 << 20}
	l, err := wal.Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer l.Close()
	if got := l.LastSeq(); got != n-1 {
		t.Fatalf("LastSeq = %d, want %d", got, n-1)
	}
	if s := l.Stats(); s.TornTailsDropped != 1 || s.TornBytesDropped <= 0 {
		t.Fatalf("Stats = %+v, want one torn tail dropped", s)
	}
	if info, err := os.Stat(filepath.Join(dir, name)); err != nil || info.Size() != start {
		t.Fatalf("segment not truncated to %d bytes: %v, %v", start, info.Size(), err)
	}
	checkRecords(t, replayAll(t, l, 0), 1, n-1, func(uint64) int { return recPayload })
	if got := writeWait(t, l, payload(n, recPayload)); got != n {
		t.Fatalf("Write after recovery got seq %d, want %d", got, n)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := wal.Open(opts)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer l2.Close()
	checkRecords(t, replayAll(t, l2, 0), 1, n, func(uint64) int { return recPayload })
}

func TestOpen_tornTail(t *testing.T) {
	const n = 5
	orig := t.TempDir()
	name := makeLog(t, orig, n, 1<<20)[0]
	data, err := os.ReadFile(filepath.Join(orig, name))
	if err != nil {
		t.Fatal(err)
	}
	start := recOff(n - 1)

	// withFile runs check on a fresh log whose only segment is contents.
	withFile := func(t *testing.T, contents []byte) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), contents, 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}

	t.Run("Cut", func(t *testing.T) {
		// Short header for cuts in the first 16 bytes, short payload after.
		for cut := start + 1; cut < len(data); cut++ {
			t.Run(fmt.Sprint(cut-start), func(t *testing.T) {
				checkTornTail(t, withFile(t, data[:cut]), name, n, int64(start))
			})
		}
	})

	t.Run("Flip", func(t *testing.T) {
		// Length, checksum, seq or payload: every byte of the record.
		for i := start; i < len(data); i++ {
			t.Run(fmt.Sprint(i-start), func(t *testing.T) {
				bad := bytes.Clone(data)
				bad[i] ^= 0xff
				checkTornTail(t, withFile(t, bad), name, n, int64(start))
			})
		}
	})

	t.Run("LengthAboveMaximum", func(t *testing.T) {
		bad := bytes.Clone(data)
		binary.LittleEndian.PutUint32(bad[start:], wal.MaxRecordSize+1)
		checkTornTail(t, withFile(t, bad), name, n, int64(start))
	})

	t.Run("ZerosAfterLast", func(t *testing.T) {
		// A file system may extend a file before its data is on disk.
		dir := withFile(t, append(bytes.Clone(data), make([]byte, 4096)...))
		l := openLog(t, wal.Options{Dir: dir})
		if s := l.Stats(); s.TornTailsDropped != 1 || s.TornBytesDropped != 4096 {
			t.Fatalf("Stats = %+v, want 4096 bytes dropped", s)
		}
		checkRecords(t, replayAll(t, l, 0), 1, n, func(uint64) int { return recPayload })
	})

	t.Run("CleanCut", func(t *testing.T) {
		// A cut between records loses nothing that was in the file.
		l := openLog(t, wal.Options{Dir: withFile(t, data[:start])})
		if got := l.LastSeq(); got != n-1 {
			t.Fatalf("LastSeq = %d, want %d", got, n-1)
		}
		if s := l.Stats(); s.TornTailsDropped != 0 {
			t.Fatalf("TornTailsDropped = %d, want 0", s.TornTailsDropped)
		}
	})

	t.Run("OnlyRecordOfLastSegment", func(t *testing.T) {
		// Seqs 1-3 and 4-6 in full segments, seq 7 alone in the last one.
		dir := t.TempDir()
		names := makeLog(t, dir, 7, int64(recOff(3)))
		if len(names) != 3 {
			t.Fatalf("segments %v, want 3", names)
		}
		editFile(t, dir, names[2], func(b []byte) []byte { return b[:recOff(1)-3] })
		checkTornTail(t, dir, names[2], 7, 0)
	})
}

// openCorrupt opens dir and checks that it fails with ErrCorrupt naming
// the file and the offset.
func openCorrupt(t *testing.T, dir, name string, off int) {
	t.Helper()
	l, err := wal.Open(wal.Options{Dir: dir})
	if err == nil {
		l.Close()
		t.Fatal("Open succeeded, want ErrCorrupt")
	}
	if !errors.Is(err, wal.ErrCorrupt) {
		t.Fatalf("Open = %v, want ErrCorrupt", err)
	}
	want := fmt.Sprintf("%s at offset %d", filepath.Join(dir, name), off)
	if off < 0 {
		want = filepath.Join(dir, name)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("Open = %v, want it to name %q", err, want)
	}
	t.Logf("Open: %v", err)
}

func TestOpen_corrupt(t *testing.T) {
	// Three segments of three records each.
	threeSegments := func(t *testing.T) (string, []string) {
		dir := t.TempDir()
		names := makeLog(t, dir, 9, int64(recOff(3)))
		if len(names) != 3 {
			t.Fatalf("segments %v, want 3", names)
		}
		return dir, names
	}
	// One segment of ten records.
	oneSegment := func(t *testing.T) (string, string) {
		dir := t.TempDir()
		return dir, makeLog(t, dir, 10, 1<<20)[0]
	}

	t.Run("MiddleSegmentFlip", func(t *testing.T) {
		dir, names := threeSegments(t)
		editFile(t, dir, names[1], func(b []byte) []byte { b[recOff(1)+20] ^= 1; return b })
		openCorrupt(t, dir, names[1], recOff(1))
	})

	t.Run("MiddleSegmentShort", func(t *testing.T) {
		dir, names := threeSegments(t)
		editFile(t, dir, names[1], func(b []byte) []byte { return b[:len(b)-5] })
		openCorrupt(t, dir, names[1], recOff(2))
	})

	t.Run("FirstSegmentFlip", func(t *testing.T) {
		dir, names := threeSegments(t)
		editFile(t, dir, names[0], func(b []byte) []byte { b[5] ^= 1; return b })
		openCorrupt(t, dir, names[0], 0)
	})

	t.Run("MissingSegment", func(t *testing.T) {
		dir, names := threeSegments(t)
		if err := os.Remove(filepath.Join(dir, names[1])); err != nil {
			t.Fatal(err)
		}
		openCorrupt(t, dir, names[2], -1)
	})

	t.Run("LastSegmentFlipBeforeGoodRecords", func(t *testing.T) {
		dir, name := oneSegment(t)
		editFile(t, dir, name, func(b []byte) []byte { b[recOff(3)+30] ^= 1; return b })
		openCorrupt(t, dir, name, recOff(3))
	})

	t.Run("LastSegmentBadLengthBeforeGoodRecords", func(t *testing.T) {
		for _, length := range []uint32{0, 17, 1 << 20, wal.MaxRecordSize + 1} {
			dir, name := oneSegment(t)
			editFile(t, dir, name, func(b []byte) []byte {
				binary.LittleEndian.PutUint32(b[recOff(3):], length)
				return b
			})
			openCorrupt(t, dir, name, recOff(3))
		}
	})

	t.Run("LastSegmentZeroedRecords", func(t *testing.T) {
		dir, name := oneSegment(t)
		editFile(t, dir, name, func(b []byte) []byte { clear(b[recOff(3):recOff(6)]); return b })
		openCorrupt(t, dir, name, recOff(3))
	})

	t.Run("WrongSeq", func(t *testing.T) {
		// A well-formed record that carries the wrong seq.
		dir, name := oneSegment(t)
		editFile(t, dir, name, func(b []byte) []byte {
			r := b[recOff(4):recOff(5)]
			binary.LittleEndian.PutUint64(r[8:], 7)
			crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
			crc.Write(r[8:])
			binary.LittleEndian.PutUint32(r[4:], crc.Sum32())
			return b
		})
		openCorrupt(t, dir, name, recOff(4))
	})

	t.Run("ReplayAfterOpen", func(t *testing.T) {
		// Damage after Open is caught by Replay, never handed to fn.
		dir, names := threeSegments(t)
		l := openLog(t, wal.Options{Dir: dir})
		editFile(t, dir, names[1], func(b []byte) []byte { b[recOff(2)+20] ^= 1; return b })
		var seen []uint64
		err := l.Replay(0, func(seq uint64, _ []byte) error { seen = append(seen, seq); return nil })
		if !errors.Is(err, wal.ErrCorrupt) {
			t.Fatalf("Replay = %v, want ErrCorrupt", err)
		}
		if len(seen) != 5 {
			t.Fatalf("fn saw seqs %v, want 1..5", seen)
		}
	})
}
