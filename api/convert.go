package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"

	"github.com/amberdb/amber"
	"github.com/amberdb/amber/engine/payload"
)

// This file turns Qdrant's JSON forms into amber types and back: vectors,
// point ids, filters, and the with_payload / with_vector projections.

// isNull reports whether raw is absent or the JSON null.
func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// rejectSet refuses a field Amber does not implement, unless it is absent
// or null: an option is never silently ignored.
func rejectSet(raw json.RawMessage, what string) error {
	if isNull(raw) {
		return nil
	}
	return errUnsupported(what)
}

// firstByte returns the first non-space byte of raw, or 0.
func firstByte(raw []byte) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

// parseDense reads one dense vector, a JSON array of numbers. It names the
// other vector kinds Qdrant accepts in the same place and refuses them.
func parseDense(raw json.RawMessage) ([]float32, error) {
	switch firstByte(raw) {
	case '[':
		inner := bytes.TrimSpace(bytes.TrimSpace(raw)[1:])
		if len(inner) > 0 && inner[0] == '[' {
			return nil, errUnsupported("multivectors")
		}
		var v []float32
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, errFormat(err)
		}
		return v, nil
	case '{':
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, errFormat(err)
		}
		if _, ok := probe["indices"]; ok {
			return nil, errUnsupported("sparse vectors")
		}
		return nil, errUnsupported("inference (documents, images and objects as vectors)")
	}
	return nil, errFormat(errors.New("a vector must be an array of numbers"))
}

// pointVectors is PointStruct.vector: an array for the unnamed vector or an
// object of named arrays.
type pointVectors struct{ v amber.Vectors }

func (p *pointVectors) UnmarshalJSON(b []byte) error {
	switch firstByte(b) {
	case 'n':
		p.v = nil
		return nil
	case '[':
		vec, err := parseDense(b)
		if err != nil {
			return err
		}
		p.v = amber.Vectors{"": vec}
		return nil
	case '{':
		var named map[string]json.RawMessage
		if err := json.Unmarshal(b, &named); err != nil {
			return errFormat(err)
		}
		p.v = make(amber.Vectors, len(named))
		for name, raw := range named {
			vec, err := parseDense(raw)
			if err != nil {
				return err
			}
			p.v[name] = vec
		}
		return nil
	}
	return errFormat(errors.New("vector must be an array of numbers or an object of named vectors"))
}

// batchVectors is Batch.vectors: an array of vectors for the unnamed
// vector, or an object mapping each name to an array of vectors.
type batchVectors struct {
	unnamed [][]float32
	named   map[string][][]float32
}

func (bv *batchVectors) UnmarshalJSON(b []byte) error {
	list := func(raw json.RawMessage) ([][]float32, error) {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, errFormat(err)
		}
		out := make([][]float32, len(items))
		for i, item := range items {
			v, err := parseDense(item)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	switch firstByte(b) {
	case '[':
		v, err := list(b)
		bv.unnamed = v
		return err
	case '{':
		var named map[string]json.RawMessage
		if err := json.Unmarshal(b, &named); err != nil {
			return errFormat(err)
		}
		bv.named = make(map[string][][]float32, len(named))
		for name, raw := range named {
			v, err := list(raw)
			if err != nil {
				return err
			}
			bv.named[name] = v
		}
		return nil
	}
	return errFormat(errors.New("batch vectors must be an array of vectors or an object of named vector arrays"))
}

// perPoint splits the batch into the vectors of each of n points.
func (bv batchVectors) perPoint(n int) ([]amber.Vectors, error) {
	out := make([]amber.Vectors, n)
	if bv.named == nil {
		if len(bv.unnamed) != n {
			return nil, errInput("batch has %d ids but %d vectors", n, len(bv.unnamed))
		}
		for i, v := range bv.unnamed {
			out[i] = amber.Vectors{"": v}
		}
		return out, nil
	}
	for i := range out {
		out[i] = amber.Vectors{}
	}
	for name, vs := range bv.named {
		if len(vs) != n {
			return nil, errInput("batch has %d ids but %d vectors named %q", n, len(vs), name)
		}
		for i, v := range vs {
			out[i][name] = v
		}
	}
	return out, nil
}

// parsePathID reads the {id} of a URL.
func parsePathID(r *http.Request) (amber.PointID, error) {
	s := r.PathValue("id")
	id, err := amber.ParsePointID(s)
	if err != nil {
		return amber.PointID{}, errInput("Can not recognize %q as point id", s)
	}
	return id, nil
}

// checkFilter validates a filter once decoded; nil is fine.
func checkFilter(f *amber.Filter) error {
	if f == nil {
		return nil
	}
	if err := payload.Validate(f); err != nil {
		var ae *amber.Error
		if errors.As(err, &ae) {
			return err
		}
		return errFormat(err)
	}
	return nil
}

// pointsSelector is Qdrant's PointsSelector: ids, a filter, or (for
// payload updates) both, meaning the listed points that match.
type pointsSelector struct {
	Points   []amber.PointID `json:"points"`
	Filter   *amber.Filter   `json:"filter"`
	ShardKey json.RawMessage `json:"shard_key"`
}

func (p *pointsSelector) check() error {
	if p.Points == nil && p.Filter == nil {
		return errInput("either points or filter must be given")
	}
	if err := rejectSet(p.ShardKey, "shard_key"); err != nil {
		return err
	}
	return checkFilter(p.Filter)
}

// sortedNames returns the keys of m in order.
func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Query parameters. Unknown ones are ignored, as in Qdrant; known ones must
// parse.

// waitParam reads ?wait=, true when absent.
func waitParam(r *http.Request) (bool, error) {
	switch v := r.URL.Query().Get("wait"); v {
	case "", "true":
		return true, nil
	case "false":
		return false, nil
	default:
		return false, errQueryParam("wait: provided string was not `true` or `false`: %q", v)
	}
}

// checkParams validates the optional ?timeout= (seconds) and ?ordering=.
func checkParams(r *http.Request) error {
	q := r.URL.Query()
	if v := q.Get("timeout"); v != "" {
		if _, err := strconv.ParseUint(v, 10, 64); err != nil {
			return errQueryParam("timeout: invalid digit found in string: %q", v)
		}
	}
	switch v := q.Get("ordering"); v {
	case "", "weak", "medium", "strong":
	default:
		return errQueryParam("ordering: unknown variant %q, expected one of `weak`, `medium`, `strong`", v)
	}
	return nil
}
