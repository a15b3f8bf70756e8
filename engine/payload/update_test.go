package payload

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/amberdb/amber"
)

// snapshot returns the JSON of p, to check later that p did not change.
func snapshot(t *testing.T, p amber.Payload) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func assertPayload(t *testing.T, got amber.Payload, want string) {
	t.Helper()
	if w := payloadOf(t, want); !reflect.DeepEqual(got, w) {
		t.Fatalf("got %s, want %s", snapshot(t, got), snapshot(t, w))
	}
}

const base = `{"a": 1, "b": {"x": 1, "keep": true}, "arr": [{"x": 1}, {"x": 2}], "tags": ["t1", "t2", "t3"], "s": "str"}`

func TestSet(t *testing.T) {
	tests := []struct {
		name, payload, patch, key, want string
	}{
		{"TopLevelMerge", base, `{"b": {"y": 2}, "c": 3}`, "",
			`{"a": 1, "b": {"y": 2}, "arr": [{"x": 1}, {"x": 2}], "tags": ["t1", "t2", "t3"], "s": "str", "c": 3}`},
		{"NullRemoves", base, `{"a": null, "tags": null, "z": null}`, "",
			`{"b": {"x": 1, "keep": true}, "arr": [{"x": 1}, {"x": 2}], "s": "str"}`},
		{"IntoObject", base, `{"y": 2, "x": null}`, "b",
			`{"a": 1, "b": {"keep": true, "y": 2}, "arr": [{"x": 1}, {"x": 2}], "tags": ["t1", "t2", "t3"], "s": "str"}`},
		{"CreatesPath", `{"a": 1}`, `{"c": 1}`, "new.deep", `{"a": 1, "new": {"deep": {"c": 1}}}`},
		{"ReplacesScalar", `{"a": 10}`, `{"x": 1}`, "a.b.c", `{"a": {"b": {"c": {"x": 1}}}}`},
		{"ReplacesScalarAtTarget", `{"s": "str"}`, `{"x": 1}`, "s", `{"s": {"x": 1}}`},
		{"ArrayIndex", base, `{"x": 5, "y": 6}`, "arr[1]",
			`{"a": 1, "b": {"x": 1, "keep": true}, "arr": [{"x": 1}, {"x": 5, "y": 6}], "tags": ["t1", "t2", "t3"], "s": "str"}`},
		{"ArrayIndexPads", `{}`, `{"c": 1}`, "k.list[2]", `{"k": {"list": [null, null, {"c": 1}]}}`},
		{"EveryElement", base, `{"seen": true}`, "arr[]",
			`{"a": 1, "b": {"x": 1, "keep": true}, "arr": [{"x": 1, "seen": true}, {"x": 2, "seen": true}], "tags": ["t1", "t2", "t3"], "s": "str"}`},
		{"EveryElementOfMissing", `{}`, `{"c": 1}`, "key1.key2[].key3", `{"key1": {"key2": []}}`},
		{"EmptyPatch", base, `{}`, "arr[0]", base},
		{"NilPayload", `null`, `{"a": 1}`, "", `{"a": 1}`},
		{"MalformedKeyNoChange", base, `{"c": 1}`, "a..b", base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, patch := payloadOf(t, tt.payload), payloadOf(t, tt.patch)
			before, patchBefore := snapshot(t, p), snapshot(t, patch)
			got := Set(p, patch, tt.key)
			assertPayload(t, got, tt.want)
			if after := snapshot(t, p); after != before {
				t.Fatalf("input changed: %s, was %s", after, before)
			}
			if after := snapshot(t, patch); after != patchBefore {
				t.Fatalf("patch changed: %s, was %s", after, patchBefore)
			}
		})
	}
}

func TestSet_PatchNotShared(t *testing.T) {
	patch := payloadOf(t, `{"o": {"list": [1, 2]}}`)
	got := Set(amber.Payload{}, patch, "")
	patch["o"].(map[string]any)["list"].([]any)[0] = json.Number("99")
	assertPayload(t, got, `{"o": {"list": [1, 2]}}`)
}

func TestDelete(t *testing.T) {
	tests := []struct {
		name, payload string
		keys          []string
		want          string
	}{
		{"TopLevel", base, []string{"a", "s"}, `{"b": {"x": 1, "keep": true}, "arr": [{"x": 1}, {"x": 2}], "tags": ["t1", "t2", "t3"]}`},
		{"Nested", base, []string{"b.x"}, `{"a": 1, "b": {"keep": true}, "arr": [{"x": 1}, {"x": 2}], "tags": ["t1", "t2", "t3"], "s": "str"}`},
		{"ArrayElement", base, []string{"tags[1]"}, `{"a": 1, "b": {"x": 1, "keep": true}, "arr": [{"x": 1}, {"x": 2}], "tags": ["t1", "t3"], "s": "str"}`},
		{"FieldOfEveryElement", base, []string{"arr[].x"}, `{"a": 1, "b": {"x": 1, "keep": true}, "arr": [{}, {}], "tags": ["t1", "t2", "t3"], "s": "str"}`},
		{"FieldOfOneElement", base, []string{"arr[0].x"}, `{"a": 1, "b": {"x": 1, "keep": true}, "arr": [{}, {"x": 2}], "tags": ["t1", "t2", "t3"], "s": "str"}`},
		{"EmptiesArray", base, []string{"tags[]"}, `{"a": 1, "b": {"x": 1, "keep": true}, "arr": [{"x": 1}, {"x": 2}], "tags": [], "s": "str"}`},
		{"StrictNoImplicitFlattening", base, []string{"arr.x"}, base},
		{"Missing", base, []string{"zzz", "b.zzz", "tags[9]", "s.x", "a[]"}, base},
		{"Malformed", base, []string{"a..", ""}, base},
		{"Everything", base, []string{"a", "b", "arr", "tags", "s"}, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := payloadOf(t, tt.payload)
			before := snapshot(t, p)
			got := Delete(p, tt.keys)
			assertPayload(t, got, tt.want)
			if after := snapshot(t, p); after != before {
				t.Fatalf("input changed: %s, was %s", after, before)
			}
		})
	}
}

func TestDelete_NothingRemovedReturnsInput(t *testing.T) {
	p := payloadOf(t, base)
	if got := Delete(p, []string{"zzz", "b.nope"}); reflect.ValueOf(got).Pointer() != reflect.ValueOf(p).Pointer() {
		t.Fatal("Delete of missing keys copied the payload")
	}
}

func TestDelete_SharesUnchanged(t *testing.T) {
	p := payloadOf(t, base)
	got := Delete(p, []string{"b.x"})
	if reflect.ValueOf(got["arr"]).Pointer() != reflect.ValueOf(p["arr"]).Pointer() {
		t.Fatal("Delete copied an array it did not change")
	}
	if reflect.ValueOf(got["b"]).Pointer() == reflect.ValueOf(p["b"]).Pointer() {
		t.Fatal("Delete did not copy the object it changed")
	}
}

func TestOverwrite(t *testing.T) {
	patch := payloadOf(t, `{"a": {"b": [1]}, "n": null}`)
	got := Overwrite(patch)
	patch["a"].(map[string]any)["b"].([]any)[0] = json.Number("2")
	assertPayload(t, got, `{"a": {"b": [1]}, "n": null}`)
	if got := Overwrite(nil); got == nil || len(got) != 0 {
		t.Fatalf("Overwrite(nil) = %#v, want an empty payload", got)
	}
}

func TestClear(t *testing.T) {
	if got := Clear(); got == nil || len(got) != 0 {
		t.Fatalf("Clear() = %#v, want an empty payload", got)
	}
}
