package payload

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/amberdb/amber"
)

// maxPathIndex bounds [N] in a key so that Set cannot be made to allocate
// an enormous array.
const maxPathIndex = 1 << 20

// stepKind says what one step of a path does.
type stepKind uint8

const (
	stepKey   stepKind = iota // a field of an object
	stepAll                   // [] every element of an array
	stepIndex                 // [N] one element of an array
)

// step is one element of a parsed key.
type step struct {
	kind  stepKind
	key   string
	index int
}

// path is a parsed key. Its first step is always a stepKey.
type path []step

// parsePath reads a key in Qdrant's syntax; see the package doc.
func parsePath(key string) (path, error) {
	if key == "" {
		return nil, errors.New("empty key")
	}
	var p path
	i := 0
	for i < len(key) {
		switch {
		case i == 0 || key[i] == '.':
			if i > 0 {
				i++ // the dot
			}
			name, n, err := readSegment(key[i:])
			if err != nil {
				return nil, err
			}
			p = append(p, step{kind: stepKey, key: name})
			i += n
		case key[i] == '[':
			end := strings.IndexByte(key[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [ at offset %d", i)
			}
			inner := key[i+1 : i+end]
			if inner == "" {
				p = append(p, step{kind: stepAll})
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 || strings.ContainsAny(inner, "+-") {
					return nil, fmt.Errorf("array index %q is not a non-negative integer", inner)
				}
				if n > maxPathIndex {
					return nil, fmt.Errorf("array index %d is larger than %d", n, maxPathIndex)
				}
				p = append(p, step{kind: stepIndex, index: n})
			}
			i += end + 1
		default:
			return nil, fmt.Errorf("unexpected %q at offset %d", key[i], i)
		}
	}
	return p, nil
}

// readSegment reads one field name, quoted or not, and returns it with the
// number of bytes consumed.
func readSegment(s string) (string, int, error) {
	if strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return "", 0, errors.New("unclosed quote")
		}
		return s[1 : 1+end], end + 2, nil
	}
	n := strings.IndexAny(s, `.[]"`)
	if n < 0 {
		n = len(s)
	}
	if n == 0 {
		return "", 0, errors.New("empty field name")
	}
	return s[:n], n, nil
}

// ValidateKey reports whether key is a well-formed payload path, as an
// amber.EInvalid error for the client.
func ValidateKey(key string) error {
	if _, err := parsePath(key); err != nil {
		return amber.Errorf(amber.EInvalid, "Wrong input: invalid payload key %q: %v", key, err)
	}
	return nil
}

// pathCache keeps parsed keys: Match parses the same few keys for every
// point it checks. It stops growing at pathCacheMax entries.
var (
	pathCache  sync.Map // string -> path
	pathCached atomic.Int64
)

const pathCacheMax = 4096

// cachedPath parses key, reusing an earlier parse. ok is false for a
// malformed key.
func cachedPath(key string) (path, bool) {
	if v, ok := pathCache.Load(key); ok {
		return v.(path), true
	}
	p, err := parsePath(key)
	if err != nil {
		return nil, false
	}
	if pathCached.Load() < pathCacheMax {
		if _, loaded := pathCache.LoadOrStore(key, p); !loaded {
			pathCached.Add(1)
		}
	}
	return p, true
}

// lookup returns the raw values at the path: intermediate arrays are
// flattened, leaf arrays are returned whole unless the path ends in [].
func (p path) lookup(payload map[string]any) []any {
	if len(p) == 0 || payload == nil {
		return nil
	}
	v, ok := payload[p[0].key]
	if !ok {
		return nil
	}
	var out []any
	walk(v, p[1:], &out)
	return out
}

func walk(v any, steps []step, out *[]any) {
	if len(steps) == 0 {
		*out = append(*out, v)
		return
	}
	s := steps[0]
	switch s.kind {
	case stepKey:
		switch x := v.(type) {
		case map[string]any:
			if c, ok := x[s.key]; ok {
				walk(c, steps[1:], out)
			}
		}
		// A field step on an array yields nothing, as in Qdrant: arrays of
		// objects are entered with "[]" ("cities[].population").
	case stepAll:
		if a, ok := v.([]any); ok {
			for _, e := range a {
				walk(e, steps[1:], out)
			}
		}
	case stepIndex:
		if a, ok := v.([]any); ok && s.index < len(a) {
			walk(a[s.index], steps[1:], out)
		}
	}
}

// flatten replaces each array in raw by its elements, one level deep.
func flatten(raw []any) []any {
	n := 0
	for _, v := range raw {
		if a, ok := v.([]any); ok {
			n += len(a)
		} else {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]any, 0, n)
	for _, v := range raw {
		if a, ok := v.([]any); ok {
			out = append(out, a...)
		} else {
			out = append(out, v)
		}
	}
	return out
}

// Values returns the values at key in p: dotted fields, [] and [N] steps
// (a field step on an array yields nothing, as in Qdrant), and a leaf array
// replaced by its elements. A missing key or a malformed one yields nil. The
// values are p's own: callers must not modify them.
func Values(p amber.Payload, key string) []any {
	pth, ok := cachedPath(key)
	if !ok {
		return nil
	}
	return flatten(pth.lookup(p))
}
