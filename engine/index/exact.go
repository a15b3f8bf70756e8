package index

import (
	"slices"

	"github.com/amberdb/amber"
)

// Vectors is the engine's vector storage, addressed by slot. Vector returns
// the vector stored in slot; the returned slice never changes afterwards and
// is safe to read from many goroutines. The index never writes to it.
type Vectors interface {
	Vector(slot uint32) []float32
}

// Result is one match: the slot it is stored in and its Qdrant score.
type Result struct {
	Slot  uint32
	Score float32
}

// Exact scans every slot that slots yields and accept (nil accepts all)
// admits, and returns the best k in rank order: best score first, equal
// scores by lower slot. Every scanned slot must hold a vector of len(q)
// dimensions. Exact is the reference the graph is measured against and the
// right choice for small segments and very selective filters.
func Exact(d amber.Distance, vecs Vectors, q []float32, k int, slots func(yield func(uint32) bool), accept func(uint32) bool) []Result {
	if k <= 0 || slots == nil {
		return nil
	}
	// The key is the score itself, negated where higher is better, so that
	// ties are ties of the reported score and break by slot as promised.
	score := keyFunc(d)
	if d == amber.Euclid {
		score = func(a, b []float32) float32 { return sqrt32(l2sq(a, b)) }
	}
	top := make(maxHeap, 0, min(k, 1024)) // k may be far above the slot count
	for s := range slots {
		if accept != nil && !accept(s) {
			continue
		}
		c := cand{key: score(q, vecs.Vector(s)), slot: s}
		if len(top) < k {
			top.push(c)
		} else if c.less(top[0]) {
			top.replaceTop(c)
		}
	}
	slices.SortFunc(top, cmpCand)
	out := make([]Result, len(top))
	for i, c := range top {
		out[i] = Result{Slot: c.slot, Score: -c.key}
		if !d.HigherIsBetter() {
			out[i].Score = c.key
		}
	}
	return out
}

// cand is a slot with its key: lower keys are closer, equal keys order by slot.
type cand struct {
	key  float32
	slot uint32
}

func (c cand) less(o cand) bool {
	return c.key < o.key || (c.key == o.key && c.slot < o.slot)
}

func cmpCand(a, b cand) int {
	switch {
	case a.less(b):
		return -1
	case b.less(a):
		return 1
	}
	return 0
}

// minHeap pops the closest candidate first: the frontier of a search.
type minHeap []cand

func (h *minHeap) push(c cand) {
	*h = append(*h, c)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s[i].less(s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *minHeap) pop() cand {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	*h = s[:n]
	s = s[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && s[l].less(s[m]) {
			m = l
		}
		if r := l + 1; r < n && s[r].less(s[m]) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	return top
}

// maxHeap keeps the farthest candidate on top: the best-so-far list, whose
// top is the one to drop when a closer candidate arrives.
type maxHeap []cand

func (h *maxHeap) push(c cand) {
	*h = append(*h, c)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s[p].less(s[i]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *maxHeap) pop() cand {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	*h = s[:n]
	(*h).down(0)
	return top
}

// replaceTop swaps the farthest candidate for c in one sift.
func (h maxHeap) replaceTop(c cand) {
	h[0] = c
	h.down(0)
}

func (h maxHeap) down(i int) {
	n := len(h)
	for {
		l, m := 2*i+1, i
		if l < n && h[m].less(h[l]) {
			m = l
		}
		if r := l + 1; r < n && h[m].less(h[r]) {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
