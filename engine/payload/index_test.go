package payload

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/amberdb/amber"
)

// points is a tiny collection: slot i holds payloads[i].
type points []amber.Payload

func (ps points) all(yield func(uint32, amber.Payload) bool) {
	for i, p := range ps {
		if !yield(uint32(i), p) {
			return
		}
	}
}

func pointsOf(t *testing.T, js ...string) points {
	var ps points
	for _, s := range js {
		ps = append(ps, payloadOf(t, s))
	}
	return ps
}

func TestIndexes_Schema(t *testing.T) {
	ps := pointsOf(t,
		`{"kw": "a", "n": 5, "f": 5, "b": true, "u": "550E8400-E29B-41D4-A716-446655440000", "t": "2024-01-01T00:00:00Z", "txt": "hello"}`,
		`{"kw": ["a", "b"], "n": 5.5, "f": 5.5, "b": [false, true], "u": "not-a-uuid", "t": "yesterday", "txt": 3}`,
		`{"kw": 5, "n": "5", "f": "5", "b": "true", "u": 7, "t": 1704067200}`,
		`{"kw": [], "n": [], "f": null}`,
		`{}`,
	)
	types := map[string]amber.PayloadSchemaType{
		"kw": amber.SchemaKeyword, "n": amber.SchemaInteger, "f": amber.SchemaFloat, "b": amber.SchemaBool,
		"u": amber.SchemaUUID, "t": amber.SchemaDatetime, "txt": amber.SchemaText,
	}
	ix := NewIndexes()
	for f, typ := range types {
		if err := ix.Create(f, typ, ps.all); err != nil {
			t.Fatalf("Create(%s): %v", f, err)
		}
	}
	want := map[string]uint64{"kw": 2, "n": 1, "f": 2, "b": 2, "u": 1, "t": 1, "txt": 1}
	check := func(want map[string]uint64) {
		t.Helper()
		got := ix.Schema()
		for f, n := range want {
			if got[f].Points != n || got[f].DataType != types[f] {
				t.Errorf("Schema()[%s] = %+v, want %d points of %s", f, got[f], n, types[f])
			}
		}
	}
	check(want)

	t.Run("Remove", func(t *testing.T) {
		ix.Remove(0, ps[0])
		check(map[string]uint64{"kw": 1, "n": 0, "f": 1, "b": 1, "u": 0, "t": 0, "txt": 0})
		ix.Add(0, ps[0])
		check(want)
	})
	t.Run("Fields", func(t *testing.T) {
		if got := ix.Fields(); !reflect.DeepEqual(got, types) {
			t.Fatalf("Fields() = %v, want %v", got, types)
		}
	})
	t.Run("RecreateSameTypeIsNoop", func(t *testing.T) {
		called := false
		if err := ix.Create("kw", amber.SchemaKeyword, func(func(uint32, amber.Payload) bool) { called = true }); err != nil {
			t.Fatal(err)
		}
		if called {
			t.Fatal("re-creating with the same type read the points again")
		}
		check(want)
	})
	t.Run("RecreateOtherTypeRebuilds", func(t *testing.T) {
		if err := ix.Create("n", amber.SchemaFloat, ps.all); err != nil {
			t.Fatal(err)
		}
		if got := ix.Schema()["n"]; got.DataType != amber.SchemaFloat || got.Points != 2 {
			t.Fatalf("Schema()[n] = %+v, want 2 float points", got)
		}
		types["n"] = amber.SchemaFloat
	})
	t.Run("Drop", func(t *testing.T) {
		if !ix.Drop("txt") || ix.Drop("txt") {
			t.Fatal("Drop should report true once, then false")
		}
		if _, ok := ix.Schema()["txt"]; ok {
			t.Fatal("dropped index still in Schema")
		}
		delete(types, "txt")
	})
}

func TestIndexes_Create(t *testing.T) {
	tests := []struct {
		name, field string
		typ         amber.PayloadSchemaType
		wantErr     string
	}{
		{"OK", "a.b[].c", amber.SchemaKeyword, ""},
		{"Geo", "loc", "geo", `unsupported type "geo"`},
		{"Unknown", "a", "string", `unsupported type "string"`},
		{"EmptyField", "", amber.SchemaKeyword, "invalid field name"},
		{"BadField", "a..b", amber.SchemaKeyword, "invalid field name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := NewIndexes().Create(tt.field, tt.typ, nil)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Create = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Create = %v, want error containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "Wrong input") {
				t.Fatalf("Create = %q: the engine adds the prefix", err)
			}
		})
	}
}

func TestIndexes_Encode(t *testing.T) {
	ix := NewIndexes()
	for f, typ := range map[string]amber.PayloadSchemaType{"city": amber.SchemaKeyword, "price": amber.SchemaFloat, "at": amber.SchemaDatetime} {
		if err := ix.Create(f, typ, nil); err != nil {
			t.Fatal(err)
		}
	}
	b, err := ix.Encode()
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"schema":{"at":"datetime","city":"keyword","price":"float"}}`
	if string(b) != want {
		t.Fatalf("Encode = %s, want %s", b, want)
	}
	back, err := DecodeIndexes(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Fields(), ix.Fields()) {
		t.Fatalf("DecodeIndexes(Encode()) = %v, want %v", back.Fields(), ix.Fields())
	}

	t.Run("ErrBadJSON", func(t *testing.T) {
		if _, err := DecodeIndexes([]byte(`{"schema":`)); err == nil {
			t.Fatal("DecodeIndexes accepted truncated JSON")
		}
	})
	t.Run("ErrBadType", func(t *testing.T) {
		if _, err := DecodeIndexes([]byte(`{"schema":{"a":"geo"}}`)); err == nil {
			t.Fatal("DecodeIndexes accepted an unsupported type")
		}
	})
	t.Run("Empty", func(t *testing.T) {
		ix, err := DecodeIndexes([]byte(`{}`))
		if err != nil || len(ix.Fields()) != 0 {
			t.Fatalf("DecodeIndexes({}) = %v, %v", ix.Fields(), err)
		}
	})
}

func TestIndexes_Candidates(t *testing.T) {
	ps := pointsOf(t,
		`{"kw": "a", "n": 5, "u": "550e8400-e29b-41d4-a716-446655440000", "t": "2024-01-01T10:00:00+02:00", "list": [{"v": 1}]}`,
		`{"kw": ["a", "b"], "n": 7, "u": "550E8400-E29B-41D4-A716-446655440000", "t": "2024-01-01T09:00:00Z", "list": [{"v": 2}, {"v": 3}]}`,
		`{"kw": "c", "n": 5.5, "u": "{550e8400-e29b-41d4-a716-446655440001}", "t": "2024-01-02", "b": true}`,
		`{"kw": 5, "n": "5", "b": false}`,
	)
	ix := NewIndexes()
	for f, typ := range map[string]amber.PayloadSchemaType{"kw": amber.SchemaKeyword, "n": amber.SchemaInteger,
		"u": amber.SchemaUUID, "t": amber.SchemaDatetime, "b": amber.SchemaBool, "list.v": amber.SchemaInteger, "txt": amber.SchemaText} {
		if err := ix.Create(f, typ, ps.all); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, filter string
		want         []uint32
		ok           bool
	}{
		{"NoFilterConditions", `{}`, nil, false},
		{"KeywordValue", `{"must": [{"key": "kw", "match": {"value": "a"}}]}`, []uint32{0, 1}, true},
		{"KeywordAny", `{"must": [{"key": "kw", "match": {"any": ["b", "c"]}}]}`, []uint32{1, 2}, true},
		{"KeywordAnyEmpty", `{"must": [{"key": "kw", "match": {"any": []}}]}`, nil, true},
		{"KeywordWrongType", `{"must": [{"key": "kw", "match": {"value": 5}}]}`, nil, false},
		{"KeywordExceptNotIndexed", `{"must": [{"key": "kw", "match": {"except": ["a"]}}]}`, nil, false},
		{"IntegerValue", `{"must": [{"key": "n", "match": {"value": 5}}]}`, []uint32{0}, true},
		{"IntegerRangeKeepsFloats", `{"must": [{"key": "n", "range": {"gt": 5}}]}`, []uint32{1, 2}, true},
		{"IntegerWrongType", `{"must": [{"key": "n", "match": {"value": "5"}}]}`, nil, false},
		{"UUIDNormalised", `{"must": [{"key": "u", "match": {"value": "550E8400-e29b-41d4-a716-446655440000"}}]}`, []uint32{0, 1}, true},
		{"UUIDNotAUUID", `{"must": [{"key": "u", "match": {"value": "nope"}}]}`, nil, false},
		{"Bool", `{"must": [{"key": "b", "match": {"value": false}}]}`, []uint32{3}, true},
		{"DatetimeRange", `{"must": [{"key": "t", "range": {"gte": "2024-01-01T08:00:00Z", "lt": "2024-01-01T09:00:00Z"}}]}`, []uint32{0}, true},
		{"DatetimeRangeNumericBounds", `{"must": [{"key": "t", "range": {"gte": 1}}]}`, nil, false},
		{"FieldStepOnArrayIndex", `{"must": [{"key": "list.v", "range": {"gte": 2}}]}`, []uint32{}, true},
		{"Intersect", `{"must": [{"key": "kw", "match": {"value": "a"}}, {"key": "n", "match": {"value": 7}}]}`, []uint32{1}, true},
		{"UnindexedBeside", `{"must": [{"key": "kw", "match": {"value": "a"}}, {"key": "zzz", "match": {"value": 7}}]}`, []uint32{0, 1}, true},
		{"TextNotAnswered", `{"must": [{"key": "txt", "match": {"text": "x"}}]}`, nil, false},
		{"EmbeddedFilter", `{"must": [{"must": [{"key": "kw", "match": {"value": "c"}}]}]}`, []uint32{2}, true},
		{"ShouldUnion", `{"should": [{"key": "kw", "match": {"value": "c"}}, {"key": "b", "match": {"value": false}}]}`, []uint32{2, 3}, true},
		{"ShouldPartlyIndexed", `{"should": [{"key": "kw", "match": {"value": "c"}}, {"key": "zzz", "match": {"value": 1}}]}`, nil, false},
		{"MustNotIgnored", `{"must_not": [{"key": "kw", "match": {"value": "a"}}]}`, nil, false},
		{"MinShouldImpossible", `{"min_should": {"min_count": 2, "conditions": [{"key": "zzz", "match": {"value": 1}}]}}`, nil, true},
		{"MinShouldUnion", `{"min_should": {"min_count": 1, "conditions": [{"key": "kw", "match": {"value": "c"}}, {"key": "n", "match": {"value": 7}}]}}`, []uint32{1, 2}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ix.Candidates(filterOf(t, tt.filter))
			if ok != tt.ok || (ok && !reflect.DeepEqual(nonNil(got), nonNil(tt.want))) {
				t.Fatalf("Candidates = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	if _, ok := NewIndexes().Candidates(filterOf(t, `{"must": [{"key": "kw", "match": {"value": "a"}}]}`)); ok {
		t.Fatal("Candidates without indexes reported ok")
	}
}

func nonNil(s []uint32) []uint32 {
	if s == nil {
		return []uint32{}
	}
	return s
}

func TestIndexes_ConcurrentReads(t *testing.T) {
	ix := NewIndexes()
	for f, typ := range map[string]amber.PayloadSchemaType{"n": amber.SchemaFloat, "t": amber.SchemaDatetime, "k": amber.SchemaKeyword} {
		if err := ix.Create(f, typ, nil); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 1000 {
		ix.Add(uint32(i), amber.Payload{"n": json.Number(strconv.Itoa(i)), "t": "2024-01-01T00:00:00Z", "k": "x"})
	}
	ix.Remove(3, amber.Payload{"n": json.Number("3"), "t": "2024-01-01T00:00:00Z", "k": "x"})
	// Readers hold only a read lock in the engine: the first range query
	// after the changes settles the sorted indexes while others query too.
	f := filterOf(t, `{"must": [{"key": "n", "range": {"lt": 10}}, {"key": "t", "range": {"gte": "2024-01-01"}}, {"key": "k", "match": {"value": "x"}}]}`)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got, ok := ix.Candidates(f)
			if want := []uint32{0, 1, 2, 4, 5, 6, 7, 8, 9}; !ok || !reflect.DeepEqual(got, want) {
				t.Errorf("Candidates = %v, %v; want %v", got, ok, want)
			}
			_ = ix.Schema()
			_ = ix.Fields()
		})
	}
	wg.Wait()
}
