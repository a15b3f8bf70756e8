package index

import (
	"reflect"
	"sort"
	"testing"

	"github.com/amberdb/amber"
)

var metrics = []amber.Distance{amber.Cosine, amber.Dot, amber.Euclid, amber.Manhattan}

// bruteForce scores every accepted slot, sorts them all and cuts at k: the
// obvious way, to check Exact's heap against.
func bruteForce(d amber.Distance, vecs memVectors, q []float32, k int, accept func(uint32) bool) []Result {
	var all []Result
	for s := range vecs {
		if accept == nil || accept(uint32(s)) {
			all = append(all, Result{Slot: uint32(s), Score: Score(d, q, vecs[s])})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return Better(d, all[i].Score, all[j].Score) })
	if len(all) > k {
		all = all[:k]
	}
	return all
}

func TestExact(t *testing.T) {
	const n, dim = 500, 24
	for _, d := range metrics {
		t.Run(d.String(), func(t *testing.T) {
			vecs := randomVectors(7, n, dim, d)
			queries := randomVectors(8, 20, dim, d)
			odd := func(s uint32) bool { return s%2 == 1 }
			for _, k := range []int{1, 10, 100, n + 5} {
				for qi, q := range queries {
					for _, accept := range []func(uint32) bool{nil, odd} {
						got := Exact(d, vecs, q, k, slotRange(0, n), accept)
						want := bruteForce(d, vecs, q, k, accept)
						if !reflect.DeepEqual(got, want) {
							t.Fatalf("k=%d query %d filtered=%v:\n got %v\nwant %v", k, qi, accept != nil, got, want)
						}
					}
				}
			}
		})
	}
}

func TestExact_Ties(t *testing.T) {
	// Slots 1, 3 and 4 hold the same vector: equal scores rank by slot.
	vecs := memVectors{{9, 9}, {1, 0}, {5, 5}, {1, 0}, {1, 0}}
	for _, d := range metrics {
		t.Run(d.String(), func(t *testing.T) {
			got := Exact(d, vecs, []float32{1, 0}, 3, slotRange(0, 5), func(s uint32) bool { return s != 0 && s != 2 })
			var slots []uint32
			for _, r := range got {
				slots = append(slots, r.Slot)
			}
			if !reflect.DeepEqual(slots, []uint32{1, 3, 4}) {
				t.Errorf("slots %v, want [1 3 4]", slots)
			}
		})
	}
}

func TestExact_Empty(t *testing.T) {
	vecs := memVectors{{1, 0}}
	t.Run("ZeroK", func(t *testing.T) {
		if got := Exact(amber.Dot, vecs, []float32{1, 0}, 0, slotRange(0, 1), nil); got != nil {
			t.Errorf("got %v", got)
		}
	})
	t.Run("NoSlots", func(t *testing.T) {
		if got := Exact(amber.Dot, vecs, []float32{1, 0}, 5, slotRange(0, 0), nil); len(got) != 0 {
			t.Errorf("got %v", got)
		}
	})
	t.Run("NilIterator", func(t *testing.T) {
		if got := Exact(amber.Dot, vecs, []float32{1, 0}, 5, nil, nil); got != nil {
			t.Errorf("got %v", got)
		}
	})
}
