package index

import (
	"math/rand"
	"runtime"
	"sync"
	"testing"

	"github.com/amberdb/amber"
)

// memVectors is the engine's storage as the tests see it. A slot past the
// end has no vector.
type memVectors [][]float32

func (m memVectors) Vector(slot uint32) []float32 {
	if int(slot) >= len(m) {
		return nil
	}
	return m[slot]
}

// randomVectors draws n vectors uniform in [-1, 1]^dim, normalised for
// Cosine as the engine stores them.
func randomVectors(seed int64, n, dim int, d amber.Distance) memVectors {
	rng := rand.New(rand.NewSource(seed))
	vs := make(memVectors, n)
	for i := range vs {
		v := make([]float32, dim)
		for j := range v {
			v[j] = rng.Float32()*2 - 1
		}
		if d == amber.Cosine {
			v = Normalize(v)
		}
		vs[i] = v
	}
	return vs
}

// slotRange yields slots from..to-1.
func slotRange(from, to uint32) func(yield func(uint32) bool) {
	return func(yield func(uint32) bool) {
		for s := from; s < to; s++ {
			if !yield(s) {
				return
			}
		}
	}
}

// insertAll inserts slots from..to-1 from GOMAXPROCS goroutines.
func insertAll(h *HNSW, from, to uint32) {
	var wg sync.WaitGroup
	workers := uint32(runtime.GOMAXPROCS(0))
	for w := range workers {
		wg.Go(func() {
			for s := from + w; s < to; s += workers {
				h.Insert(s)
			}
		})
	}
	wg.Wait()
}

// buildHNSW returns a graph over every vector in vecs.
func buildHNSW(tb testing.TB, d amber.Distance, vecs memVectors) *HNSW {
	tb.Helper()
	h := NewHNSW(Options{Distance: d, Dim: len(vecs[0]), Seed: 1}, vecs)
	insertAll(h, 0, uint32(len(vecs)))
	if h.Len() != len(vecs) {
		tb.Fatalf("Len() = %d after inserting %d", h.Len(), len(vecs))
	}
	return h
}

// overlap is the share of want's slots that got holds: recall@len(want).
func overlap(got, want []Result) float64 {
	if len(want) == 0 {
		return 1
	}
	in := make(map[uint32]bool, len(got))
	for _, r := range got {
		in[r.Slot] = true
	}
	hit := 0
	for _, r := range want {
		if in[r.Slot] {
			hit++
		}
	}
	return float64(hit) / float64(len(want))
}

// checkRanked fails unless rs is in rank order with ties by lower slot.
func checkRanked(tb testing.TB, d amber.Distance, rs []Result) {
	tb.Helper()
	for i := 1; i < len(rs); i++ {
		a, b := rs[i-1], rs[i]
		if Better(d, b.Score, a.Score) || (a.Score == b.Score && b.Slot < a.Slot) {
			tb.Fatalf("results out of order at %d: %+v before %+v", i, a, b)
		}
	}
}
