package payload

import (
	"slices"

	"github.com/amberdb/amber"
)

// Candidates returns a sorted, duplicate-free superset of the slots that
// can match f, or ok=false when no index applies and the caller must scan
// every point. The caller still runs Match on each candidate.
//
// Indexes answer match value and match any on keyword, uuid, bool and
// integer fields, and range on integer, float and datetime fields, when the
// queried values have the index's type. Candidates intersects what the
// indexed conditions of f.Must allow, descending into conditions that are
// themselves filters; a should list (or min_should list) whose every
// condition is answerable narrows further by the union of its answers.
func (ix *Indexes) Candidates(f *amber.Filter) (slots []uint32, ok bool) {
	if f == nil || len(ix.fields) == 0 {
		return nil, false
	}
	return ix.filterSlots(f)
}

func (ix *Indexes) filterSlots(f *amber.Filter) (out []uint32, ok bool) {
	narrow := func(s []uint32) {
		if !ok {
			out, ok = s, true
			return
		}
		out = intersect(out, s)
	}
	for i := range f.Must {
		if s, found := ix.condSlots(&f.Must[i]); found {
			narrow(s)
		}
	}
	if len(f.Should) > 0 {
		if s, found := ix.unionSlots(f.Should); found {
			narrow(s)
		}
	}
	if ms := f.MinShould; ms != nil && ms.MinCount > 0 {
		if len(ms.Conditions) < ms.MinCount {
			narrow(nil)
		} else if s, found := ix.unionSlots(ms.Conditions); found {
			narrow(s)
		}
	}
	return out, ok
}

// unionSlots answers "at least one of conds holds", when every condition is
// answerable.
func (ix *Indexes) unionSlots(conds []amber.Condition) ([]uint32, bool) {
	var all []uint32
	for i := range conds {
		s, found := ix.condSlots(&conds[i])
		if !found {
			return nil, false
		}
		all = append(all, s...)
	}
	slices.Sort(all)
	return slices.Compact(all), true
}

func (ix *Indexes) condSlots(c *amber.Condition) ([]uint32, bool) {
	kind, n := formOf(c)
	if n != 1 {
		return nil, false
	}
	switch kind {
	case formFilter:
		return ix.filterSlots(c.Filter)
	case formField:
		if fi := ix.fields[c.Key]; fi != nil {
			return fi.slots(c)
		}
	}
	return nil, false
}

// slots answers one field condition on this field, when it can.
func (fi *fieldIndex) slots(c *amber.Condition) ([]uint32, bool) {
	switch {
	case c.Match != nil && c.Range == nil && c.ValuesCount == nil:
		return fi.matchSlots(c.Match)
	case c.Range != nil && c.Match == nil && c.ValuesCount == nil:
		return fi.rangeSlots(c.Range)
	}
	return nil, false
}

func (fi *fieldIndex) matchSlots(m *amber.Match) ([]uint32, bool) {
	if fi.exact == nil {
		return nil, false
	}
	kind, n := kindOfMatch(m)
	if n != 1 {
		return nil, false
	}
	var want []any
	switch kind {
	case matchValue:
		want = []any{m.Value}
	case matchAny:
		want = m.Any
	default:
		return nil, false
	}
	keys := make([]string, 0, len(want))
	for _, w := range want {
		k, ok := fi.keyOf(w)
		if !ok {
			// A value of another type may match stored values this index
			// skipped.
			return nil, false
		}
		keys = append(keys, k)
	}
	var out []uint32
	for _, k := range keys {
		for slot := range fi.exact[k] {
			out = append(out, slot)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), true
}

func (fi *fieldIndex) rangeSlots(r *amber.Range) ([]uint32, bool) {
	switch modeOf(r) {
	case rangeNumbers:
		if fi.nums == nil {
			return nil, false
		}
		lower := func(f float64) bool {
			return (r.Gt == nil || f > r.Gt.Num) && (r.Gte == nil || f >= r.Gte.Num)
		}
		upper := func(f float64) bool {
			return (r.Lt == nil || f < r.Lt.Num) && (r.Lte == nil || f <= r.Lte.Num)
		}
		return fi.nums.slots(lower, upper), true
	case rangeTimes:
		if fi.times == nil {
			return nil, false
		}
		bound := func(b *amber.Bound) instant { return instantOf(b.Time) }
		after := func(k instant, b *amber.Bound, orEqual bool) bool {
			c := compareInstants(k, bound(b))
			return c > 0 || (orEqual && c == 0)
		}
		lower := func(k instant) bool {
			return (r.Gt == nil || after(k, r.Gt, false)) && (r.Gte == nil || after(k, r.Gte, true))
		}
		upper := func(k instant) bool {
			return (r.Lt == nil || !after(k, r.Lt, true)) && (r.Lte == nil || !after(k, r.Lte, false))
		}
		return fi.times.slots(lower, upper), true
	}
	return nil, false
}

// intersect returns the slots in both sorted slices.
func intersect(a, b []uint32) []uint32 {
	out := make([]uint32, 0, min(len(a), len(b)))
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}
