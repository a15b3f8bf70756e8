package payload

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/amberdb/amber"
)

// payloadOf decodes a JSON object as the engine does: numbers as json.Number.
func payloadOf(t testing.TB, s string) amber.Payload {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var p amber.Payload
	if err := d.Decode(&p); err != nil {
		t.Fatalf("decode payload %s: %v", s, err)
	}
	return p
}

// valuesOf decodes a JSON array of expected values.
func valuesOf(t testing.TB, s string) []any {
	t.Helper()
	if s == "" {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var v []any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode values %s: %v", s, err)
	}
	return v
}

func TestValues(t *testing.T) {
	const country = `{"country": {"name": "Germany", "cities": [
		{"name": "Berlin", "population": 3.7, "sightseeing": ["Brandenburg Gate", "Reichstag"]},
		{"name": "Munich", "population": 1.5, "sightseeing": ["Marienplatz"]},
		{"name": "Nowhere"}
	]}}`
	const misc = `{"a": 1, "n": null, "empty": [], "obj": {}, "nested": [[1, 2], 3],
		"arr": [{"a": [1, 2, 3]}, {"a": 4}, {"b": 5}], "dot.key": {"x": "quoted"},
		"deep": [{"in": [{"v": 1}, {"v": 2}]}, {"in": {"v": 3}}], "scalar": "s"}`
	tests := []struct {
		name, payload, key, want string
	}{
		{"TopLevel", misc, "a", `[1]`},
		{"Missing", misc, "zzz", ``},
		{"Null", misc, "n", `[null]`},
		{"EmptyArray", misc, "empty", ``},
		{"EmptyObject", misc, "obj", `[{}]`},
		{"NestedArrayKeptOneLevel", misc, "nested", `[[1, 2], 3]`},
		{"Dotted", country, "country.name", `["Germany"]`},
		{"Brackets", country, "country.cities[].population", `[3.7, 1.5]`},
		{"NoImplicitFlattening", country, "country.cities.population", ``},
		{"LeafArrayFlattened", country, "country.cities[].sightseeing", `["Brandenburg Gate", "Reichstag", "Marienplatz"]`},
		{"LeafArrayNeedsBrackets", country, "country.cities.sightseeing", ``},
		{"Index", country, "country.cities[1].name", `["Munich"]`},
		{"IndexOutOfRange", country, "country.cities[7].name", ``},
		{"IndexOnLeaf", country, "country.cities[0].sightseeing[1]", `["Reichstag"]`},
		{"TrailingBrackets", misc, "arr[].a[]", `[1, 2, 3]`},
		{"MixedLeaves", misc, "arr[].a", `[1, 2, 3, 4]`},
		{"BracketsOnScalar", misc, "scalar[]", ``},
		{"FieldOfScalar", misc, "scalar.x", ``},
		{"DeepNeedsBrackets", misc, "deep.in.v", ``},
		{"DeepBrackets", misc, "deep[].in[].v", `[1, 2]`},
		{"Quoted", misc, `"dot.key".x`, `["quoted"]`},
		{"Malformed", misc, "a..b", ``},
		{"Empty", misc, "", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Values(payloadOf(t, tt.payload), tt.key)
			if want := valuesOf(t, tt.want); !reflect.DeepEqual(got, want) {
				t.Fatalf("Values(%q) = %#v, want %#v", tt.key, got, want)
			}
		})
	}
}

func TestValues_NilPayload(t *testing.T) {
	if got := Values(nil, "a"); got != nil {
		t.Fatalf("Values(nil) = %v, want nil", got)
	}
}

func TestValidateKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"a", true},
		{"a.b.c", true},
		{"a[].b", true},
		{"a[0][12].b", true},
		{`"a.b[]".c`, true},
		{`a."b c"`, true},
		{"with space", true},
		{"ключ.значение", true},
		{"", false},
		{".a", false},
		{"a.", false},
		{"a..b", false},
		{"[0]", false},
		{"a[", false},
		{"a[x]", false},
		{"a[-1]", false},
		{"a[+1]", false},
		{"a]", false},
		{`a"b"`, false},
		{`"unclosed`, false},
		{"a[2000000]", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			err := ValidateKey(tt.key)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateKey(%q) = %v, want ok=%v", tt.key, err, tt.ok)
			}
			if err != nil && amber.ErrorCodeOf(err) != amber.EInvalid {
				t.Fatalf("code = %s, want %s", amber.ErrorCodeOf(err), amber.EInvalid)
			}
		})
	}
}
