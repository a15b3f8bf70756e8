package payload

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/amberdb/amber"
)

// intOf returns v as an int64 when it is an integer: a json.Number written
// as an integer that fits in int64, a Go integer, or a whole float (only
// programmatic payloads hold those). "5.0" and "1e3" are not integers, as
// in Qdrant.
func intOf(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		return n, err == nil
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint:
		return int64(x), uint64(x) <= math.MaxInt64
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		return int64(x), x <= math.MaxInt64
	case float32:
		return wholeFloat(float64(x))
	case float64:
		return wholeFloat(x)
	}
	return 0, false
}

func wholeFloat(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false
	}
	return int64(f), true
}

// numberOf returns v as a float64 when it is a number. NaN and numbers that
// overflow float64 are not numbers.
func numberOf(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case json.Number:
		var err error
		if f, err = strconv.ParseFloat(string(x), 64); err != nil {
			return 0, false
		}
	case float64:
		f = x
	case float32:
		f = float64(x)
	case uint64:
		return float64(x), true
	case uint:
		return float64(x), true
	default:
		n, ok := intOf(v)
		return float64(n), ok
	}
	if math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// isNumber reports whether v is a JSON number of any kind.
func isNumber(v any) bool {
	switch v.(type) {
	case json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return true
	}
	return false
}

// equalValue reports whether a stored value equals a match value: strings
// and bools by equality, integers exactly.
func equalValue(stored, want any) bool {
	switch w := want.(type) {
	case string:
		s, ok := stored.(string)
		return ok && s == w
	case bool:
		b, ok := stored.(bool)
		return ok && b == w
	case nil:
		return false
	}
	wn, ok := intOf(want)
	if !ok {
		return false
	}
	sn, ok := intOf(stored)
	return ok && sn == wn
}

// listKind classifies a match any/except list as Qdrant parses it: all
// strings (also the empty list), all integers, or neither.
type listKind uint8

const (
	listStrings listKind = iota
	listIntegers
	listMixed
)

func kindOfList(list []any) listKind {
	strs, ints := 0, 0
	for _, v := range list {
		if _, ok := v.(string); ok {
			strs++
		} else if _, ok := intOf(v); ok {
			ints++
		}
	}
	switch {
	case strs == len(list):
		return listStrings
	case ints == len(list):
		return listIntegers
	}
	return listMixed
}

func inList(stored any, list []any) bool {
	for _, w := range list {
		if equalValue(stored, w) {
			return true
		}
	}
	return false
}

// exceptHolds is Qdrant's Match::Except for one value: null never
// satisfies it, a value of the list's type satisfies it when it is not in
// the list, and any other value satisfies it.
func exceptHolds(stored any, list []any) bool {
	if stored == nil {
		return false
	}
	switch kindOfList(list) {
	case listStrings:
		if _, ok := stored.(string); ok {
			return !inList(stored, list)
		}
		return true
	case listIntegers:
		if !isNumber(stored) {
			return true
		}
		if _, ok := intOf(stored); !ok {
			return true
		}
		return !inList(stored, list)
	}
	return !inList(stored, list)
}

// rangeMode says how a range compares: as numbers, as datetimes, or not at
// all when its bounds mix the two.
type rangeMode uint8

const (
	rangeNumbers rangeMode = iota
	rangeTimes
	rangeMixed
)

func modeOf(r *amber.Range) rangeMode {
	times, nums := 0, 0
	for _, b := range [...]*amber.Bound{r.Gt, r.Gte, r.Lt, r.Lte} {
		if b == nil {
			continue
		}
		if b.IsTime {
			times++
		} else {
			nums++
		}
	}
	switch {
	case times > 0 && nums > 0:
		return rangeMixed
	case times > 0:
		return rangeTimes
	}
	return rangeNumbers
}

// numberInRange checks f against numeric bounds.
func numberInRange(r *amber.Range, f float64) bool {
	return (r.Gt == nil || f > r.Gt.Num) &&
		(r.Gte == nil || f >= r.Gte.Num) &&
		(r.Lt == nil || f < r.Lt.Num) &&
		(r.Lte == nil || f <= r.Lte.Num)
}

// timeInRange checks t against datetime bounds.
func timeInRange(r *amber.Range, t time.Time) bool {
	return (r.Gt == nil || t.After(r.Gt.Time)) &&
		(r.Gte == nil || !t.Before(r.Gte.Time)) &&
		(r.Lt == nil || t.Before(r.Lt.Time)) &&
		(r.Lte == nil || !t.After(r.Lte.Time))
}

// timeOf parses a stored datetime string.
func timeOf(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := amber.ParseTime(s)
	return t, err == nil
}

// inRange checks one stored value against r in the given mode.
func inRange(r *amber.Range, mode rangeMode, v any) bool {
	switch mode {
	case rangeNumbers:
		f, ok := numberOf(v)
		return ok && numberInRange(r, f)
	case rangeTimes:
		t, ok := timeOf(v)
		return ok && timeInRange(r, t)
	}
	return false
}

// countValues counts values as values_count does: an array counts its
// elements, null counts zero, anything else one.
func countValues(raw []any) int {
	n := 0
	for _, v := range raw {
		switch x := v.(type) {
		case nil:
		case []any:
			n += len(x)
		default:
			n++
		}
	}
	return n
}

func countInRange(c *amber.ValuesCount, n int) bool {
	return (c.Lt == nil || n < *c.Lt) &&
		(c.Gt == nil || n > *c.Gt) &&
		(c.Lte == nil || n <= *c.Lte) &&
		(c.Gte == nil || n >= *c.Gte)
}
