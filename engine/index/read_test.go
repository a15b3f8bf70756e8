package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"

	"github.com/amberdb/amber"
)

// smallFile is a valid file of a small graph, with its options and vectors.
func smallFile(tb testing.TB) ([]byte, Options, memVectors) {
	tb.Helper()
	vecs := randomVectors(50, 60, 4, amber.Dot)
	opts := Options{Distance: amber.Dot, Dim: 4, M: 3, Seed: 6}
	h := NewHNSW(opts, vecs)
	insertAll(h, 0, 50)
	return encode(tb, h, 50), opts, vecs
}

// reseal recomputes the trailer checksum after a deliberate edit, so that
// the reader's range checks, not the checksum, must catch it.
func reseal(b []byte) {
	n := len(b) - trailerSize
	binary.LittleEndian.PutUint32(b[n:], crc32.Checksum(b[:n], castagnoli))
}

// resealHeader recomputes the header checksum after an edit of the header.
func resealHeader(b []byte) {
	binary.LittleEndian.PutUint32(b[headerSize-4:], crc32.Checksum(b[:headerSize-4], castagnoli))
	reseal(b)
}

func TestReadHNSW(t *testing.T) {
	data, opts, vecs := smallFile(t)
	read := func(b []byte) error {
		_, err := ReadHNSW(bytes.NewReader(b), opts, vecs)
		return err
	}
	edit := func(f func(b []byte)) []byte {
		b := bytes.Clone(data)
		f(b)
		return b
	}
	// Slot 0's record starts right after the header: flag, level, then the
	// level-0 count and its first neighbour.
	const rec0 = headerSize

	t.Run("OK", func(t *testing.T) {
		if err := read(data); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrTruncated", func(t *testing.T) {
		for n := range len(data) {
			if err := read(data[:n]); !errors.Is(err, ErrTruncated) {
				t.Fatalf("%d of %d bytes: err %v, want ErrTruncated", n, len(data), err)
			}
		}
	})
	t.Run("BitFlip", func(t *testing.T) {
		// Every bit of the header, a spread of bits in the records.
		for i := 0; i < len(data)*8; i++ {
			if i >= headerSize*8 && i%13 != 0 {
				continue
			}
			b := edit(func(b []byte) { b[i/8] ^= 1 << (i % 8) })
			if err := read(b); err == nil {
				t.Fatalf("flipped bit %d of byte %d: no error", i%8, i/8)
			}
		}
	})
	t.Run("ErrFormat", func(t *testing.T) {
		if err := read(edit(func(b []byte) { copy(b, "NOTHNSW1") })); !errors.Is(err, ErrFormat) {
			t.Errorf("bad magic: %v", err)
		}
		if err := read(edit(func(b []byte) { b[8] = 2; resealHeader(b) })); !errors.Is(err, ErrFormat) {
			t.Errorf("version 2: %v", err)
		}
	})
	t.Run("ErrMismatch", func(t *testing.T) {
		for name, o := range map[string]Options{
			"Distance": {Distance: amber.Cosine, Dim: 4, M: 3},
			"Dim":      {Distance: amber.Dot, Dim: 5, M: 3},
			"M":        {Distance: amber.Dot, Dim: 4},
		} {
			if _, err := ReadHNSW(bytes.NewReader(data), o, vecs); !errors.Is(err, ErrMismatch) {
				t.Errorf("%s: %v", name, err)
			}
		}
		if _, err := ReadHNSW(bytes.NewReader(data), opts, vecs[:10]); !errors.Is(err, ErrMismatch) {
			t.Errorf("missing vectors: %v", err)
		}
	})
	t.Run("ErrCorrupt", func(t *testing.T) {
		if binary.LittleEndian.Uint16(data[rec0+2:]) == 0 {
			t.Fatal("slot 0 has no links to corrupt")
		}
		cases := map[string]func(b []byte){
			"NeighbourBeyondLimit": func(b []byte) { binary.LittleEndian.PutUint32(b[rec0+4:], 50) },
			"NeighbourHuge":        func(b []byte) { binary.LittleEndian.PutUint32(b[rec0+4:], 1<<31) },
			"CountAboveWidth":      func(b []byte) { binary.LittleEndian.PutUint16(b[rec0+2:], 7) },
			"PresenceFlag":         func(b []byte) { b[rec0] = 2 },
			"LevelAboveTop":        func(b []byte) { b[rec0+1] = b[13] + 1 },
			"EntryBeyondLimit": func(b []byte) {
				binary.LittleEndian.PutUint32(b[32:], 50)
				resealHeader(b)
			},
			"TopLevelWrong": func(b []byte) { b[13]++; resealHeader(b) },
			"Checksum":      func(b []byte) { b[len(b)-1] ^= 0xff },
		}
		for name, f := range cases {
			t.Run(name, func(t *testing.T) {
				b := edit(func(b []byte) {
					f(b)
					if name != "Checksum" {
						reseal(b)
					}
				})
				if err := read(b); !errors.Is(err, ErrCorrupt) {
					t.Errorf("err %v, want ErrCorrupt", err)
				}
			})
		}
	})
	t.Run("NeighbourAbsent", func(t *testing.T) {
		// Freeze a graph in which slot 7 was never inserted, then point a
		// link at it.
		h := NewHNSW(opts, vecs)
		for s := range uint32(20) {
			if s != 7 {
				h.Insert(s)
			}
		}
		b := encode(t, h, 20)
		at := headerSize
		if b[at] != 1 || binary.LittleEndian.Uint16(b[at+2:]) == 0 {
			t.Fatal("slot 0 has no links to corrupt")
		}
		binary.LittleEndian.PutUint32(b[at+4:], 7)
		reseal(b)
		if err := read(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("link to absent slot: %v", err)
		}
	})
}

// FuzzReadHNSW feeds arbitrary bytes to ReadHNSW: errors are fine, panics
// are not, and a graph that loads must be searchable.
func FuzzReadHNSW(f *testing.F) {
	data, opts, vecs := smallFile(f)
	f.Add(data)
	f.Add(encode(f, NewHNSW(opts, vecs), 3))
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ReadHNSW(bytes.NewReader(b), opts, vecs)
		if err != nil {
			return
		}
		h.Search(vecs[0], 5, 10, nil)
		h.Insert(55)
		h.Search(vecs[1], 5, 10, func(s uint32) bool { return s%2 == 0 })
	})
}
