package amber

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/google/uuid"
)

// PointID is a point's id: an unsigned 64-bit integer or a UUID, as in Qdrant.
// It is comparable and usable as a map key. Integers round-trip exactly above
// 2^53: they are never passed through float64.
type PointID struct {
	Num    uint64
	UUID   uuid.UUID
	IsUUID bool
}

// NumID returns an integer id.
func NumID(n uint64) PointID { return PointID{Num: n} }

// UUIDID returns a UUID id.
func UUIDID(u uuid.UUID) PointID { return PointID{UUID: u, IsUUID: true} }

// ParsePointID reads an id from its JSON form: a non-negative integer or a
// string holding a UUID (or, as Qdrant allows in URLs, decimal digits).
func ParsePointID(s string) (PointID, error) {
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return NumID(n), nil
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return PointID{}, fmt.Errorf("Unable to parse UUID: %s", s)
	}
	return UUIDID(u), nil
}

// String returns the decimal integer or the lower-case hyphenated UUID.
func (id PointID) String() string {
	if id.IsUUID {
		return id.UUID.String()
	}
	return strconv.FormatUint(id.Num, 10)
}

// Less orders ids as Qdrant's scroll does: integers first, ascending, then
// UUIDs in byte order.
func (id PointID) Less(o PointID) bool {
	if id.IsUUID != o.IsUUID {
		return !id.IsUUID
	}
	if id.IsUUID {
		return bytes.Compare(id.UUID[:], o.UUID[:]) < 0
	}
	return id.Num < o.Num
}

// MarshalJSON writes a JSON number or a JSON string.
func (id PointID) MarshalJSON() ([]byte, error) {
	if id.IsUUID {
		return []byte(`"` + id.UUID.String() + `"`), nil
	}
	return strconv.AppendUint(nil, id.Num, 10), nil
}

// UnmarshalJSON accepts an unsigned integer or a UUID string.
func (id *PointID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		u, err := uuid.Parse(s)
		if err != nil {
			return fmt.Errorf("Unable to parse UUID: %s", s)
		}
		*id = UUIDID(u)
		return nil
	}
	n, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("invalid point id %s: expected an unsigned integer or a UUID", b)
	}
	*id = NumID(n)
	return nil
}
