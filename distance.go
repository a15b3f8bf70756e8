package amber

import (
	"encoding/json"
	"fmt"
)

// Distance is the metric a vector space is searched with. The zero value is
// invalid so that a missing "distance" field is caught by validation.
type Distance uint8

// The metrics Qdrant offers. Cosine vectors are normalised on write, so their
// score is a dot product; Euclid and Manhattan scores are distances and rank
// ascending.
const (
	Cosine Distance = iota + 1
	Dot
	Euclid
	Manhattan
)

var distanceNames = map[Distance]string{Cosine: "Cosine", Dot: "Dot", Euclid: "Euclid", Manhattan: "Manhattan"}

// String returns the name Qdrant uses on the wire.
func (d Distance) String() string {
	if s, ok := distanceNames[d]; ok {
		return s
	}
	return fmt.Sprintf("Distance(%d)", uint8(d))
}

// ParseDistance accepts Qdrant's names, case-sensitively as Qdrant does.
func ParseDistance(s string) (Distance, error) {
	for d, name := range distanceNames {
		if name == s {
			return d, nil
		}
	}
	return 0, fmt.Errorf("unknown distance %q: expected one of Cosine, Dot, Euclid, Manhattan", s)
}

// HigherIsBetter reports whether a larger score means a closer match.
func (d Distance) HigherIsBetter() bool { return d == Cosine || d == Dot }

// MarshalJSON writes the wire name.
func (d Distance) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads the wire name.
func (d *Distance) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("distance must be a string: %w", err)
	}
	v, err := ParseDistance(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
