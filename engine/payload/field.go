package payload

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/amberdb/amber"
	"github.com/google/uuid"
)

// fieldIndex indexes the values of one field.
type fieldIndex struct {
	typ    amber.PayloadSchemaType
	path   path
	points map[uint32]struct{}            // slots with at least one value of typ
	exact  map[string]map[uint32]struct{} // keyword, uuid, bool, integer
	nums   *sortedIndex[float64]          // integer, float
	times  *sortedIndex[instant]          // datetime
}

func newFieldIndex(p path, t amber.PayloadSchemaType) *fieldIndex {
	fi := &fieldIndex{typ: t, path: p, points: map[uint32]struct{}{}}
	switch t {
	case amber.SchemaKeyword, amber.SchemaUUID, amber.SchemaBool:
		fi.exact = map[string]map[uint32]struct{}{}
	case amber.SchemaInteger:
		fi.exact = map[string]map[uint32]struct{}{}
		fi.nums = newSortedIndex(cmp.Compare[float64])
	case amber.SchemaFloat:
		fi.nums = newSortedIndex(cmp.Compare[float64])
	case amber.SchemaDatetime:
		fi.times = newSortedIndex(compareInstants)
	}
	return fi
}

// keyOf returns the exact-map key of a value, stored or queried, or false
// when the value does not have the index's type.
func (fi *fieldIndex) keyOf(v any) (string, bool) {
	switch fi.typ {
	case amber.SchemaKeyword:
		s, ok := v.(string)
		return s, ok
	case amber.SchemaUUID:
		s, ok := v.(string)
		if !ok {
			return "", false
		}
		u, err := uuid.Parse(s)
		if err != nil {
			return "", false
		}
		return u.String(), true
	case amber.SchemaBool:
		b, ok := v.(bool)
		if !ok {
			return "", false
		}
		return strconv.FormatBool(b), true
	case amber.SchemaInteger:
		n, ok := intOf(v)
		if !ok {
			return "", false
		}
		return strconv.FormatInt(n, 10), true
	}
	return "", false
}

// extracted is what one payload contributes to an index, deduplicated.
type extracted struct {
	keys  []string
	nums  []float64
	times []instant
	typed bool // at least one value of the index's type
}

func (fi *fieldIndex) extract(p amber.Payload) extracted {
	var x extracted
	for _, v := range flatten(fi.path.lookup(p)) {
		if fi.exact != nil {
			if k, ok := fi.keyOf(v); ok {
				x.keys = append(x.keys, k)
				x.typed = true
			}
		}
		switch fi.typ {
		case amber.SchemaInteger, amber.SchemaFloat:
			if f, ok := numberOf(v); ok {
				x.nums = append(x.nums, f)
				x.typed = x.typed || fi.typ == amber.SchemaFloat
			}
		case amber.SchemaDatetime:
			if t, ok := timeOf(v); ok {
				x.times = append(x.times, instantOf(t))
				x.typed = true
			}
		case amber.SchemaText:
			if _, ok := v.(string); ok {
				x.typed = true
			}
		}
	}
	slices.Sort(x.keys)
	x.keys = slices.Compact(x.keys)
	slices.Sort(x.nums)
	x.nums = slices.Compact(x.nums)
	slices.SortFunc(x.times, compareInstants)
	x.times = slices.Compact(x.times)
	return x
}

func (fi *fieldIndex) add(slot uint32, p amber.Payload) {
	x := fi.extract(p)
	for _, k := range x.keys {
		set := fi.exact[k]
		if set == nil {
			set = map[uint32]struct{}{}
			fi.exact[k] = set
		}
		set[slot] = struct{}{}
	}
	for _, f := range x.nums {
		fi.nums.add(f, slot)
	}
	for _, t := range x.times {
		fi.times.add(t, slot)
	}
	if x.typed {
		fi.points[slot] = struct{}{}
	}
}

func (fi *fieldIndex) remove(slot uint32, p amber.Payload) {
	x := fi.extract(p)
	for _, k := range x.keys {
		if set := fi.exact[k]; set != nil {
			delete(set, slot)
			if len(set) == 0 {
				delete(fi.exact, k)
			}
		}
	}
	for _, f := range x.nums {
		fi.nums.remove(f, slot)
	}
	for _, t := range x.times {
		fi.times.remove(t, slot)
	}
	delete(fi.points, slot)
}
