package engine

import (
	"container/heap"
	"errors"
	"os"
	"sort"

	"github.com/amberdb/amber"
	"github.com/amberdb/amber/engine/index"
	"github.com/amberdb/amber/engine/payload"
)

func isNotExist(err error) bool { return errors.Is(err, os.ErrNotExist) }

// forMatching calls fn for each live slot that matches f (nil matches all),
// using payload indexes to narrow the scan. The caller holds mu or writeMu.
func (c *Collection) forMatching(f *amber.Filter, fn func(i uint32, s *slot) bool) {
	if f != nil {
		if cand, ok := c.indexes.Candidates(f); ok {
			for _, i := range cand {
				s := c.slots.get(i)
				if s.alive() && payload.Match(f, s.id, s.payload) && !fn(i, s) {
					return
				}
			}
			return
		}
	}
	for _, i := range c.ids {
		s := c.slots.get(i)
		if (f == nil || payload.Match(f, s.id, s.payload)) && !fn(i, s) {
			return
		}
	}
}

func (c *Collection) record(s *slot, withPayload, withVector bool) amber.Record {
	r := amber.Record{ID: s.id, Version: s.version}
	if withPayload {
		r.Payload = s.payload
		if r.Payload == nil {
			r.Payload = amber.Payload{}
		}
	}
	if withVector {
		r.Vectors = amber.Vectors{}
		for pos, n := range c.names {
			if s.vecs[pos] != nil {
				r.Vectors[n] = s.vecs[pos]
			}
		}
	}
	return r
}

// Get returns the points with the given ids, skipping missing ones.
func (c *Collection) Get(ids []amber.PointID, withPayload, withVector bool) []amber.Record {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]amber.Record, 0, len(ids))
	seen := map[amber.PointID]bool{}
	for _, id := range ids {
		if i, ok := c.ids[id]; ok && !seen[id] {
			seen[id] = true
			out = append(out, c.record(c.slots.get(i), withPayload, withVector))
		}
	}
	return out
}

// Count returns the number of points matching f (all when nil).
func (c *Collection) Count(f *amber.Filter) uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if f == nil {
		return uint64(len(c.ids))
	}
	var n uint64
	c.forMatching(f, func(uint32, *slot) bool { n++; return true })
	return n
}

// idHeap is a max-heap of ids, to keep the smallest k.
type idHeap []amber.PointID

func (h idHeap) Len() int           { return len(h) }
func (h idHeap) Less(i, j int) bool { return h[j].Less(h[i]) }
func (h idHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *idHeap) Push(x any)        { *h = append(*h, x.(amber.PointID)) }
func (h *idHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Scroll returns up to Limit points in id order from Offset on, and the id
// to continue from (nil at the end).
func (c *Collection) Scroll(req amber.ScrollRequest) ([]amber.Record, *amber.PointID) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	limit := req.Limit
	if limit <= 0 {
		limit = 10
	}
	h := &idHeap{}
	c.forMatching(req.Filter, func(_ uint32, s *slot) bool {
		if req.Offset != nil && s.id.Less(*req.Offset) {
			return true
		}
		if h.Len() <= limit {
			heap.Push(h, s.id)
		} else if s.id.Less((*h)[0]) {
			(*h)[0] = s.id
			heap.Fix(h, 0)
		}
		return true
	})
	ids := []amber.PointID(*h)
	sort.Slice(ids, func(i, j int) bool { return ids[i].Less(ids[j]) })
	var next *amber.PointID
	if len(ids) > limit {
		n := ids[limit]
		next = &n
		ids = ids[:limit]
	}
	out := make([]amber.Record, len(ids))
	for i, id := range ids {
		out[i] = c.record(c.slots.get(c.ids[id]), req.WithPayload, req.WithVector)
	}
	return out, next
}

// Search returns the points nearest to the query, best first.
func (c *Collection) Search(q amber.Query) ([]amber.ScoredPoint, error) {
	pos, err := c.vectorPos(q.Using)
	if err != nil {
		return nil, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	c.stats.searches.Add(1)
	vec := q.Vector
	var self uint32
	hasSelf := false
	if q.ByID != nil {
		i, ok := c.ids[*q.ByID]
		if !ok {
			return nil, amber.Errorf(amber.ENotFound, "Not found: No point with id %s found", q.ByID)
		}
		vec, self, hasSelf = c.slots.get(i).vecs[pos], i, true
		if vec == nil {
			return nil, amber.Errorf(amber.EInvalid, "Wrong input: point %s has no vector %q", q.ByID, q.Using)
		}
	} else {
		if len(vec) != c.dim(pos) {
			return nil, amber.Errorf(amber.EInvalid, "Wrong input: Vector dimension error: expected dim: %d, got %d", c.dim(pos), len(vec))
		}
		if c.distance(pos) == amber.Cosine {
			vec = index.Normalize(vec)
		}
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	k := limit + max(q.Offset, 0)
	accept := func(i uint32) bool {
		s := c.slots.get(i)
		return s.alive() && s.vecs[pos] != nil && !(hasSelf && i == self) &&
			(q.Filter == nil || payload.Match(q.Filter, s.id, s.payload))
	}
	results := c.nearest(pos, vec, k, q, accept)
	d := c.distance(pos)
	out := make([]amber.ScoredPoint, 0, limit)
	for i, r := range results {
		if i < q.Offset {
			continue
		}
		if q.ScoreThreshold != nil && index.Better(d, *q.ScoreThreshold, r.Score) {
			break
		}
		s := c.slots.get(r.Slot)
		out = append(out, amber.ScoredPoint{Record: c.record(s, q.WithPayload, q.WithVector), Score: r.Score})
	}
	return out, nil
}

// nearest picks exact search for small or narrowly filtered sets and the
// HNSW graph otherwise.
func (c *Collection) nearest(pos int, vec []float32, k int, q amber.Query, accept func(uint32) bool) []index.Result {
	d, vecs := c.distance(pos), vectorsOf{t: &c.slots, pos: pos}
	threshold := c.fullScanPoints(pos)
	if q.Filter != nil {
		if cand, ok := c.indexes.Candidates(q.Filter); ok && len(cand) <= threshold {
			return index.Exact(d, vecs, vec, k, func(yield func(uint32) bool) {
				for _, i := range cand {
					if !yield(i) {
						return
					}
				}
			}, accept)
		}
	}
	if q.Exact || len(c.ids) <= threshold {
		// Slots in order, not the id map: a sequential walk of memory.
		// accept skips the dead ones.
		n := c.slots.len()
		return index.Exact(d, vecs, vec, k, func(yield func(uint32) bool) {
			for i := range n {
				if !yield(i) {
					return
				}
			}
		}, accept)
	}
	ef := q.HNSWEf
	if ef <= 0 {
		ef = max(c.cfg.HNSW.EfConstruct, 100)
	}
	return c.graphs[pos].Search(vec, k, max(ef, k), accept)
}

// fullScanPoints converts full_scan_threshold (KiB of vectors, as Qdrant)
// into a point count for one vector name.
func (c *Collection) fullScanPoints(pos int) int {
	kib := c.cfg.HNSW.FullScanThreshold
	if kib <= 0 {
		kib = amber.DefaultHNSWConfig().FullScanThreshold
	}
	return kib * 1024 / (c.dim(pos) * 4)
}

// Info returns the collection's status and counts.
func (c *Collection) Info() amber.CollectionInfo {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var indexed uint64
	for _, g := range c.graphs {
		indexed += uint64(g.Len())
	}
	return amber.CollectionInfo{
		Status: "green", OptimizerStatus: "ok",
		PointsCount: uint64(len(c.ids)), IndexedVectorsCount: indexed, SegmentsCount: 1,
		Config: c.cfg, PayloadSchema: c.indexes.Schema(),
	}
}
