package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// envelope is Qdrant's response wrapper: {"result":…,"status":"ok","time":…}.
// Status is "ok", "accepted", or {"error":"…"}; Result is absent on errors.
type envelope struct {
	Result json.RawMessage `json:"result"`
	Status json.RawMessage `json:"status"`
	Time   float64         `json:"time"`
}

// OK reports whether Status is "ok".
func (e envelope) OK() bool { return string(e.Status) == `"ok"` }

// ErrorMessage returns Status.error, or "" when Status is not an error.
func (e envelope) ErrorMessage() string {
	var s struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(e.Status, &s) != nil {
		return ""
	}
	return s.Error
}

// request is one HTTP call. Body is JSON-encoded unless it is nil, a []byte
// or a string. APIKey, when set, goes in the api-key header.
type request struct {
	Method string
	Path   string
	Body   any
	APIKey string
}

// response is what came back; Body is read in full.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// send performs r against s; transport errors fail the test.
func (s *server) send(t testing.TB, r request) response {
	t.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode %s %s body: %v", r.Method, r.Path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(r.Method, s.URL+r.Path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if r.APIKey != "" {
		req.Header.Set("api-key", r.APIKey)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", r.Method, r.Path, err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// do sends a JSON request and decodes the envelope. A body that is not an
// envelope (plain-text 401s, GET /) fails the test; use send for those.
func (s *server) do(t testing.TB, method, path string, body any) (status int, env envelope) {
	t.Helper()
	resp := s.send(t, request{Method: method, Path: path, Body: body})
	if err := json.Unmarshal(resp.Body, &env); err != nil {
		t.Fatalf("%s %s: %d, body is not a JSON envelope (%v): %q", method, path, resp.Status, err, resp.Body)
	}
	return resp.Status, env
}

// mustOK sends the request, requires 200 with status "ok", and returns the
// raw result.
func (s *server) mustOK(t testing.TB, method, path string, body any) json.RawMessage {
	t.Helper()
	status, env := s.do(t, method, path, body)
	if status != http.StatusOK || !env.OK() {
		t.Fatalf("%s %s = %d %s, want 200 \"ok\"", method, path, status, env.Status)
	}
	return env.Result
}

// mustResult is mustOK that decodes the result into v. Numbers decode as
// json.Number when v holds an interface, so u64 ids stay exact.
func (s *server) mustResult(t testing.TB, method, path string, body, v any) {
	t.Helper()
	raw := s.mustOK(t, method, path, body)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s %s: decode result %s: %v", method, path, raw, err)
	}
}

// getJSON decodes an unwrapped JSON body (GET /) into v.
func (s *server) getJSON(t testing.TB, path string, v any) int {
	t.Helper()
	resp := s.send(t, request{Method: http.MethodGet, Path: path})
	if err := json.Unmarshal(resp.Body, v); err != nil {
		t.Fatalf("GET %s: %d, decode %q: %v", path, resp.Status, resp.Body, err)
	}
	return resp.Status
}

// getText returns status, Content-Type and body of a plain-text endpoint.
func (s *server) getText(t testing.TB, path string) (status int, contentType, body string) {
	t.Helper()
	resp := s.send(t, request{Method: http.MethodGet, Path: path})
	return resp.Status, resp.Header.Get("Content-Type"), string(resp.Body)
}

// point is one point of an upsert. ID is a uint64, an int or a UUID string.
type point struct {
	ID      any            `json:"id"`
	Vector  any            `json:"vector"` // []float32, or map[string][]float32 for named vectors
	Payload map[string]any `json:"payload,omitempty"`
}

// createCollection creates a collection with one unnamed vector.
func createCollection(t testing.TB, s *server, name string, size int, distance string) {
	t.Helper()
	var ok bool
	s.mustResult(t, http.MethodPut, "/collections/"+name, map[string]any{
		"vectors": map[string]any{"size": size, "distance": distance},
	}, &ok)
	if !ok {
		t.Fatalf("create collection %q: result false", name)
	}
}

// upsertPoints upserts with wait=true and requires status "completed".
func upsertPoints(t testing.TB, s *server, collection string, points []point) {
	t.Helper()
	var res struct {
		OperationID json.Number `json:"operation_id"`
		Status      string      `json:"status"`
	}
	s.mustResult(t, http.MethodPut, "/collections/"+collection+"/points?wait=true", map[string]any{"points": points}, &res)
	if res.Status != "completed" {
		t.Fatalf("upsert into %q: status %q, want completed", collection, res.Status)
	}
}

// count returns the exact number of points matching filter (nil: all).
func count(t testing.TB, s *server, collection string, filter any) int {
	t.Helper()
	body := map[string]any{"exact": true}
	if filter != nil {
		body["filter"] = filter
	}
	var res struct {
		Count int `json:"count"`
	}
	s.mustResult(t, http.MethodPost, "/collections/"+collection+"/points/count", body, &res)
	return res.Count
}

// record is one point as retrieve answers it. Numbers stay json.Number:
// ids above 2^53 stay exact, and vector components can be parsed as float32
// to compare bits (see float32s).
type record struct {
	ID      recordID       `json:"id"`
	Payload map[string]any `json:"payload"`
	Vector  []json.Number  `json:"vector"`
}

// recordID is a point id as the server wrote it: the digits of an integer
// id, exactly, or a UUID string.
type recordID string

func (id *recordID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*id = recordID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("point id %s is neither a number nor a string", b)
	}
	*id = recordID(n)
	return nil
}

func (id recordID) String() string { return string(id) }

// retrieve fetches ids with their payloads, and their vectors when
// withVector is set (POST /collections/{c}/points).
func retrieve(t testing.TB, s *server, collection string, ids any, withVector bool) []record {
	t.Helper()
	var recs []record
	s.mustResult(t, http.MethodPost, "/collections/"+collection+"/points", map[string]any{
		"ids": ids, "with_payload": true, "with_vector": withVector,
	}, &recs)
	return recs
}

// float32s parses JSON numbers as float32, exactly as a float32 client
// would: the server's shortest formatting must round-trip to the same bits.
func float32s(t testing.TB, nums []json.Number) []float32 {
	t.Helper()
	out := make([]float32, len(nums))
	for i, n := range nums {
		f, err := strconv.ParseFloat(string(n), 32)
		if err != nil {
			t.Fatalf("vector component %d = %q: %v", i, n, err)
		}
		out[i] = float32(f)
	}
	return out
}

// decodeJSON decodes data keeping numbers as json.Number.
func decodeJSON(t testing.TB, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return v
}

// jsonEqual compares two values decoded with UseNumber. Integers compare
// exactly (9007199254740993 is not 9007199254740992); numbers written with
// a fraction or exponent compare as float64, since encoders may format the
// same double differently. An integer never equals a float.
func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, va := range a {
			vb, ok := b[k]
			if !ok || !jsonEqual(va, vb) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !jsonEqual(a[i], b[i]) {
				return false
			}
		}
		return true
	case json.Number:
		b, ok := b.(json.Number)
		if !ok {
			return false
		}
		aInt, bInt := !strings.ContainsAny(string(a), ".eE"), !strings.ContainsAny(string(b), ".eE")
		if aInt != bInt {
			return false
		}
		if aInt {
			x, okx := new(big.Int).SetString(string(a), 10)
			y, oky := new(big.Int).SetString(string(b), 10)
			return okx && oky && x.Cmp(y) == 0
		}
		x, errx := strconv.ParseFloat(string(a), 64)
		y, erry := strconv.ParseFloat(string(b), 64)
		return errx == nil && erry == nil && x == y
	default: // string, bool, nil
		return a == b
	}
}
