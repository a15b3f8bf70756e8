package index

import (
	"fmt"
	"slices"
)

// Insert adds slot, whose vector the engine has already stored in Vectors,
// to the graph. Inserting a slot that is already in the graph does nothing.
// Insert is safe to call concurrently with Search and other Inserts. It
// panics if the stored vector does not have Options.Dim dimensions: the
// engine checks dimensions before it stores a vector.
func (h *HNSW) Insert(slot uint32) {
	if h.Contains(slot) {
		return
	}
	vec := h.vecs.Vector(slot)
	if len(vec) != h.opts.Dim {
		panic(fmt.Sprintf("index: insert slot %d: vector has %d dimensions, index has %d", slot, len(vec), h.opts.Dim))
	}
	n := newNode(vec, h.randomLevel())
	if !h.publish(slot, n) {
		return // a concurrent Insert of the same slot won
	}
	h.nodes.Add(1)

	h.epMu.Lock()
	ep := h.entry.Load()
	switch {
	case ep == nil:
		h.entry.Store(&entryPoint{slot: slot, level: n.level})
		h.epMu.Unlock()
	case n.level > ep.level:
		// The new node becomes the entry point once linked; until then no
		// other insert may start from the old one and miss the new levels.
		h.link(slot, n, ep)
		h.entry.Store(&entryPoint{slot: slot, level: n.level})
		h.epMu.Unlock()
	default:
		h.epMu.Unlock()
		h.link(slot, n, ep)
	}
	n.done.Store(true)
	h.inserts.Add(1)
}

// link connects n, stored in slot, on each of its levels. It searches
// from ep down to level 0 first and links afterwards, level 0 first: a
// concurrent insert that reaches n on some level then always finds n's links
// on the levels below, instead of a dead end that would leave it linked to
// n alone.
func (h *HNSW) link(slot uint32, n *node, ep *entryPoint) {
	cur, curKey := ep.slot, h.key(n.vec, h.node(ep.slot).vec)
	for l := ep.level; l > n.level; l-- {
		cur, curKey = h.greedy(n.vec, cur, curKey, l)
	}
	ef := max(h.opts.EfConstruct, h.opts.M) // as hnswlib: room to choose M from
	top := min(n.level, ep.level)
	sel := make([][]uint32, top+1)
	sc := h.searchers.Get().(*searcher)
	for l := top; l >= 0; l-- {
		found := h.searchLayer(sc, n.vec, cur, curKey, ef, l, nil)
		found = slices.DeleteFunc(found, func(c cand) bool { return c.slot == slot })
		if len(found) == 0 {
			continue
		}
		cur, curKey = found[0].slot, found[0].key
		sel[l] = h.selectNeighbours(found, h.opts.M)
	}
	h.searchers.Put(sc)

	for l, ids := range sel {
		n.mu.Lock()
		n.setNeighbours(l, ids)
		n.mu.Unlock()
		for _, nb := range ids {
			h.addLink(nb, slot, n, l)
		}
	}
}

// addLink adds the reverse link nb -> slot on level l. A full list is
// pruned back to capacity with the same heuristic, which may drop the new
// link again.
func (h *HNSW) addLink(nb, slot uint32, n *node, l int) {
	m := h.node(nb)
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.neighbours(l)
	if slices.Contains(old, slot) {
		return // a concurrent insert of nb already linked the two
	}
	if len(old) < h.maxLinks(l) {
		ids := make([]uint32, len(old)+1)
		copy(ids, old)
		ids[len(old)] = slot
		m.setNeighbours(l, ids)
		return
	}
	cs := make([]cand, 0, len(old)+1)
	for _, o := range old {
		cs = append(cs, cand{h.key(m.vec, h.node(o).vec), o})
	}
	cs = append(cs, cand{h.key(m.vec, n.vec), slot})
	slices.SortFunc(cs, cmpCand)
	m.setNeighbours(l, h.selectNeighbours(cs, h.maxLinks(l)))
}

// selectNeighbours is the paper's heuristic (hnswlib's
// getNeighborsByHeuristic2): walking cs closest first, keep a candidate only
// if it is closer to the base than to every one kept so far, up to m. This
// spreads links over directions instead of clustering them, which keeps
// the graph navigable on clustered data. cs must be sorted closest first.
// The result is a new slice, ready to publish.
func (h *HNSW) selectNeighbours(cs []cand, m int) []uint32 {
	if len(cs) <= m {
		ids := make([]uint32, len(cs))
		for i, c := range cs {
			ids[i] = c.slot
		}
		return ids
	}
	ids := make([]uint32, 0, m)
	kept := make([][]float32, 0, m)
	for _, c := range cs {
		v := h.node(c.slot).vec
		good := true
		for _, kv := range kept {
			if h.key(v, kv) < c.key {
				good = false
				break
			}
		}
		if good {
			ids = append(ids, c.slot)
			kept = append(kept, v)
			if len(ids) == m {
				break
			}
		}
	}
	return ids
}
