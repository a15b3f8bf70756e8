package payload

import "github.com/amberdb/amber"

// The update functions are pure: they never modify their arguments and
// return a new payload. Maps and arrays on the changed path are copied;
// everything else is shared with the input, which is safe because a payload
// held by the engine is never modified in place. Values taken from a patch
// are deep-copied, so the caller may reuse the patch.

// Set merges patch into p, as Qdrant's set_payload: each top-level key of
// patch replaces the same key of p (objects are not merged recursively),
// and a key whose patch value is null is removed.
//
// With a non-empty key, the merge happens in the object at that path, which
// is created when missing. The path is followed strictly, as Qdrant does: a
// field step turns a value that is not an object into {}, [N] turns a value
// that is not an array into one padded with nulls, and [] merges into every
// element of an array (and turns anything else into []). A malformed key
// leaves p unchanged; check keys with ValidateKey first.
func Set(p, patch amber.Payload, key string) amber.Payload {
	if key == "" {
		return merge(p, patch)
	}
	pth, err := parsePath(key)
	if err != nil {
		return copyMap(p)
	}
	out := copyMap(p)
	out[pth[0].key] = setAt(out[pth[0].key], pth[1:], patch)
	return out
}

// setAt returns v with patch merged at the remaining steps.
func setAt(v any, steps []step, patch map[string]any) any {
	if len(steps) == 0 {
		m, _ := v.(map[string]any)
		return merge(m, patch)
	}
	s := steps[0]
	switch s.kind {
	case stepKey:
		m, _ := v.(map[string]any)
		out := copyMap(m)
		out[s.key] = setAt(out[s.key], steps[1:], patch)
		return out
	case stepIndex:
		a, _ := v.([]any)
		out := make([]any, max(len(a), s.index+1))
		copy(out, a)
		out[s.index] = setAt(out[s.index], steps[1:], patch)
		return out
	}
	a, ok := v.([]any)
	if !ok {
		return []any{}
	}
	out := make([]any, len(a))
	for i, e := range a {
		out[i] = setAt(e, steps[1:], patch)
	}
	return out
}

// merge returns a copy of m with patch's top-level keys applied.
func merge(m, patch map[string]any) amber.Payload {
	out := copyMap(m)
	for k, v := range patch {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = deepCopy(v)
		}
	}
	return out
}

// Overwrite returns the payload that replaces a point's payload: a deep
// copy of patch (nulls are kept), never nil.
func Overwrite(patch amber.Payload) amber.Payload {
	if patch == nil {
		return amber.Payload{}
	}
	return deepCopy(map[string]any(patch)).(map[string]any)
}

// Clear returns an empty payload.
func Clear() amber.Payload { return amber.Payload{} }

// Delete removes the values at keys from p, as Qdrant's delete_payload.
// Paths are followed strictly: "a.b" removes field b of object a, "a[2]"
// removes the third element of array a, "a[].b" removes b from every
// element, and a trailing [] empties the array. Missing paths and
// malformed keys are ignored. When nothing is removed the result is p
// itself.
func Delete(p amber.Payload, keys []string) amber.Payload {
	out := p
	for _, key := range keys {
		pth, err := parsePath(key)
		if err != nil {
			continue
		}
		if next, changed := removeAt(out, pth); changed {
			out = next.(map[string]any)
		}
	}
	return out
}

// removeAt returns v without the value at steps, and whether anything was
// removed. v is not modified.
func removeAt(v any, steps []step) (any, bool) {
	s, last := steps[0], len(steps) == 1
	switch s.kind {
	case stepKey:
		m, ok := v.(map[string]any)
		if !ok {
			return v, false
		}
		child, ok := m[s.key]
		if !ok {
			return v, false
		}
		out := copyMap(m)
		if last {
			delete(out, s.key)
			return out, true
		}
		next, changed := removeAt(child, steps[1:])
		if !changed {
			return v, false
		}
		out[s.key] = next
		return out, true
	case stepIndex:
		a, ok := v.([]any)
		if !ok || s.index >= len(a) {
			return v, false
		}
		if last {
			out := make([]any, 0, len(a)-1)
			out = append(out, a[:s.index]...)
			return append(out, a[s.index+1:]...), true
		}
		next, changed := removeAt(a[s.index], steps[1:])
		if !changed {
			return v, false
		}
		out := append([]any(nil), a...)
		out[s.index] = next
		return out, true
	}
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return v, false
	}
	if last {
		return []any{}, true
	}
	var out []any
	for i, e := range a {
		next, changed := removeAt(e, steps[1:])
		if !changed {
			continue
		}
		if out == nil {
			out = append([]any(nil), a...)
		}
		out[i] = next
	}
	if out == nil {
		return v, false
	}
	return out, true
}

// copyMap returns a shallow copy of m, never nil.
func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// deepCopy copies objects and arrays recursively; scalars are immutable.
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
