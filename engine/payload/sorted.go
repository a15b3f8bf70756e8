package payload

import (
	"cmp"
	"slices"
	"sort"
	"sync"
	"time"
)

// instant is a datetime as an ordered, comparable key.
type instant struct {
	sec  int64
	nsec int32
}

func instantOf(t time.Time) instant { return instant{sec: t.Unix(), nsec: int32(t.Nanosecond())} }

func compareInstants(a, b instant) int {
	if c := cmp.Compare(a.sec, b.sec); c != 0 {
		return c
	}
	return cmp.Compare(a.nsec, b.nsec)
}

// entry is one indexed value of one point.
type entry[K comparable] struct {
	key  K
	slot uint32
}

// sortedIndex keeps (value, slot) entries ordered by value for range
// queries. Adds go to pending and removals to counted tombstones, both in
// O(1); the first query after a change merges them into the sorted slice in
// O(n + p log p). Each (value, slot) pair must be added at most once while
// it is live.
//
// add and remove need exclusive access. Queries may run concurrently with
// each other (the engine answers them under a read lock), so the lazy merge
// they trigger is serialised by mu.
type sortedIndex[K comparable] struct {
	mu      sync.Mutex
	cmp     func(a, b K) int
	sorted  []entry[K]
	pending []entry[K]
	removed map[entry[K]]int
}

func newSortedIndex[K comparable](compare func(a, b K) int) *sortedIndex[K] {
	return &sortedIndex[K]{cmp: compare, removed: map[entry[K]]int{}}
}

func (s *sortedIndex[K]) add(k K, slot uint32) {
	s.pending = append(s.pending, entry[K]{key: k, slot: slot})
}

func (s *sortedIndex[K]) remove(k K, slot uint32) {
	s.removed[entry[K]{key: k, slot: slot}]++
}

func (s *sortedIndex[K]) compareEntries(a, b entry[K]) int {
	if c := s.cmp(a.key, b.key); c != 0 {
		return c
	}
	return cmp.Compare(a.slot, b.slot)
}

// settle merges pending entries and drops removed ones.
func (s *sortedIndex[K]) settle() {
	if len(s.pending) == 0 && len(s.removed) == 0 {
		return
	}
	slices.SortFunc(s.pending, s.compareEntries)
	merged := make([]entry[K], 0, len(s.sorted)+len(s.pending))
	i, j := 0, 0
	for i < len(s.sorted) || j < len(s.pending) {
		var e entry[K]
		if j >= len(s.pending) || (i < len(s.sorted) && s.compareEntries(s.sorted[i], s.pending[j]) <= 0) {
			e, i = s.sorted[i], i+1
		} else {
			e, j = s.pending[j], j+1
		}
		if n := s.removed[e]; n > 0 {
			if n == 1 {
				delete(s.removed, e)
			} else {
				s.removed[e] = n - 1
			}
			continue
		}
		merged = append(merged, e)
	}
	s.sorted, s.pending = merged, nil
	clear(s.removed)
}

// slots returns the sorted, duplicate-free slots of the entries whose key
// satisfies both bounds. lower must be monotone (false, then true as keys
// grow) and upper monotone the other way.
func (s *sortedIndex[K]) slots(lower, upper func(K) bool) []uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle()
	start := sort.Search(len(s.sorted), func(i int) bool { return lower(s.sorted[i].key) })
	var out []uint32
	for _, e := range s.sorted[start:] {
		if !upper(e.key) {
			break
		}
		out = append(out, e.slot)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
