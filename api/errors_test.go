package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/amberdb/amber/api"
)

func TestServer_Errors(t *testing.T) {
	s := newServer(t, nil)
	seed(s)
	long := strings.Repeat("x", 256)
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		prefix             string
	}{
		{"WrongDimension", "PUT", "/collections/c/points", `{"points":[{"id":9,"vector":[1,2,3]}]}`,
			400, "Wrong input: Vector dimension error: expected dim: 4, got 3"},
		{"WrongDimensionQuery", "POST", "/collections/c/points/query", `{"query":[1,2,3]}`,
			400, "Wrong input: Vector dimension error: expected dim: 4, got 3"},
		{"UnknownCollection", "GET", "/collections/x", nil, 404, "Not found: Collection `x` doesn't exist!"},
		{"UnknownCollectionUpsert", "PUT", "/collections/x/points", `{"points":[{"id":1,"vector":[1]}]}`,
			404, "Not found: Collection `x` doesn't exist!"},
		{"UnknownCollectionQuery", "POST", "/collections/x/points/query", `{"query":[1,2,3,4]}`,
			404, "Not found: Collection `x` doesn't exist!"},
		{"InvalidPathID", "GET", "/collections/c/points/not-an-id", nil, 400, "Wrong input: "},
		{"InvalidBodyID", "PUT", "/collections/c/points", `{"points":[{"id":-1,"vector":[1,2,3,4]}]}`,
			400, "Format error in JSON body: "},
		{"InvalidUUID", "POST", "/collections/c/points", `{"ids":["not-a-uuid"]}`, 400, "Format error in JSON body: "},
		{"MissingPoint", "GET", "/collections/c/points/77", nil, 404, "Not found: No point with id 77 found"},
		{"MalformedJSON", "POST", "/collections/c/points/scroll", `{"limit":`, 400, "Format error in JSON body: "},
		{"NotJSON", "POST", "/collections/c/points/count", `hello`, 400, "Format error in JSON body: "},
		{"TrailingGarbage", "POST", "/collections/c/points/count", `{} x`, 400, "Format error in JSON body: "},
		{"WrongType", "POST", "/collections/c/points/scroll", `{"limit":"ten"}`, 400, "Format error in JSON body: "},
		{"ZeroLimit", "POST", "/collections/c/points/scroll", `{"limit":0}`, 422, "Validation error in JSON body: "},
		{"BadWait", "PUT", "/collections/c/points?wait=maybe", `{"points":[]}`, 400, "Deserialize error in query parameters: "},
		{"BadTimeout", "PUT", "/collections/d?timeout=soon", `{"vectors":{"size":4,"distance":"Dot"}}`, 400, "Deserialize error in query parameters: "},
		{"DotDotName", "PUT", "/collections/..%2Fx", `{"vectors":{"size":4,"distance":"Dot"}}`, 422, "Validation error in path parameters"},
		{"SlashName", "GET", "/collections/a%2Fb", nil, 422, "Validation error in path parameters"},
		{"SlashNamePoints", "POST", "/collections/a%2Fb/points/scroll", `{}`, 422, "Validation error in path parameters"},
		{"LongName", "PUT", "/collections/" + long, `{"vectors":{"size":4,"distance":"Dot"}}`, 422, "Validation error in path parameters"},
		{"Duplicate", "PUT", "/collections/c", `{"vectors":{"size":4,"distance":"Dot"}}`, 409, "Wrong input: Collection `c` already exists!"},
		{"BadDistance", "PUT", "/collections/d", `{"vectors":{"size":4,"distance":"Hamming"}}`, 400, "Format error in JSON body: "},
		{"Sparse", "PUT", "/collections/d", `{"vectors":{"size":4,"distance":"Dot"},"sparse_vectors":{"s":{}}}`,
			400, "Wrong input: sparse_vectors is not supported by Amber"},
		{"Quantization", "PUT", "/collections/d", `{"vectors":{"size":4,"distance":"Dot"},"quantization_config":{"scalar":{"type":"int8"}}}`,
			400, "Wrong input: quantization_config is not supported by Amber"},
		{"InitFrom", "PUT", "/collections/d", `{"vectors":{"size":4,"distance":"Dot"},"init_from":{"collection":"c"}}`,
			400, "Wrong input: init_from is not supported by Amber"},
		{"Multivector", "PUT", "/collections/c/points", `{"points":[{"id":1,"vector":[[1,2,3,4]]}]}`,
			400, "Wrong input: multivectors is not supported by Amber"},
		{"SparseVector", "PUT", "/collections/c/points", `{"points":[{"id":1,"vector":{"s":{"indices":[1],"values":[1]}}}]}`,
			400, "Wrong input: sparse vectors is not supported by Amber"},
		{"Prefetch", "POST", "/collections/c/points/query", `{"prefetch":[{"query":[1,0,0,0]}],"query":{"fusion":"rrf"}}`,
			400, "Wrong input: prefetch is not supported by Amber"},
		{"Fusion", "POST", "/collections/c/points/query", `{"query":{"fusion":"rrf"}}`,
			400, "Wrong input: query type `fusion` is not supported by Amber"},
		{"Recommend", "POST", "/collections/c/points/query", `{"query":{"recommend":{"positive":[1]}}}`,
			400, "Wrong input: query type `recommend` is not supported by Amber"},
		{"OrderBy", "POST", "/collections/c/points/scroll", `{"order_by":"n"}`, 400, "Wrong input: order_by is not supported by Amber"},
		{"BadFilter", "POST", "/collections/c/points/count", `{"filter":{"must":[{"key":"n"}]}}`, 400, "Wrong input: "},
		{"UnknownVectorName", "POST", "/collections/c/points/query", `{"query":[1,0,0,0],"using":"nope"}`, 400, "Wrong input: "},
		{"QueryUnknownPoint", "POST", "/collections/c/points/query", `{"query":999}`, 404, "Not found: No point with id 999 found"},
		{"UpsertNoPoints", "PUT", "/collections/c/points", `{}`, 400, "Format error in JSON body: "},
		{"SelectorEmpty", "POST", "/collections/c/points/delete", `{}`, 400, "Wrong input: "},
		{"PayloadMissing", "POST", "/collections/c/points/payload", `{"points":[1]}`, 400, "Format error in JSON body: missing field `payload`"},
		{"ChangeVectors", "PATCH", "/collections/c", `{"vectors":{"":{"on_disk":true}}}`, 400, "Wrong input: "},
		{"IndexGeo", "PUT", "/collections/c/index", `{"field_name":"loc","field_schema":"geo"}`, 400, "Wrong input: payload index type geo"},
		{"RecoverBadChecksum", "PUT", "/collections/c/snapshots/recover", `{"location":"file:///x.snapshot","checksum":"abc"}`,
			422, "Validation error in JSON body: "},
		{"SnapshotTraversal", "GET", "/collections/c/snapshots/..%2F..%2Faliases.json", nil, 404, "Not found: Snapshot ../../aliases.json not found"},
		{"SnapshotMissing", "GET", "/snapshots/nope.snapshot", nil, 404, "Not found: Snapshot nope.snapshot not found"},
		{"DeleteSnapshotMissing", "DELETE", "/collections/c/snapshots/nope.snapshot", nil, 404, "Not found: Snapshot nope.snapshot not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.t = t
			s.fails(tc.method, tc.path, tc.body, tc.status, tc.prefix)
		})
	}
	s.t = t
	// A rejected upsert wrote nothing.
	if got := s.ok("POST", "/collections/c/points/count", `{}`); mustJSON(t, got) != `{"count":5}` {
		t.Errorf("count after rejected writes: %v", got)
	}
}

func TestServer_Routing(t *testing.T) {
	s := newServer(t, nil)
	seed(s)
	t.Run("RawSlashIs404", func(t *testing.T) {
		s.t = t
		for _, p := range []string{"/collections/a/b", "/nope", "/collections/c/points/1/x"} {
			if res := s.do("GET", p, nil); res.status != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", p, res.status)
			}
		}
	})
	t.Run("WrongMethodIs405", func(t *testing.T) {
		s.t = t
		if res := s.do("POST", "/collections/c/exists", `{}`); res.status != http.StatusMethodNotAllowed {
			t.Errorf("POST exists: %d, want 405", res.status)
		}
	})
	t.Run("TrailingSlash", func(t *testing.T) {
		s.t = t
		if got := s.ok("GET", "/collections/c/exists/", nil); mustJSON(t, got) != `{"exists":true}` {
			t.Errorf("exists/: %v", got)
		}
		if got := s.ok("GET", "/collections/", nil); mustJSON(t, got) != `{"collections":[{"name":"c"}]}` {
			t.Errorf("collections/: %v", got)
		}
	})
}

func TestServer_BodyLimit(t *testing.T) {
	s := newServer(t, func(o *api.Options) { o.MaxBodyBytes = 1 << 10 })
	seed(s)
	big := `{"points":[{"id":1,"vector":[1,0,0,0],"payload":{"s":"` + strings.Repeat("a", 4<<10) + `"}}]}`
	res := s.fails("PUT", "/collections/c/points", big, http.StatusRequestEntityTooLarge, "Payload error: JSON payload (")
	if msg := res.errorMessage(); !strings.Contains(msg, "is larger than allowed (limit: 1024 bytes).") {
		t.Errorf("message %q", msg)
	}
	// Without a Content-Length the limit holds while reading.
	req, err := http.NewRequest("PUT", s.url+"/collections/c/points", io.MultiReader(strings.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	chunked, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	chunked.Body.Close()
	if chunked.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked oversize body: %d", chunked.StatusCode)
	}
	// The server still answers, and nothing was written.
	if got := s.ok("POST", "/collections/c/points/count", `{}`); mustJSON(t, got) != `{"count":5}` {
		t.Errorf("count after 413: %v", got)
	}
}
