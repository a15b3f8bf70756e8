package index

import (
	"bytes"
	"reflect"
	"runtime"
	"sync"
	"testing"

	"github.com/amberdb/amber"
)

// encode freezes h at limit and writes it, checking Size against the bytes.
func encode(tb testing.TB, h *HNSW, limit uint32) []byte {
	tb.Helper()
	f := h.Freeze(limit)
	var buf bytes.Buffer
	n, err := f.WriteTo(&buf)
	if err != nil {
		tb.Fatalf("WriteTo: %v", err)
	}
	if n != f.Size() || int64(buf.Len()) != f.Size() {
		tb.Fatalf("WriteTo wrote %d (buffer %d), Size() = %d", n, buf.Len(), f.Size())
	}
	return buf.Bytes()
}

func TestHNSW_WriteTo(t *testing.T) {
	n, dim := uint32(1500), 16
	if testing.Short() {
		n = 500
	}
	for _, d := range metrics {
		t.Run(d.String(), func(t *testing.T) {
			vecs := randomVectors(int64(d)+30, int(n)+200, dim, d)
			opts := Options{Distance: d, Dim: dim, M: 8, Seed: 4}
			h := NewHNSW(opts, vecs)
			insertAll(h, 0, n)
			data := encode(t, h, n)
			if got := h.EncodedSize(n); got != int64(len(data)) {
				t.Errorf("EncodedSize = %d, wrote %d", got, len(data))
			}
			var again bytes.Buffer
			if _, err := h.WriteTo(&again, n); err != nil || !bytes.Equal(again.Bytes(), data) {
				t.Errorf("HNSW.WriteTo differs from Frozen.WriteTo (err %v)", err)
			}

			g, err := ReadHNSW(bytes.NewReader(data), opts, vecs)
			if err != nil {
				t.Fatalf("ReadHNSW: %v", err)
			}
			if g.Len() != int(n) || g.Stats().MaxLevel != h.Stats().MaxLevel {
				t.Errorf("loaded Len %d MaxLevel %d, want %d %d", g.Len(), g.Stats().MaxLevel, n, h.Stats().MaxLevel)
			}
			for i, q := range randomVectors(int64(d)+31, 30, dim, d) {
				accept := func(s uint32) bool { return s%2 == 0 }
				if a, b := h.Search(q, 10, 40, accept), g.Search(q, 10, 40, accept); !reflect.DeepEqual(a, b) {
					t.Fatalf("query %d: before %v, after reload %v", i, a, b)
				}
			}
			if again := encode(t, g, n); !bytes.Equal(again, data) {
				t.Error("re-encoding the loaded graph gives different bytes")
			}

			// The loaded graph takes further inserts.
			insertAll(g, n, n+200)
			for s := n; s < n+200; s += 20 {
				if got := g.Search(vecs[s], 1, 40, nil); len(got) != 1 || got[0].Slot != s {
					t.Errorf("slot %d inserted after reload: search got %v", s, got)
				}
			}
		})
	}
}

func TestFrozen_WriteTo(t *testing.T) {
	const dim = 8
	total := uint32(3000)
	if testing.Short() {
		total = 1200
	}
	vecs := randomVectors(40, int(total), dim, amber.Euclid)
	opts := Options{Distance: amber.Euclid, Dim: dim, M: 6, Seed: 5}

	t.Run("Limit", func(t *testing.T) {
		h := NewHNSW(opts, vecs)
		insertAll(h, 0, 1000)
		g, err := ReadHNSW(bytes.NewReader(encode(t, h, 400)), opts, vecs)
		if err != nil {
			t.Fatalf("ReadHNSW: %v", err)
		}
		if g.Len() != 400 || !g.Contains(399) || g.Contains(400) {
			t.Fatalf("loaded Len %d, Contains(399) %v, Contains(400) %v", g.Len(), g.Contains(399), g.Contains(400))
		}
		for _, r := range g.Search(vecs[700], 50, 50, nil) {
			if r.Slot >= 400 {
				t.Errorf("result slot %d beyond the limit", r.Slot)
			}
		}
	})
	t.Run("Empty", func(t *testing.T) {
		for _, limit := range []uint32{0, 10} {
			h := NewHNSW(opts, vecs)
			data := encode(t, h, limit)
			if want := int64(headerSize + trailerSize + absentSize*int(limit)); int64(len(data)) != want {
				t.Errorf("limit %d: %d bytes, want %d", limit, len(data), want)
			}
			g, err := ReadHNSW(bytes.NewReader(data), opts, vecs)
			if err != nil {
				t.Fatalf("ReadHNSW: %v", err)
			}
			if g.Len() != 0 || g.Search(vecs[0], 1, 1, nil) != nil {
				t.Errorf("loaded empty graph has Len %d", g.Len())
			}
			g.Insert(3)
			if got := g.Search(vecs[3], 1, 1, nil); len(got) != 1 || got[0].Slot != 3 {
				t.Errorf("insert into loaded empty graph: search got %v", got)
			}
		}
	})
	t.Run("WhileInserting", func(t *testing.T) {
		// Freeze and write while other goroutines insert: the file keeps the
		// size announced, loads, and the engine re-inserts what it lacks.
		h := NewHNSW(opts, vecs)
		insertAll(h, 0, 500)
		var wg sync.WaitGroup
		for w := range uint32(2) {
			wg.Go(func() {
				for s := 500 + w; s < total; s += 2 {
					h.Insert(s)
				}
			})
		}
		var files [][]byte
		for i := range 6 {
			for h.Len() < 500+int(total-500)*i/6 && h.Len() < int(total) {
				runtime.Gosched()
			}
			files = append(files, encode(t, h, total))
		}
		wg.Wait()
		for i, data := range files {
			g, err := ReadHNSW(bytes.NewReader(data), opts, vecs)
			if err != nil {
				t.Fatalf("file %d written during inserts: %v", i, err)
			}
			insertAll(g, 0, total)
			if g.Len() != int(total) {
				t.Fatalf("file %d: Len %d after re-inserting, want %d", i, g.Len(), total)
			}
			for s := uint32(0); s < total; s += 100 {
				if got := g.Search(vecs[s], 1, 32, nil); len(got) != 1 || got[0].Slot != s {
					t.Errorf("file %d: slot %d not found first: %v", i, s, got)
				}
			}
		}
	})
}
