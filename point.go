package amber

// Payload is a point's JSON object. Numbers are json.Number so that integers
// keep their exact value; a Payload held by the engine is never mutated in
// place: updates make a new one.
type Payload = map[string]any

// Vectors maps a vector name to its values; the unnamed vector is "".
type Vectors = map[string][]float32

// Point is a point to write.
type Point struct {
	ID      PointID
	Vectors Vectors
	Payload Payload
}

// Record is a point as read back. Payload and Vectors are nil when not asked
// for.
type Record struct {
	ID      PointID
	Version uint64
	Payload Payload
	Vectors Vectors
}

// ScoredPoint is a search hit.
type ScoredPoint struct {
	Record
	Score float32
}

// Query asks for the nearest points to a vector or to a stored point.
type Query struct {
	Vector         []float32 // the query vector, or nil when ByID is set
	ByID           *PointID  // search near this stored point's vector, excluding it
	Using          string    // vector name, "" for the unnamed vector
	Filter         *Filter
	Limit          int
	Offset         int
	ScoreThreshold *float32
	WithPayload    bool
	WithVector     bool
	Exact          bool // force a full scan
	HNSWEf         int  // 0 means the default
}

// ScrollRequest pages through points in id order.
type ScrollRequest struct {
	Filter      *Filter
	Limit       int
	Offset      *PointID
	WithPayload bool
	WithVector  bool
}

// PayloadOp is a payload update: set merges keys, overwrite replaces the
// payload, delete removes keys, clear empties it. Points are chosen by IDs or
// Filter.
type PayloadOp struct {
	Kind    PayloadOpKind
	Payload Payload
	Keys    []string
	Key     string // set only: nested path to merge into, "" for the root
	IDs     []PointID
	Filter  *Filter
}

// PayloadOpKind says what a PayloadOp does.
type PayloadOpKind uint8

// The payload operations.
const (
	PayloadSet PayloadOpKind = iota + 1
	PayloadOverwrite
	PayloadDelete
	PayloadClear
)

// UpdateResult is the answer to a write.
type UpdateResult struct {
	OperationID uint64 `json:"operation_id"`
	Status      string `json:"status"`
}
