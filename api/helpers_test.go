package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/amberdb/amber/api"
	"github.com/amberdb/amber/engine"
	"github.com/amberdb/amber/node"
)

// testServer is a real node on a temp folder behind the REST API.
type testServer struct {
	t    *testing.T
	url  string
	node *node.Node
	reg  *prometheus.Registry
	key  string // sent as api-key when set
}

// newServer starts a server; edit adjusts the options before NewServer.
func newServer(t *testing.T, edit func(*api.Options)) *testServer {
	t.Helper()
	ctx := context.Background()
	n, err := node.Open(ctx, node.Options{Engine: engine.DefaultOptions(t.TempDir())})
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	reg := prometheus.NewRegistry()
	opts := api.Options{Node: n, Registerer: reg, Gatherer: reg}
	if edit != nil {
		edit(&opts)
	}
	hs := httptest.NewServer(api.NewServer(opts))
	t.Cleanup(func() {
		hs.Close()
		n.Close(ctx)
	})
	return &testServer{t: t, url: hs.URL, node: n, reg: reg}
}

// response is an answer with its body kept raw and, when JSON, decoded
// with exact numbers.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// result returns the envelope's result.
func (r response) result() any { return r.body["result"] }

// errorMessage returns status.error of an error envelope.
func (r response) errorMessage() string {
	st, _ := r.body["status"].(map[string]any)
	msg, _ := st["error"].(string)
	return msg
}

// do sends body (a string is sent as is, anything else as JSON).
func (s *testServer) do(method, path string, body any, header ...string) response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.key != "" {
		req.Header.Set("api-key", s.key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	out := response{status: res.StatusCode, header: res.Header, raw: raw}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&out.body); err != nil {
			s.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return out
}

// ok sends a request that must answer 200 "ok" and returns its result.
func (s *testServer) ok(method, path string, body any) any {
	s.t.Helper()
	res := s.do(method, path, body)
	if res.status != http.StatusOK || res.body["status"] != "ok" {
		s.t.Fatalf("%s %s: %d %s", method, path, res.status, res.raw)
	}
	return res.result()
}

// fails sends a request that must fail with status and a message starting
// with prefix.
func (s *testServer) fails(method, path string, body any, status int, prefix string) response {
	s.t.Helper()
	res := s.do(method, path, body)
	if res.status != status {
		s.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.status, status, res.raw)
	}
	if _, has := res.body["result"]; has {
		s.t.Errorf("%s %s: error envelope carries a result: %s", method, path, res.raw)
	}
	if msg := res.errorMessage(); !strings.HasPrefix(msg, prefix) {
		s.t.Errorf("%s %s: message %q, want prefix %q", method, path, msg, prefix)
	}
	return res
}

// createCollection makes a collection with one unnamed vector of dim 4.
func (s *testServer) createCollection(name, distance string) {
	s.t.Helper()
	if got := s.ok("PUT", "/collections/"+name, map[string]any{"vectors": map[string]any{"size": 4, "distance": distance}}); got != true {
		s.t.Fatalf("create %s: result %v", name, got)
	}
}

// mustJSON re-encodes v (decoded with UseNumber) for comparisons.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// seed creates collection "c" (Dot, dim 4) with points 1..5, payload
// {"n": i, "group": "even"|"odd"}.
func seed(s *testServer) {
	s.t.Helper()
	s.createCollection("c", "Dot")
	s.ok("PUT", "/collections/c/points?wait=true", `{"points":[
		{"id":1,"vector":[1,0,0,0],"payload":{"n":1,"group":"odd"}},
		{"id":2,"vector":[0,1,0,0],"payload":{"n":2,"group":"even"}},
		{"id":3,"vector":[0,0,1,0],"payload":{"n":3,"group":"odd"}},
		{"id":4,"vector":[0,0,0,1],"payload":{"n":4,"group":"even"}},
		{"id":5,"vector":[1,1,0,0],"payload":{"n":5,"group":"odd"}}]}`)
}
