package engine

import (
	"sync"
	"sync/atomic"

	"github.com/amberdb/amber"
)

const (
	chunkBits = 12
	chunkSize = 1 << chunkBits
)

// slot is one version of a point. Every field but deleted is fixed once the
// slot is published.
type slot struct {
	id          amber.PointID
	version     uint64
	vecs        [][]float32 // by vector-name position; nil when absent
	payload     amber.Payload
	payloadJSON []byte
	deleted     atomic.Uint64 // sequence number of the deleting operation, 0 while alive
}

// aliveAt reports whether the slot was alive for a reader pinned at seq.
func (s *slot) aliveAt(seq uint64) bool {
	d := s.deleted.Load()
	return d == 0 || d > seq
}

func (s *slot) alive() bool { return s.deleted.Load() == 0 }

// slotTable is an append-only array of slots that readers index without a
// lock. One writer at a time appends (the collection's write lock).
type slotTable struct {
	mu     sync.Mutex // guards growth of chunks
	chunks atomic.Pointer[[]*[chunkSize]slot]
	n      atomic.Uint32
}

func (t *slotTable) len() uint32 { return t.n.Load() }

func (t *slotTable) get(i uint32) *slot {
	chunks := *t.chunks.Load()
	return &chunks[i>>chunkBits][i&(chunkSize-1)]
}

// next returns the slot to fill at index len(); publish makes it visible.
func (t *slotTable) next() (uint32, *slot) {
	i := t.n.Load()
	p := t.chunks.Load()
	if p == nil || int(i>>chunkBits) >= len(*p) {
		t.mu.Lock()
		var grown []*[chunkSize]slot
		if p != nil {
			grown = append(grown, *p...)
		}
		grown = append(grown, new([chunkSize]slot))
		t.chunks.Store(&grown)
		t.mu.Unlock()
	}
	return i, t.get(i)
}

func (t *slotTable) publish() { t.n.Add(1) }

// vectorsOf adapts one vector name of the table to index.Vectors.
type vectorsOf struct {
	t   *slotTable
	pos int
}

func (v vectorsOf) Vector(i uint32) []float32 { return v.t.get(i).vecs[v.pos] }
