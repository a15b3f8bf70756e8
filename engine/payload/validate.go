package payload

import (
	"fmt"

	"github.com/amberdb/amber"
)

// Validate checks that every condition of f is well formed, so that Match
// means what the client asked. It returns an amber.EInvalid error whose
// message starts with "Wrong input: " and names the offending condition,
// e.g. "Wrong input: filter.must[0].match: ...". A nil filter is valid.
func Validate(f *amber.Filter) error {
	if f == nil {
		return nil
	}
	if err := validateFilter(f, "filter"); err != nil {
		return amber.Errorf(amber.EInvalid, "Wrong input: %v", err)
	}
	return nil
}

func validateFilter(f *amber.Filter, at string) error {
	clauses := []struct {
		name  string
		conds []amber.Condition
	}{{"must", f.Must}, {"should", f.Should}, {"must_not", f.MustNot}}
	for _, cl := range clauses {
		for i := range cl.conds {
			if err := validateCondition(&cl.conds[i], fmt.Sprintf("%s.%s[%d]", at, cl.name, i)); err != nil {
				return err
			}
		}
	}
	if ms := f.MinShould; ms != nil {
		if ms.MinCount < 0 {
			return fmt.Errorf("%s.min_should.min_count: must not be negative, got %d", at, ms.MinCount)
		}
		for i := range ms.Conditions {
			if err := validateCondition(&ms.Conditions[i], fmt.Sprintf("%s.min_should.conditions[%d]", at, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func validateCondition(c *amber.Condition, at string) error {
	kind, n := formOf(c)
	switch {
	case n == 0:
		return fmt.Errorf("%s: empty condition: expected a field condition (key with match, range or values_count), is_empty, is_null, has_id, nested or a filter", at)
	case n > 1:
		return fmt.Errorf("%s: a condition must be exactly one of a field condition, is_empty, is_null, has_id, nested or a filter", at)
	}
	switch kind {
	case formField:
		return validateField(c, at)
	case formIsEmpty:
		return validateKey(c.IsEmpty.Key, at+".is_empty.key")
	case formIsNull:
		return validateKey(c.IsNull.Key, at+".is_null.key")
	case formNested:
		if err := validateKey(c.Nested.Key, at+".nested.key"); err != nil {
			return err
		}
		return validateFilter(&c.Nested.Filter, at+".nested.filter")
	case formFilter:
		return validateFilter(c.Filter, at)
	}
	return nil // has_id: any list of ids, even empty, is valid
}

func validateKey(key, at string) error {
	if key == "" {
		return fmt.Errorf("%s: key must not be empty", at)
	}
	if _, err := parsePath(key); err != nil {
		return fmt.Errorf("%s: invalid key %q: %v", at, key, err)
	}
	return nil
}

func validateField(c *amber.Condition, at string) error {
	if c.Key == "" {
		return fmt.Errorf("%s: field condition requires a key", at)
	}
	if err := validateKey(c.Key, at+".key"); err != nil {
		return err
	}
	set := 0
	for _, on := range []bool{c.Match != nil, c.Range != nil, c.ValuesCount != nil} {
		if on {
			set++
		}
	}
	switch {
	case set == 0:
		return fmt.Errorf("%s: field condition on %q requires match, range or values_count (geo conditions are not supported)", at, c.Key)
	case set > 1:
		return fmt.Errorf("%s: field condition on %q must have only one of match, range or values_count", at, c.Key)
	case c.Match != nil:
		return validateMatch(c.Match, at+".match")
	case c.Range != nil:
		if modeOf(c.Range) == rangeMixed {
			return fmt.Errorf("%s.range: bounds must be all numbers or all datetimes", at)
		}
		return nil
	}
	vc := c.ValuesCount
	for _, b := range []*int{vc.Lt, vc.Gt, vc.Gte, vc.Lte} {
		if b != nil && *b < 0 {
			return fmt.Errorf("%s.values_count: bounds must not be negative, got %d", at, *b)
		}
	}
	return nil
}

func validateMatch(m *amber.Match, at string) error {
	kind, n := kindOfMatch(m)
	switch {
	case n == 0:
		return fmt.Errorf("%s: requires a non-null value, any, except, text or phrase", at)
	case n > 1:
		return fmt.Errorf("%s: must have only one of value, any, except, text or phrase", at)
	}
	switch kind {
	case matchValue:
		return validateValue(m.Value, at+".value")
	case matchAny:
		return validateList(m.Any, at+".any")
	case matchExcept:
		return validateList(m.Except, at+".except")
	}
	return nil
}

// validateValue accepts what Qdrant's ValueVariants accepts: a string, a
// 64-bit signed integer or a boolean.
func validateValue(v any, at string) error {
	switch v.(type) {
	case string, bool:
		return nil
	}
	if _, ok := intOf(v); ok {
		return nil
	}
	if isNumber(v) {
		return fmt.Errorf("%s: %v is not an integer in the 64-bit signed range (match compares strings, integers and booleans; use range for other numbers)", at, v)
	}
	return fmt.Errorf("%s: must be a string, an integer or a boolean, got %T", at, v)
}

// validateList accepts what Qdrant's AnyVariants accepts: all strings or all
// 64-bit signed integers.
func validateList(list []any, at string) error {
	if kindOfList(list) == listMixed {
		return fmt.Errorf("%s: must be all strings or all integers", at)
	}
	return nil
}
