package index

import "slices"

// Search returns the k best matches for q among the slots accept admits
// (nil admits all), in rank order: best score first, equal scores by lower
// slot. ef, the size of the candidate list on level 0, is raised to k; larger
// ef trades speed for recall.
//
// Rejected nodes are still walked through: deleted or filtered points stay in
// the graph as waypoints. While fewer than ef admitted nodes are known the
// search keeps expanding, so a selective filter costs time, not results; it
// stops when ef admitted nodes are found and no candidate is closer, or when
// the graph is exhausted. For very selective filters Exact is cheaper.
//
// A query of the wrong length gets no results. Search is safe to call
// concurrently with Insert and other Searches.
func (h *HNSW) Search(q []float32, k, ef int, accept func(slot uint32) bool) []Result {
	if k <= 0 || len(q) != h.opts.Dim {
		return nil
	}
	ep := h.entry.Load()
	if ep == nil {
		return nil
	}
	h.searches.Add(1)
	ef = max(ef, k)

	cur, curKey := ep.slot, h.key(q, h.node(ep.slot).vec)
	for l := ep.level; l > 0; l-- {
		cur, curKey = h.greedy(q, cur, curKey, l)
	}
	sc := h.searchers.Get().(*searcher)
	found := h.searchLayer(sc, q, cur, curKey, ef, 0, accept)
	out := make([]Result, len(found))
	for i, c := range found {
		out[i] = Result{Slot: c.slot, Score: keyScore(h.opts.Distance, c.key)}
	}
	h.searchers.Put(sc)

	d := h.opts.Distance
	slices.SortFunc(out, func(a, b Result) int {
		switch {
		case Better(d, a.Score, b.Score):
			return -1
		case Better(d, b.Score, a.Score):
			return 1
		case a.Slot < b.Slot:
			return -1
		case a.Slot > b.Slot:
			return 1
		}
		return 0
	})
	return out[:min(k, len(out))]
}

// greedy walks level l from cur to the closest node it can reach by always
// moving to a closer neighbour: the descent through the upper levels.
func (h *HNSW) greedy(q []float32, cur uint32, curKey float32, l int) (uint32, float32) {
	for changed := true; changed; {
		changed = false
		for _, nb := range h.node(cur).neighbours(l) {
			if k := h.key(q, h.node(nb).vec); k < curKey {
				cur, curKey, changed = nb, k, true
			}
		}
	}
	return cur, curKey
}

// searcher is the scratch space of one search, reused through a sync.Pool.
type searcher struct {
	seen  visited
	front minHeap // candidates still to expand, closest first
	top   maxHeap // best admitted nodes so far, farthest on top
	out   []cand
	batch []pending
	touch float32 // keeps the touching loads from being optimised away
}

type pending struct {
	slot uint32
	vec  []float32
}

// searchLayer is the paper's SEARCH-LAYER with hnswlib's filter handling:
// every reached node may become a candidate to expand, but only admitted
// nodes enter top. It returns up to ef admitted nodes sorted closest first,
// in sc.out (valid until sc is reused).
func (h *HNSW) searchLayer(sc *searcher, q []float32, ep uint32, epKey float32, ef, level int, accept func(uint32) bool) []cand {
	sc.seen.reset(h.capacity())
	sc.front, sc.top = sc.front[:0], sc.top[:0]

	sc.seen.visit(ep)
	sc.front.push(cand{epKey, ep})
	if accept == nil || accept(ep) {
		sc.top.push(cand{epKey, ep})
	}
	for len(sc.front) > 0 {
		c := sc.front.pop()
		if len(sc.top) > 0 && c.key > sc.top[0].key && (len(sc.top) >= ef || accept == nil) {
			break // nothing left can improve the list
		}
		// Gather the unvisited neighbours first and touch their vectors:
		// the loads are independent, so the CPU overlaps their cache misses
		// instead of taking them one distance computation at a time.
		batch := sc.batch[:0]
		var touch float32
		for _, nb := range h.node(c.slot).neighbours(level) {
			if sc.seen.visit(nb) {
				v := h.node(nb).vec
				touch += v[0] + v[len(v)/2]
				batch = append(batch, pending{nb, v})
			}
		}
		sc.touch = touch
		sc.batch = batch
		for _, p := range batch {
			nb := p.slot
			k := h.key(q, p.vec)
			if len(sc.top) >= ef && k >= sc.top[0].key {
				continue
			}
			sc.front.push(cand{k, nb})
			if accept == nil || accept(nb) {
				if len(sc.top) < ef {
					sc.top.push(cand{k, nb})
				} else {
					sc.top.replaceTop(cand{k, nb})
				}
			}
		}
	}

	n := len(sc.top)
	sc.out = slices.Grow(sc.out[:0], n)[:n]
	for i := n - 1; i >= 0; i-- {
		sc.out[i] = sc.top.pop()
	}
	return sc.out
}

// visited marks the nodes a search has reached. A mark is the generation
// number of the search, so starting a new search is one increment, not a
// clear of the whole array.
type visited struct {
	marks []uint32
	gen   uint32
}

func (v *visited) reset(n int) {
	if len(v.marks) < n {
		v.marks = make([]uint32, n)
		v.gen = 0
	}
	v.gen++
	if v.gen == 0 { // wrapped: old marks could collide
		clear(v.marks)
		v.gen = 1
	}
}

// visit marks slot and reports whether this is its first visit. It grows
// the array for nodes added to the graph after reset.
func (v *visited) visit(slot uint32) bool {
	if int(slot) >= len(v.marks) {
		m := make([]uint32, max(int(slot)+1, 2*len(v.marks)))
		copy(m, v.marks)
		v.marks = m
	}
	if v.marks[slot] == v.gen {
		return false
	}
	v.marks[slot] = v.gen
	return true
}
