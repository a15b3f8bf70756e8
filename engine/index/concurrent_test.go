package index

import (
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/amberdb/amber"
)

// TestHNSW_Concurrent inserts from several goroutines, some inserting the same
// slots twice, while others search; run it under -race. Searches must only
// return inserted slots in rank order, and the finished graph must be as good
// as one built alone.
func TestHNSW_Concurrent(t *testing.T) {
	n, dim := 4000, 32
	if testing.Short() {
		n = 1000
	}
	for _, d := range []amber.Distance{amber.Cosine, amber.Euclid} {
		t.Run(d.String(), func(t *testing.T) {
			vecs := randomVectors(int64(d)+20, n, dim, d)
			h := NewHNSW(Options{Distance: d, Dim: dim, M: 8, EfConstruct: 64, Seed: 2}, vecs)
			queries := randomVectors(int64(d)+21, 50, dim, d)

			var inserters, searchers sync.WaitGroup
			var stop atomic.Bool
			// Four writers over three quarters of the slots each: every slot
			// is inserted by at least two of them.
			for w := range 4 {
				inserters.Go(func() {
					for i := range n {
						if i%4 != w {
							h.Insert(uint32(i))
						}
					}
				})
			}
			for r := range 2 {
				searchers.Go(func() {
					rng := rand.New(rand.NewSource(int64(r)))
					for !stop.Load() {
						q := queries[rng.Intn(len(queries))]
						got := h.Search(q, 10, 32, func(s uint32) bool { return s%3 != 0 })
						checkRanked(t, d, got)
						for _, res := range got {
							if !h.Contains(res.Slot) || res.Slot%3 == 0 {
								t.Errorf("result slot %d: inserted %v, admitted %v", res.Slot, h.Contains(res.Slot), res.Slot%3 != 0)
								return
							}
						}
					}
				})
			}
			inserters.Wait()
			stop.Store(true)
			searchers.Wait()

			if h.Len() != n {
				t.Fatalf("Len() = %d, want %d", h.Len(), n)
			}
			if st := h.Stats(); st.Inserts != uint64(n) {
				t.Errorf("Stats().Inserts = %d, want %d", st.Inserts, n)
			}
			alone := NewHNSW(h.Options(), vecs)
			for s := range uint32(n) {
				alone.Insert(s)
			}
			var got, want float64
			for _, q := range queries {
				exact := Exact(d, vecs, q, 10, slotRange(0, uint32(n)), nil)
				got += overlap(h.Search(q, 10, 64, nil), exact) / float64(len(queries))
				want += overlap(alone.Search(q, 10, 64, nil), exact) / float64(len(queries))
			}
			t.Logf("recall@10: concurrent build %.3f, sequential build %.3f", got, want)
			if got < want-0.05 {
				t.Errorf("recall@10 after concurrent build = %.3f, sequential build %.3f", got, want)
			}
		})
	}
}
