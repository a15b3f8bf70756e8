package index

import (
	"fmt"
	"math"
	"math/rand"
	"sync"
	"sync/atomic"

	"github.com/amberdb/amber"
)

// Defaults applied by NewHNSW and ReadHNSW to zero fields of Options. They
// are Qdrant's defaults for hnsw_config.
const (
	DefaultM           = 16
	DefaultEfConstruct = 100
)

// Limits checked by Options.Validate. maxLevel bounds a node's level; the
// level drawn at random is capped there (with M=16 a level above 31 has
// probability 16^-31).
const (
	maxM     = 4096
	maxLevel = 31
)

// Options configure a graph. Distance, Dim and M are fixed for its lifetime
// and recorded in its file; EfConstruct and Seed only steer construction.
type Options struct {
	Distance    amber.Distance
	Dim         int   // vector length; every vector and query must have it
	M           int   // links per node on levels above 0 (2*M on level 0); default 16
	EfConstruct int   // candidate list size while inserting, at least M; default 100
	Seed        int64 // seeds the level draw
}

// withDefaults fills zero M and EfConstruct.
func (o Options) withDefaults() Options {
	if o.M == 0 {
		o.M = DefaultM
	}
	if o.EfConstruct == 0 {
		o.EfConstruct = DefaultEfConstruct
	}
	return o
}

// Validate reports the first invalid field, wrapping ErrOptions. Zero M and
// EfConstruct are valid and mean the defaults.
func (o Options) Validate() error {
	o = o.withDefaults()
	switch {
	case o.Distance < amber.Cosine || o.Distance > amber.Manhattan:
		return fmt.Errorf("%w: unknown distance %v", ErrOptions, o.Distance)
	case o.Dim <= 0:
		return fmt.Errorf("%w: dim %d must be positive", ErrOptions, o.Dim)
	case o.M < 2 || o.M > maxM:
		return fmt.Errorf("%w: m %d must be within [2, %d]", ErrOptions, o.M, maxM)
	case o.EfConstruct < 1:
		return fmt.Errorf("%w: ef_construct %d must be positive", ErrOptions, o.EfConstruct)
	}
	return nil
}

// HNSW is a hierarchical navigable small world graph (Malkov & Yashunin)
// over the engine's slots. Insert and Search may run from any number of
// goroutines at once: each node has its own lock for writers, and readers
// load neighbour lists that are replaced, never modified, so they take no
// lock at all.
type HNSW struct {
	opts Options
	vecs Vectors
	key  func(a, b []float32) float32
	mult float64 // level multiplier 1/ln(M)

	dir    atomic.Pointer[[]*chunk] // slot -> node, see node()
	growMu sync.Mutex               // serialises directory growth

	// epMu serialises changes of the entry point. An insert that raises the
	// top level holds it for its whole insertion, as hnswlib does.
	epMu  sync.Mutex
	entry atomic.Pointer[entryPoint]

	rngMu sync.Mutex
	rng   *rand.Rand

	searchers sync.Pool // *searcher
	nodes     atomic.Int64
	inserts   atomic.Uint64
	searches  atomic.Uint64
}

// entryPoint is where every search starts: a node on the top level.
type entryPoint struct {
	slot  uint32
	level int
}

// node is one slot in the graph. vec and level never change. base holds the
// neighbours on level 0, upper[l-1] those on level l: inline in the node,
// level 0, which every search reads, costs one cache miss less. A writer
// holding mu replaces a list whole, so a reader may use whatever it loaded
// without locking.
type node struct {
	vec   []float32
	level int
	base  atomic.Pointer[[]uint32]
	done  atomic.Bool // insertion finished; only done nodes are written out
	mu    sync.Mutex
	upper []atomic.Pointer[[]uint32]
}

func newNode(vec []float32, level int) *node {
	n := &node{vec: vec, level: level}
	if level > 0 {
		n.upper = make([]atomic.Pointer[[]uint32], level)
	}
	return n
}

func (n *node) list(level int) *atomic.Pointer[[]uint32] {
	if level == 0 {
		return &n.base
	}
	return &n.upper[level-1]
}

func (n *node) neighbours(level int) []uint32 {
	if p := n.list(level).Load(); p != nil {
		return *p
	}
	return nil
}

// setNeighbours publishes ids as the list for level. ids must not be
// modified afterwards. The caller holds n.mu (or owns n exclusively).
func (n *node) setNeighbours(level int, ids []uint32) { n.list(level).Store(&ids) }

// The directory maps slots to nodes in chunks of chunkSize pointers, so
// growing it copies one pointer per chunk and never moves a node.
const (
	chunkBits = 10
	chunkSize = 1 << chunkBits
)

type chunk [chunkSize]atomic.Pointer[node]

// NewHNSW returns an empty graph over vecs. It panics if opts are invalid;
// call Options.Validate first when they come from a user.
func NewHNSW(opts Options, vecs Vectors) *HNSW {
	opts = opts.withDefaults()
	if err := opts.Validate(); err != nil {
		panic("index: " + err.Error())
	}
	h := &HNSW{
		opts: opts,
		vecs: vecs,
		key:  keyFunc(opts.Distance),
		mult: 1 / math.Log(float64(opts.M)),
		rng:  rand.New(rand.NewSource(opts.Seed)),
	}
	h.dir.Store(new([]*chunk))
	h.searchers.New = func() any { return new(searcher) }
	return h
}

// node returns the node in slot, or nil if none was inserted there.
func (h *HNSW) node(slot uint32) *node {
	dir := *h.dir.Load()
	c := int(slot >> chunkBits)
	if c >= len(dir) || dir[c] == nil {
		return nil
	}
	return dir[c][slot&(chunkSize-1)].Load()
}

// publish stores n in slot unless another node is already there.
func (h *HNSW) publish(slot uint32, n *node) bool {
	dir := *h.dir.Load()
	c := int(slot >> chunkBits)
	if c >= len(dir) || dir[c] == nil {
		dir = h.grow(c)
	}
	return dir[c][slot&(chunkSize-1)].CompareAndSwap(nil, n)
}

// grow makes chunk c exist. Chunks are allocated only when a slot in them is
// used, so a far slot costs a longer pointer slice, not memory for nodes.
func (h *HNSW) grow(c int) []*chunk {
	h.growMu.Lock()
	defer h.growMu.Unlock()
	old := *h.dir.Load()
	if c < len(old) && old[c] != nil {
		return old
	}
	size := len(old)
	if c >= size {
		size = max(c+1, 2*len(old)) // double only when out of room
	}
	dir := make([]*chunk, size)
	copy(dir, old)
	dir[c] = new(chunk)
	h.dir.Store(&dir)
	return dir
}

// capacity is the slot count the directory covers, used to size visited sets.
func (h *HNSW) capacity() int { return len(*h.dir.Load()) * chunkSize }

// randomLevel draws floor(-ln(U) / ln(M)), the exponentially decaying level
// distribution of the paper, from the seeded generator.
func (h *HNSW) randomLevel() int {
	h.rngMu.Lock()
	u := 1 - h.rng.Float64() // (0, 1]: the log stays finite
	h.rngMu.Unlock()
	return min(int(-math.Log(u)*h.mult), maxLevel)
}

// maxLinks is the capacity of a neighbour list on level l.
func (h *HNSW) maxLinks(level int) int {
	if level == 0 {
		return 2 * h.opts.M
	}
	return h.opts.M
}

// Contains reports whether slot was inserted (or is being inserted).
func (h *HNSW) Contains(slot uint32) bool { return h.node(slot) != nil }

// Len returns the number of slots inserted.
func (h *HNSW) Len() int { return int(h.nodes.Load()) }

// Options returns the options in effect, defaults filled in.
func (h *HNSW) Options() Options { return h.opts }

// Stats are counters for metrics. Nodes counts every node, loaded or
// inserted; Inserts only the Insert calls that added one since the graph was
// created or loaded. MaxLevel is -1 for an empty graph.
type Stats struct {
	Nodes    int
	MaxLevel int
	Inserts  uint64
	Searches uint64
}

// Stats returns the current counters.
func (h *HNSW) Stats() Stats {
	s := Stats{Nodes: h.Len(), MaxLevel: -1, Inserts: h.inserts.Load(), Searches: h.searches.Load()}
	if ep := h.entry.Load(); ep != nil {
		s.MaxLevel = ep.level
	}
	return s
}
