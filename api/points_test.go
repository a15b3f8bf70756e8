package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestServer_UpsertForms(t *testing.T) {
	s := newServer(t, nil)
	s.createCollection("single", "Dot")
	s.ok("PUT", "/collections/named", `{"vectors":{"a":{"size":2,"distance":"Dot"},"b":{"size":3,"distance":"Euclid"}}}`)
	for _, tc := range []struct {
		name, coll, body string
		id               string // point to read back
		vector           string // its vector as rendered
	}{
		{"ListUnnamed", "single", `{"points":[{"id":1,"vector":[1,2,3,4]}]}`, "1", `[1,2,3,4]`},
		{"ListUUID", "single", `{"points":[{"id":"550E8400-E29B-41D4-A716-446655440000","vector":[4,3,2,1]}]}`,
			`"550e8400-e29b-41d4-a716-446655440000"`, `[4,3,2,1]`},
		{"BatchUnnamed", "single", `{"batch":{"ids":[2,3],"vectors":[[0,0,0,1],[0,0,1,0]],"payloads":[{"k":1},null]}}`, "3", `[0,0,1,0]`},
		{"ListNamed", "named", `{"points":[{"id":1,"vector":{"a":[1,2],"b":[1,2,3]}}]}`, "1", `{"a":[1,2],"b":[1,2,3]}`},
		{"ListNamedPartial", "named", `{"points":[{"id":2,"vector":{"b":[3,2,1]}}]}`, "2", `{"b":[3,2,1]}`},
		{"BatchNamed", "named", `{"batch":{"ids":[3,4],"vectors":{"a":[[1,0],[0,1]],"b":[[1,1,1],[2,2,2]]}}}`, "4", `{"a":[0,1],"b":[2,2,2]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.t = t
			res := s.ok("PUT", "/collections/"+tc.coll+"/points", tc.body)
			m := res.(map[string]any)
			if m["status"] != "completed" {
				t.Errorf("status %v", m["status"])
			}
			got := s.ok("POST", "/collections/"+tc.coll+"/points", `{"ids":[`+tc.id+`],"with_vector":true,"with_payload":false}`)
			want := `[{"id":` + tc.id + `,"vector":` + tc.vector + `}]`
			if mustJSON(t, got) != want {
				t.Errorf("got %s, want %s", mustJSON(t, got), want)
			}
		})
	}
	s.t = t
	res := s.ok("PUT", "/collections/single/points?wait=false", `{"points":[{"id":9,"vector":[1,1,1,1]}]}`)
	if m := res.(map[string]any); m["status"] != "acknowledged" {
		t.Errorf("wait=false: %v", m)
	}
}

func TestServer_ProjectionForms(t *testing.T) {
	s := newServer(t, nil)
	s.createCollection("c", "Dot")
	s.ok("PUT", "/collections/c/points", `{"points":[{"id":1,"vector":[1,0,0,0],"payload":{"a":1,"b":{"x":"y","z":2},"c":[1,2]}}]}`)
	s.ok("PUT", "/collections/m", `{"vectors":{"img":{"size":2,"distance":"Dot"},"txt":{"size":2,"distance":"Dot"}}}`)
	s.ok("PUT", "/collections/m/points", `{"points":[{"id":1,"vector":{"img":[1,0],"txt":[0,1]},"payload":{"a":1}}]}`)
	for _, tc := range []struct {
		name, coll, sel, want string
	}{
		{"DefaultRetrieve", "c", `{}`, `{"id":1,"payload":{"a":1,"b":{"x":"y","z":2},"c":[1,2]}}`},
		{"PayloadFalse", "c", `{"with_payload":false}`, `{"id":1}`},
		{"PayloadList", "c", `{"with_payload":["a","c"]}`, `{"id":1,"payload":{"a":1,"c":[1,2]}}`},
		{"PayloadNested", "c", `{"with_payload":["b.z"]}`, `{"id":1,"payload":{"b":{"z":2}}}`},
		{"PayloadInclude", "c", `{"with_payload":{"include":["a"]}}`, `{"id":1,"payload":{"a":1}}`},
		{"PayloadExclude", "c", `{"with_payload":{"exclude":["a","b.x"]}}`, `{"id":1,"payload":{"b":{"z":2},"c":[1,2]}}`},
		{"VectorTrue", "c", `{"with_payload":false,"with_vector":true}`, `{"id":1,"vector":[1,0,0,0]}`},
		{"NamedAll", "m", `{"with_payload":false,"with_vector":true}`, `{"id":1,"vector":{"img":[1,0],"txt":[0,1]}}`},
		{"NamedList", "m", `{"with_payload":false,"with_vector":["txt"]}`, `{"id":1,"vector":{"txt":[0,1]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.t = t
			body := `{"ids":[1],` + tc.sel[1:]
			if tc.sel == `{}` {
				body = `{"ids":[1]}`
			}
			got := s.ok("POST", "/collections/"+tc.coll+"/points", body).([]any)
			if len(got) != 1 || mustJSON(t, got[0]) != tc.want {
				t.Errorf("got %s, want %s", mustJSON(t, got), tc.want)
			}
		})
	}
	s.t = t
	// Named vectors in searches: "using" for query, {"name","vector"} for the legacy search.
	q := s.ok("POST", "/collections/m/points/query", `{"query":[0,1],"using":"txt","with_vector":["img"]}`)
	if got, want := mustJSON(t, q.(map[string]any)["points"].([]any)[0].(map[string]any)["vector"]), `{"img":[1,0]}`; got != want {
		t.Errorf("query using txt: vector %s, want %s", got, want)
	}
	hits := s.ok("POST", "/collections/m/points/search", `{"vector":{"name":"img","vector":[2,0]},"limit":1}`).([]any)
	if len(hits) != 1 || mustJSON(t, hits[0].(map[string]any)["score"]) != "2" {
		t.Errorf("named legacy search: %s", mustJSON(t, hits))
	}
	// Excluding must not change what is stored.
	got := s.ok("GET", "/collections/c/points/1", nil)
	if want := `{"id":1,"payload":{"a":1,"b":{"x":"y","z":2},"c":[1,2]},"vector":[1,0,0,0]}`; mustJSON(t, got) != want {
		t.Errorf("GET point: %s, want %s", mustJSON(t, got), want)
	}
}

func TestServer_BigIDs(t *testing.T) {
	s := newServer(t, nil)
	s.createCollection("ids", "Dot")
	const max, big = "18446744073709551615", "9007199254740993"
	s.ok("PUT", "/collections/ids/points", `{"points":[
		{"id":`+max+`,"vector":[1,0,0,0],"payload":{"n":`+max+`}},
		{"id":`+big+`,"vector":[0,1,0,0],"payload":{"n":`+big+`,"f":1.5}}]}`)
	got := mustJSON(t, s.ok("POST", "/collections/ids/points", `{"ids":[`+max+`,`+big+`]}`))
	want := `[{"id":` + max + `,"payload":{"n":` + max + `}},{"id":` + big + `,"payload":{"f":1.5,"n":` + big + `}}]`
	if got != want {
		t.Errorf("retrieve: %s, want %s", got, want)
	}
	got = mustJSON(t, s.ok("POST", "/collections/ids/points/scroll", `{"limit":1}`))
	if want := `{"next_page_offset":` + max + `,"points":[{"id":` + big + `,"payload":{"f":1.5,"n":` + big + `}}]}`; got != want {
		t.Errorf("scroll: %s, want %s", got, want)
	}
	got = mustJSON(t, s.ok("POST", "/collections/ids/points/scroll", `{"offset":`+max+`}`))
	if want := `{"next_page_offset":null,"points":[{"id":` + max + `,"payload":{"n":` + max + `}}]}`; got != want {
		t.Errorf("scroll from offset: %s, want %s", got, want)
	}
	got = mustJSON(t, s.ok("GET", "/collections/ids/points/"+big, nil))
	if want := `{"id":` + big + `,"payload":{"f":1.5,"n":` + big + `},"vector":[0,1,0,0]}`; got != want {
		t.Errorf("get: %s, want %s", got, want)
	}
	res := s.ok("POST", "/collections/ids/points/query", `{"query":[1,0,0,0],"limit":1}`).(map[string]any)
	if p := res["points"].([]any)[0].(map[string]any); fmt.Sprint(p["id"]) != max {
		t.Errorf("query top id %v", p["id"])
	}
}

func TestServer_ReadHappyPaths(t *testing.T) {
	s := newServer(t, nil)
	seed(s)
	t.Run("Count", func(t *testing.T) {
		s.t = t
		for body, want := range map[string]string{
			`{}`: `{"count":5}`, ``: `{"count":5}`, `{"exact":true}`: `{"count":5}`,
			`{"filter":{"must":[{"key":"group","match":{"value":"odd"}}]}}`: `{"count":3}`,
			`{"filter":{"must":[{"key":"n","range":{"gte":2,"lt":4}}]}}`:    `{"count":2}`,
			`{"filter":{"must":[{"has_id":[1,2,99]}]}}`:                     `{"count":2}`,
		} {
			if got := mustJSON(t, s.ok("POST", "/collections/c/points/count", body)); got != want {
				t.Errorf("count %s: %s, want %s", body, got, want)
			}
		}
	})
	t.Run("Scroll", func(t *testing.T) {
		s.t = t
		got := mustJSON(t, s.ok("POST", "/collections/c/points/scroll", `{"limit":2,"with_payload":["n"]}`))
		if want := `{"next_page_offset":3,"points":[{"id":1,"payload":{"n":1}},{"id":2,"payload":{"n":2}}]}`; got != want {
			t.Errorf("page 1: %s", got)
		}
		got = mustJSON(t, s.ok("POST", "/collections/c/points/scroll", `{"limit":10,"offset":3,"with_payload":false,"filter":{"must":[{"key":"group","match":{"value":"odd"}}]}}`))
		if want := `{"next_page_offset":null,"points":[{"id":3},{"id":5}]}`; got != want {
			t.Errorf("filtered page: %s", got)
		}
	})
	t.Run("Query", func(t *testing.T) {
		s.t = t
		for _, tc := range []struct{ body, want string }{
			{`{"query":[1,0.5,0,0],"limit":2}`, `{"points":[{"id":5,"score":1.5,"version":V},{"id":1,"score":1,"version":V}]}`},
			{`{"query":{"nearest":[1,0.5,0,0]},"limit":1,"with_payload":true}`, `{"points":[{"id":5,"payload":{"group":"odd","n":5},"score":1.5,"version":V}]}`},
			{`{"query":5,"limit":2,"params":{"exact":true},"filter":{"must":[{"key":"group","match":{"value":"even"}}]}}`, `{"points":[{"id":2,"score":1,"version":V},{"id":4,"score":0,"version":V}]}`},
			{`{"query":{"nearest":5},"limit":1,"filter":{"must":[{"key":"group","match":{"value":"odd"}}]}}`, `{"points":[{"id":1,"score":1,"version":V}]}`},
			{`{"query":[1,1,0,0],"limit":10,"score_threshold":1.5}`, `{"points":[{"id":5,"score":2,"version":V}]}`},
			{`{"query":[1,0.5,0,0],"limit":1,"offset":1,"with_vector":true}`, `{"points":[{"id":1,"score":1,"vector":[1,0,0,0],"version":V}]}`},
			{`{"limit":2}`, `{"points":[{"id":1,"score":0,"version":V},{"id":2,"score":0,"version":V}]}`},
		} {
			got := s.ok("POST", "/collections/c/points/query", tc.body).(map[string]any)
			for _, p := range got["points"].([]any) {
				m := p.(map[string]any)
				if _, ok := m["version"].(json.Number); !ok {
					t.Errorf("query %s: version %v is not a number", tc.body, m["version"])
				}
				m["version"] = "V"
			}
			if g, want := mustJSON(t, got), strings.ReplaceAll(tc.want, ":V}", `:"V"}`); g != want {
				t.Errorf("query %s:\n got %s\nwant %s", tc.body, g, want)
			}
		}
	})
	t.Run("QueryBatch", func(t *testing.T) {
		s.t = t
		got := s.ok("POST", "/collections/c/points/query/batch", `{"searches":[{"query":[1,0,0,0],"limit":1},{"query":[0,0,0,1],"limit":1}]}`).([]any)
		if len(got) != 2 || fmt.Sprint(got[0].(map[string]any)["points"].([]any)[0].(map[string]any)["id"]) != "1" ||
			fmt.Sprint(got[1].(map[string]any)["points"].([]any)[0].(map[string]any)["id"]) != "4" {
			t.Errorf("batch: %s", mustJSON(t, got))
		}
	})
	t.Run("LegacySearch", func(t *testing.T) {
		s.t = t
		got := s.ok("POST", "/collections/c/points/search", `{"vector":[0,0,1,0],"limit":1,"with_payload":true}`).([]any)
		if p := got[0].(map[string]any); fmt.Sprint(p["id"]) != "3" || p["payload"] == nil {
			t.Errorf("search: %s", mustJSON(t, got))
		}
		got = s.ok("POST", "/collections/c/points/search/batch", `{"searches":[{"vector":[0,0,1,0],"limit":1},{"vector":[0,1,0,0],"limit":2}]}`).([]any)
		if len(got) != 2 || len(got[1].([]any)) != 2 {
			t.Errorf("search batch: %s", mustJSON(t, got))
		}
		if p := got[0].([]any)[0].(map[string]any); p["payload"] != nil {
			t.Errorf("search with_payload defaults to false: %v", p)
		}
	})
}
