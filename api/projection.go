package api

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/amberdb/amber"
)

// selectMode is how much of a payload or of the vectors to return.
type selectMode uint8

const (
	selectDefault selectMode = iota // field absent or null: the endpoint's default
	selectAll
	selectNone
	selectInclude // only the listed keys or vector names
	selectExclude // everything but the listed keys
)

// payloadSelector is with_payload: a bool, a list of keys, or
// {"include": [...]} / {"exclude": [...]}. Keys may be dotted paths.
type payloadSelector struct {
	mode selectMode
	keys []string
}

func (p *payloadSelector) UnmarshalJSON(b []byte) error {
	switch firstByte(b) {
	case 'n':
		*p = payloadSelector{}
	case 't', 'f':
		var all bool
		if err := json.Unmarshal(b, &all); err != nil {
			return errFormat(err)
		}
		*p = payloadSelector{mode: selectNone}
		if all {
			p.mode = selectAll
		}
	case '[':
		var keys []string
		if err := json.Unmarshal(b, &keys); err != nil {
			return errFormat(err)
		}
		*p = payloadSelector{mode: selectInclude, keys: keys}
	case '{':
		var sel struct {
			Include []string `json:"include"`
			Exclude []string `json:"exclude"`
		}
		if err := json.Unmarshal(b, &sel); err != nil {
			return errFormat(err)
		}
		switch {
		case sel.Include != nil && sel.Exclude == nil:
			*p = payloadSelector{mode: selectInclude, keys: sel.Include}
		case sel.Exclude != nil && sel.Include == nil:
			*p = payloadSelector{mode: selectExclude, keys: sel.Exclude}
		default:
			return errFormat(errors.New(`with_payload object must have exactly one of "include" or "exclude"`))
		}
	default:
		return errFormat(errors.New("with_payload must be a boolean, a list of keys, or {include} / {exclude}"))
	}
	return nil
}

// resolve replaces the default with all or none.
func (p payloadSelector) resolve(all bool) payloadSelector {
	if p.mode != selectDefault {
		return p
	}
	if all {
		return payloadSelector{mode: selectAll}
	}
	return payloadSelector{mode: selectNone}
}

// wanted reports whether the engine must load payloads.
func (p payloadSelector) wanted() bool { return p.mode != selectNone && p.mode != selectDefault }

// project returns the part of pl the selector asks for, never modifying pl
// (the engine's payloads are shared).
func (p payloadSelector) project(pl amber.Payload) amber.Payload {
	if pl == nil {
		pl = amber.Payload{}
	}
	switch p.mode {
	case selectInclude:
		out := amber.Payload{}
		for _, k := range p.keys {
			includePath(out, pl, k)
		}
		return out
	case selectExclude:
		for _, k := range p.keys {
			pl = excludePath(pl, k)
		}
	}
	return pl
}

// splitPath splits a dotted key unless m holds the whole string as a key.
func splitPath(m map[string]any, key string) (string, string) {
	if _, ok := m[key]; ok {
		return key, ""
	}
	head, rest, _ := strings.Cut(key, ".")
	return head, rest
}

func includePath(dst, src map[string]any, key string) {
	head, rest := splitPath(src, key)
	v, ok := src[head]
	if !ok {
		return
	}
	if rest == "" {
		dst[head] = deepCopy(v)
		return
	}
	child, ok := v.(map[string]any)
	if !ok {
		return
	}
	sub, ok := dst[head].(map[string]any)
	if !ok {
		sub = map[string]any{}
		dst[head] = sub
	}
	includePath(sub, child, rest)
}

// excludePath returns m without key, copying only the maps on its path.
func excludePath(m map[string]any, key string) map[string]any {
	head, rest := splitPath(m, key)
	v, ok := m[head]
	if !ok {
		return m
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		out[k] = x
	}
	if rest == "" {
		delete(out, head)
		return out
	}
	child, ok := v.(map[string]any)
	if !ok {
		return m
	}
	out[head] = excludePath(child, rest)
	return out
}

// deepCopy copies maps and slices so that a projection owns what it builds.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// vectorSelector is with_vector: a bool or a list of vector names.
type vectorSelector struct {
	mode  selectMode
	names []string
}

func (v *vectorSelector) UnmarshalJSON(b []byte) error {
	switch firstByte(b) {
	case 'n':
		*v = vectorSelector{}
	case 't', 'f':
		var all bool
		if err := json.Unmarshal(b, &all); err != nil {
			return errFormat(err)
		}
		*v = vectorSelector{mode: selectNone}
		if all {
			v.mode = selectAll
		}
	case '[':
		var names []string
		if err := json.Unmarshal(b, &names); err != nil {
			return errFormat(err)
		}
		*v = vectorSelector{mode: selectInclude, names: names}
	default:
		return errFormat(errors.New("with_vector must be a boolean or a list of vector names"))
	}
	return nil
}

func (v vectorSelector) wanted() bool { return v.mode == selectAll || v.mode == selectInclude }

// projection renders records as the request asked.
type projection struct {
	payload payloadSelector // resolved: never selectDefault
	vector  vectorSelector
	single  bool // the collection has one unnamed vector: render it bare
}

func newProjection(c collectionConfig, p payloadSelector, payloadDefault bool, v vectorSelector) projection {
	return projection{payload: p.resolve(payloadDefault), vector: v, single: c.Config().Vectors.Single()}
}

// collectionConfig is the part of *engine.Collection a projection needs.
type collectionConfig interface{ Config() amber.CollectionConfig }

// vectors renders a point's vectors: a bare array for the unnamed vector
// of a single-vector collection, else an object of the selected names. It
// returns an untyped nil when the field is to be omitted.
func (p projection) vectors(vs amber.Vectors) any {
	if !p.vector.wanted() {
		return nil
	}
	if p.single {
		v, ok := vs[""]
		if !ok || (p.vector.mode == selectInclude && !slices.Contains(p.vector.names, "")) {
			return nil
		}
		return v
	}
	out := map[string][]float32{}
	for name, v := range vs {
		if p.vector.mode == selectAll || slices.Contains(p.vector.names, name) {
			out[name] = v
		}
	}
	return out
}

func (p projection) payloadOf(pl amber.Payload) any {
	if !p.payload.wanted() {
		return nil
	}
	return p.payload.project(pl)
}

// recordJSON is Qdrant's Record; payload and vector are omitted when not
// asked for.
type recordJSON struct {
	ID      amber.PointID `json:"id"`
	Payload any           `json:"payload,omitempty"`
	Vector  any           `json:"vector,omitempty"`
}

// scoredJSON is Qdrant's ScoredPoint.
type scoredJSON struct {
	ID      amber.PointID `json:"id"`
	Version uint64        `json:"version"`
	Score   float32       `json:"score"`
	Payload any           `json:"payload,omitempty"`
	Vector  any           `json:"vector,omitempty"`
}

func (p projection) records(rs []amber.Record) []recordJSON {
	out := make([]recordJSON, len(rs))
	for i, r := range rs {
		out[i] = recordJSON{ID: r.ID, Payload: p.payloadOf(r.Payload), Vector: p.vectors(r.Vectors)}
	}
	return out
}

func (p projection) scored(ps []amber.ScoredPoint) []scoredJSON {
	out := make([]scoredJSON, len(ps))
	for i, sp := range ps {
		out[i] = scoredJSON{ID: sp.ID, Version: sp.Version, Score: sp.Score,
			Payload: p.payloadOf(sp.Payload), Vector: p.vectors(sp.Vectors)}
	}
	return out
}
