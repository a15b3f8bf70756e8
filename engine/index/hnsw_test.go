package index

import (
	"math/rand"
	"sync"
	"testing"

	"github.com/amberdb/amber"
)

// recallOptions build the graphs the recall tests measure. Uniform random
// data in 128 dimensions is the hard case for a graph (no clusters, nearest
// neighbours barely nearer than the rest): with Qdrant's defaults (M=16,
// ef_construct=100) recall@10 at ef=128 is only about 0.85 on it. Recall here
// follows the degree, not ef_construct: M=48 with ef_construct=48 reaches
// 0.98 at half the build cost of ef_construct=100.
var recallOptions = Options{M: 48, EfConstruct: 48, Seed: 1}

// recallSet is a graph over random vectors with the queries to measure it by.
type recallSet struct {
	once    sync.Once
	vecs    memVectors
	queries memVectors
	h       *HNSW
}

var (
	recallMu   sync.Mutex
	recallSets = map[amber.Distance]*recallSet{}
)

// recallData builds, once per test binary and metric, the recall graph: by
// default 10,000 points of dimension 128 (half as many for Manhattan) and 200
// queries; under -short, for -race, which would take minutes over those, 2,000
// points of dimension 32 with default options and 50 queries. Tests share it
// read-only.
func recallData(d amber.Distance) *recallSet {
	recallMu.Lock()
	rs := recallSets[d]
	if rs == nil {
		rs = new(recallSet)
		recallSets[d] = rs
	}
	recallMu.Unlock()
	rs.once.Do(func() {
		n, dim, queries, opts := 10000, 128, 200, recallOptions
		if testing.Short() {
			n, dim, queries, opts = 2000, 32, 50, Options{Seed: 1}
		}
		if d == amber.Manhattan {
			n /= 2
		}
		rs.vecs = randomVectors(int64(d), n, dim, d)
		rs.queries = randomVectors(int64(d)+100, queries, dim, d)
		opts.Distance, opts.Dim = d, dim
		rs.h = NewHNSW(opts, rs.vecs)
		insertAll(rs.h, 0, uint32(n))
	})
	return rs
}

// TestHNSW_Search measures recall@10 at ef=128 against Exact, and that a
// stored vector used as the query comes back first.
func TestHNSW_Search(t *testing.T) {
	for _, d := range metrics {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			rs := recallData(d)
			n := uint32(len(rs.vecs))
			var sum float64
			for _, q := range rs.queries {
				got := rs.h.Search(q, 10, 128, nil)
				checkRanked(t, d, got)
				sum += overlap(got, Exact(d, rs.vecs, q, 10, slotRange(0, n), nil))
			}
			recall := sum / float64(len(rs.queries))
			t.Logf("%v: n=%d dim=%d recall@10=%.4f", d, n, len(rs.queries[0]), recall)
			if recall < 0.95 {
				t.Errorf("recall@10 = %.4f, want >= 0.95", recall)
			}

			self, tries := 0, len(rs.queries)
			rng := rand.New(rand.NewSource(3))
			for range tries {
				s := uint32(rng.Intn(int(n)))
				if got := rs.h.Search(rs.vecs[s], 10, 128, nil); len(got) > 0 && got[0].Slot == s {
					self++
				}
			}
			t.Logf("%v: self at rank 1: %d/%d", d, self, tries)
			if self*100 < tries*99 {
				t.Errorf("stored vector found itself first %d/%d times, want >= 99%%", self, tries)
			}
		})
	}
}

// TestHNSW_Search_Filtered admits a random 10% of slots: every result must be
// admitted and recall against Exact over the admitted set stay high, which
// post-filtering an ef-long list could not give.
func TestHNSW_Search_Filtered(t *testing.T) {
	for _, d := range []amber.Distance{amber.Cosine, amber.Euclid} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			rs := recallData(d)
			n := len(rs.vecs)
			rng := rand.New(rand.NewSource(5))
			admitted := make([]bool, n)
			for i := range admitted {
				admitted[i] = rng.Intn(10) == 0
			}
			accept := func(s uint32) bool { return admitted[s] }
			var sum float64
			for _, q := range rs.queries {
				got := rs.h.Search(q, 10, 64, accept)
				if len(got) != 10 {
					t.Fatalf("got %d results, want 10", len(got))
				}
				for _, r := range got {
					if !admitted[r.Slot] {
						t.Fatalf("slot %d was not admitted", r.Slot)
					}
				}
				sum += overlap(got, Exact(d, rs.vecs, q, 10, slotRange(0, uint32(n)), accept))
			}
			recall := sum / float64(len(rs.queries))
			t.Logf("%v: filtered recall@10=%.4f", d, recall)
			if recall < 0.9 {
				t.Errorf("filtered recall@10 = %.4f, want >= 0.9", recall)
			}
		})
	}
	t.Run("FewAdmitted", func(t *testing.T) {
		// Three admitted slots in a graph of 2,000: the search must walk the
		// graph until it has them all.
		vecs := randomVectors(11, 2000, 16, amber.Euclid)
		h := buildHNSW(t, amber.Euclid, vecs)
		want := map[uint32]bool{17: true, 1001: true, 1999: true}
		got := h.Search(vecs[500], 10, 10, func(s uint32) bool { return want[s] })
		if len(got) != 3 {
			t.Fatalf("got %v, want the 3 admitted slots", got)
		}
		for _, r := range got {
			if !want[r.Slot] {
				t.Errorf("slot %d was not admitted", r.Slot)
			}
		}
	})
}

func TestHNSW_Insert(t *testing.T) {
	vecs := randomVectors(1, 100, 8, amber.Dot)
	t.Run("OK", func(t *testing.T) {
		h := NewHNSW(Options{Distance: amber.Dot, Dim: 8}, vecs)
		for s := range uint32(100) {
			h.Insert(s)
		}
		if h.Len() != 100 || !h.Contains(99) || h.Contains(100) {
			t.Errorf("Len %d, Contains(99) %v, Contains(100) %v", h.Len(), h.Contains(99), h.Contains(100))
		}
		got := h.Search(vecs[42], 100, 100, nil)
		if len(got) != 100 || got[0].Slot != 42 {
			t.Errorf("search for slot 42 got %d results, first %v", len(got), got[:1])
		}
	})
	t.Run("Twice", func(t *testing.T) {
		h := NewHNSW(Options{Distance: amber.Dot, Dim: 8}, vecs)
		h.Insert(3)
		h.Insert(3)
		if st := h.Stats(); h.Len() != 1 || st.Inserts != 1 {
			t.Errorf("Len %d, Stats %+v after inserting slot 3 twice", h.Len(), st)
		}
	})
	t.Run("WrongDim", func(t *testing.T) {
		h := NewHNSW(Options{Distance: amber.Dot, Dim: 9}, vecs)
		defer func() {
			if recover() == nil {
				t.Error("no panic for a vector of the wrong dimension")
			}
		}()
		h.Insert(0)
	})
	t.Run("Stats", func(t *testing.T) {
		h := NewHNSW(Options{Distance: amber.Dot, Dim: 8}, vecs)
		if st := h.Stats(); st != (Stats{MaxLevel: -1}) {
			t.Errorf("empty Stats %+v", st)
		}
		insertAll(h, 0, 100)
		h.Search(vecs[0], 1, 1, nil)
		if st := h.Stats(); st.Nodes != 100 || st.Inserts != 100 || st.Searches != 1 || st.MaxLevel < 0 {
			t.Errorf("Stats %+v", st)
		}
	})
}

func TestHNSW_Search_Edges(t *testing.T) {
	vecs := randomVectors(1, 50, 8, amber.Euclid)
	h := NewHNSW(Options{Distance: amber.Euclid, Dim: 8}, vecs)
	t.Run("Empty", func(t *testing.T) {
		if got := h.Search(vecs[0], 10, 10, nil); got != nil {
			t.Errorf("got %v", got)
		}
	})
	insertAll(h, 0, 50)
	t.Run("WrongDim", func(t *testing.T) {
		if got := h.Search([]float32{1}, 10, 10, nil); got != nil {
			t.Errorf("got %v", got)
		}
	})
	t.Run("KAboveLen", func(t *testing.T) {
		got := h.Search(vecs[7], 80, 0, nil)
		if len(got) != 50 || got[0].Slot != 7 || got[0].Score != 0 {
			t.Errorf("got %d results, first %+v", len(got), got[0])
		}
		checkRanked(t, amber.Euclid, got)
	})
	t.Run("NoneAdmitted", func(t *testing.T) {
		if got := h.Search(vecs[7], 10, 10, func(uint32) bool { return false }); len(got) != 0 {
			t.Errorf("got %v", got)
		}
	})
}

func TestOptions_Validate(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		ok   bool
	}{
		{"OK", Options{Distance: amber.Cosine, Dim: 4}, true},
		{"ErrDistance", Options{Dim: 4}, false},
		{"ErrDim", Options{Distance: amber.Dot}, false},
		{"ErrM", Options{Distance: amber.Dot, Dim: 4, M: 1}, false},
		{"ErrEfConstruct", Options{Distance: amber.Dot, Dim: 4, EfConstruct: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.o.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v", err)
			}
		})
	}
}
