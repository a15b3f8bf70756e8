package payload

import (
	"strings"

	"github.com/amberdb/amber"
)

// form is the kind of a Condition.
type form uint8

const (
	formNone form = iota
	formField
	formIsEmpty
	formIsNull
	formHasID
	formNested
	formFilter
)

// formOf returns the kind of c and how many kinds it sets; a well-formed
// condition sets exactly one.
func formOf(c *amber.Condition) (form, int) {
	f, n := formNone, 0
	set := func(k form, on bool) {
		if on {
			if n == 0 {
				f = k
			}
			n++
		}
	}
	set(formField, c.Key != "" || c.Match != nil || c.Range != nil || c.ValuesCount != nil)
	set(formIsEmpty, c.IsEmpty != nil)
	set(formIsNull, c.IsNull != nil)
	set(formHasID, c.HasID != nil)
	set(formNested, c.Nested != nil)
	set(formFilter, c.Filter != nil)
	return f, n
}

// matchKind is the kind of a Match.
type matchKind uint8

const (
	matchNone matchKind = iota
	matchValue
	matchAny
	matchExcept
	matchText
)

// kindOfMatch returns the kind of m and how many kinds it sets. Text and
// Phrase are one kind: both are substring checks.
func kindOfMatch(m *amber.Match) (matchKind, int) {
	k, n := matchNone, 0
	set := func(kind matchKind, on bool) {
		if on {
			if n == 0 {
				k = kind
			}
			n++
		}
	}
	set(matchValue, m.Value != nil)
	set(matchAny, m.Any != nil)
	set(matchExcept, m.Except != nil)
	set(matchText, m.Text != "")
	set(matchText, m.Phrase != "")
	return k, n
}

// Match reports whether the point with id and payload p satisfies f. A nil
// or empty filter matches every point. f should have passed Validate: a
// malformed condition never holds. Semantics are in the package doc.
func Match(f *amber.Filter, id amber.PointID, p amber.Payload) bool {
	if f == nil {
		return true
	}
	return scope{id: id}.filter(f, p)
}

// scope carries what a condition may look at besides the payload: the point
// id, which nested filters cannot see.
type scope struct {
	id     amber.PointID
	nested bool
}

func (s scope) filter(f *amber.Filter, p map[string]any) bool {
	for i := range f.Must {
		if !s.cond(&f.Must[i], p) {
			return false
		}
	}
	for i := range f.MustNot {
		if s.cond(&f.MustNot[i], p) {
			return false
		}
	}
	if len(f.Should) > 0 {
		found := false
		for i := range f.Should {
			if s.cond(&f.Should[i], p) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if ms := f.MinShould; ms != nil && ms.MinCount > 0 {
		held := 0
		for i := range ms.Conditions {
			if s.cond(&ms.Conditions[i], p) {
				if held++; held >= ms.MinCount {
					break
				}
			}
		}
		if held < ms.MinCount {
			return false
		}
	}
	return true
}

func (s scope) cond(c *amber.Condition, p map[string]any) bool {
	kind, n := formOf(c)
	if n != 1 {
		return false
	}
	switch kind {
	case formField:
		return fieldHolds(c, p)
	case formIsEmpty:
		return isEmpty(c.IsEmpty.Key, p)
	case formIsNull:
		return isNull(c.IsNull.Key, p)
	case formHasID:
		if s.nested {
			return false
		}
		for _, id := range c.HasID {
			if id == s.id {
				return true
			}
		}
		return false
	case formNested:
		return s.nestedHolds(c.Nested, p)
	case formFilter:
		return s.filter(c.Filter, p)
	}
	return false
}

// nestedHolds checks the inner filter against each object of the array at
// the nested key.
func (s scope) nestedHolds(n *amber.Nested, p map[string]any) bool {
	pth, ok := cachedPath(n.Key)
	if !ok {
		return false
	}
	if pth[len(pth)-1].kind != stepAll {
		pth = append(pth[:len(pth):len(pth)], step{kind: stepAll})
	}
	inner := scope{id: s.id, nested: true}
	for _, v := range pth.lookup(p) {
		if obj, ok := v.(map[string]any); ok && inner.filter(&n.Filter, obj) {
			return true
		}
	}
	return false
}

// fieldHolds evaluates a field condition: match, range or values_count.
func fieldHolds(c *amber.Condition, p map[string]any) bool {
	pth, ok := cachedPath(c.Key)
	if !ok {
		return false
	}
	raw := pth.lookup(p)
	switch {
	case c.ValuesCount != nil && c.Match == nil && c.Range == nil:
		return countInRange(c.ValuesCount, countValues(raw))
	case c.Match != nil && c.Range == nil && c.ValuesCount == nil:
		return anyMatches(c.Match, raw)
	case c.Range != nil && c.Match == nil && c.ValuesCount == nil:
		mode := modeOf(c.Range)
		return anyValue(raw, func(v any) bool { return inRange(c.Range, mode, v) })
	}
	return false
}

// anyValue reports whether fn holds for some value in raw, looking inside
// arrays one level deep.
func anyValue(raw []any, fn func(any) bool) bool {
	for _, v := range raw {
		if a, ok := v.([]any); ok {
			for _, e := range a {
				if fn(e) {
					return true
				}
			}
		} else if fn(v) {
			return true
		}
	}
	return false
}

func anyMatches(m *amber.Match, raw []any) bool {
	kind, n := kindOfMatch(m)
	if n != 1 {
		return false
	}
	switch kind {
	case matchValue:
		return anyValue(raw, func(v any) bool { return equalValue(v, m.Value) })
	case matchAny:
		return anyValue(raw, func(v any) bool { return inList(v, m.Any) })
	case matchExcept:
		return anyValue(raw, func(v any) bool { return exceptHolds(v, m.Except) })
	case matchText:
		text := m.Text
		if text == "" {
			text = m.Phrase
		}
		return anyValue(raw, func(v any) bool {
			s, ok := v.(string)
			return ok && strings.Contains(s, text)
		})
	}
	return false
}

// isEmpty holds when the key is missing or every value is null or [].
func isEmpty(key string, p map[string]any) bool {
	pth, ok := cachedPath(key)
	if !ok {
		return false
	}
	for _, v := range pth.lookup(p) {
		switch x := v.(type) {
		case nil:
		case []any:
			if len(x) > 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// isNull holds when some value at the key is exactly null.
func isNull(key string, p map[string]any) bool {
	pth, ok := cachedPath(key)
	if !ok {
		return false
	}
	for _, v := range pth.lookup(p) {
		if v == nil {
			return true
		}
	}
	return false
}
