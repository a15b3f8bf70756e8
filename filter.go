package amber

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Filter is Qdrant's boolean filter. Its JSON form is Qdrant's; a Condition
// may itself be a nested Filter.
type Filter struct {
	Must      []Condition `json:"must,omitempty"`
	Should    []Condition `json:"should,omitempty"`
	MustNot   []Condition `json:"must_not,omitempty"`
	MinShould *MinShould  `json:"min_should,omitempty"`
}

// MinShould requires at least MinCount of Conditions to hold.
type MinShould struct {
	Conditions []Condition `json:"conditions"`
	MinCount   int         `json:"min_count"`
}

// Condition is one clause. Exactly one of its forms is set: a field condition
// (Key with Match, Range, ValuesCount, or IsEmpty/IsNull as booleans), IsEmpty,
// IsNull, HasID, Nested, or an embedded Filter.
type Condition struct {
	Key         string       `json:"key,omitempty"`
	Match       *Match       `json:"match,omitempty"`
	Range       *Range       `json:"range,omitempty"`
	ValuesCount *ValuesCount `json:"values_count,omitempty"`
	IsEmpty     *KeyRef      `json:"is_empty,omitempty"`
	IsNull      *KeyRef      `json:"is_null,omitempty"`
	HasID       []PointID    `json:"has_id,omitempty"`
	Nested      *Nested      `json:"nested,omitempty"`
	*Filter
}

// KeyRef names a payload key.
type KeyRef struct {
	Key string `json:"key"`
}

// Nested applies Filter to each element of the array at Key; the condition
// holds when one element satisfies the whole filter.
type Nested struct {
	Key    string `json:"key"`
	Filter Filter `json:"filter"`
}

// Match compares a field with a value, any of several values, none of
// several values, or a text fragment.
type Match struct {
	Value  any    `json:"value,omitempty"`
	Any    []any  `json:"any,omitempty"`
	Except []any  `json:"except,omitempty"`
	Text   string `json:"text,omitempty"`
	Phrase string `json:"phrase,omitempty"`
}

// Range bounds a number or, with RFC 3339 strings, a datetime.
type Range struct {
	Gt  *Bound `json:"gt,omitempty"`
	Gte *Bound `json:"gte,omitempty"`
	Lt  *Bound `json:"lt,omitempty"`
	Lte *Bound `json:"lte,omitempty"`
}

// Bound is a number or a time.
type Bound struct {
	Num    float64
	Time   time.Time
	IsTime bool
}

// ParseTime reads the datetime forms Qdrant accepts: RFC 3339 with or without
// a zone, with a space or a T, and a bare date.
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid datetime %q: expected RFC 3339", s)
}

// UnmarshalJSON reads a number or a datetime string.
func (b *Bound) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		t, err := ParseTime(s)
		if err != nil {
			return err
		}
		*b = Bound{Time: t, IsTime: true}
		return nil
	}
	var f float64
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("range bound must be a number or a datetime string: %w", err)
	}
	*b = Bound{Num: f}
	return nil
}

// MarshalJSON writes the number or the RFC 3339 time.
func (b Bound) MarshalJSON() ([]byte, error) {
	if b.IsTime {
		return json.Marshal(b.Time.Format(time.RFC3339Nano))
	}
	return json.Marshal(b.Num)
}

// ValuesCount bounds the number of values at a key.
type ValuesCount struct {
	Lt  *int `json:"lt,omitempty"`
	Gt  *int `json:"gt,omitempty"`
	Gte *int `json:"gte,omitempty"`
	Lte *int `json:"lte,omitempty"`
}

// UnmarshalJSON reads a condition, accepting besides the object forms
// Qdrant's field-condition booleans {"key":"k","is_empty":true} and
// {"key":"k","is_null":false}. Numbers stay json.Number.
func (c *Condition) UnmarshalJSON(b []byte) error {
	type plain Condition
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	flags := map[string]*bool{}
	for _, k := range []string{"is_empty", "is_null"} {
		if v, ok := raw[k]; ok {
			switch string(bytes.TrimSpace(v)) {
			case "true", "false":
				t := string(bytes.TrimSpace(v)) == "true"
				flags[k] = &t
				delete(raw, k)
			}
		}
	}
	if len(flags) > 0 {
		var err error
		if b, err = json.Marshal(raw); err != nil {
			return err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode((*plain)(c)); err != nil {
		return err
	}
	for k, want := range flags {
		if c.Key == "" {
			return fmt.Errorf("%s needs a key", k)
		}
		ref := &KeyRef{Key: c.Key}
		inner := Condition{IsEmpty: ref}
		if k == "is_null" {
			inner = Condition{IsNull: ref}
		}
		if *want {
			*c = inner
		} else {
			*c = Condition{Filter: &Filter{MustNot: []Condition{inner}}}
		}
	}
	return nil
}
