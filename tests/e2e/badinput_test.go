package e2e

// Bad requests against one server: each gets Qdrant's status code and a
// message that says what was wrong, and none of them changes the data or
// takes the server down.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// badInputCase is one bad request and the answer Qdrant gives to it
// (shared/reference/qdrant-api-notes.md §2).
type badInputCase struct {
	name    string
	method  string
	path    string
	body    any  // JSON-encoded unless a string or []byte
	chunked bool // send the body without Content-Length
	status  int
	msg     string // status.error contains this
}

// sendBadInput sends tc and returns the status and the decoded envelope.
func sendBadInput(t *testing.T, s *server, tc badInputCase) (int, envelope, []byte) {
	t.Helper()
	if !tc.chunked {
		resp := s.send(t, request{Method: tc.method, Path: tc.path, Body: tc.body})
		var env envelope
		if err := json.Unmarshal(resp.Body, &env); err != nil {
			t.Fatalf("%s %s = %d, body is not a JSON envelope (%v): %.300q", tc.method, tc.path, resp.Status, err, resp.Body)
		}
		return resp.Status, env, resp.Body
	}
	// A reader that is not a *bytes.Reader has no known length: the client
	// sends it with Transfer-Encoding: chunked.
	body := io.MultiReader(bytes.NewReader(tc.body.([]byte)))
	req, err := http.NewRequest(tc.method, s.URL+tc.path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s (chunked): %v", tc.method, tc.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", tc.method, tc.path, err)
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatalf("%s %s = %d, body is not a JSON envelope (%v): %.300q", tc.method, tc.path, resp.StatusCode, err, data)
	}
	return resp.StatusCode, env, data
}

// oversizeBody is a well-formed upsert of 40 MiB, over the default 32 MiB
// limit: only its size is wrong.
func oversizeBody() []byte {
	const size = 40 << 20
	head, tail := []byte(`{"points":[],"padding":"`), []byte(`"}`)
	b := make([]byte, 0, size)
	b = append(b, head...)
	b = append(b, bytes.Repeat([]byte("x"), size-len(head)-len(tail))...)
	return append(b, tail...)
}

func TestBadInput_Rejected(t *testing.T) {
	const coll = "bad"
	s := startServer(t, withLogLevel("info"))
	createCollection(t, s, coll, 4, "Dot")
	stored := []point{
		{ID: 1, Vector: []float32{1, 0, 0, 0}, Payload: map[string]any{"city": "Berlin", "n": 9007199254740993}},
		{ID: 2, Vector: []float32{0, 1, 0, 0}, Payload: map[string]any{"city": "London"}},
		{ID: 3, Vector: []float32{0, 0, 1, 0}, Payload: map[string]any{"tags": []any{"a", "b"}}},
		{ID: "550e8400-e29b-41d4-a716-446655440000", Vector: []float32{0.5, 0.25, 0, -1}, Payload: map[string]any{"kind": "uuid"}},
	}
	upsertPoints(t, s, coll, stored)

	const (
		points     = "/collections/" + coll + "/points?wait=true"
		dimError   = "Vector dimension error: expected dim: 4, got 3"
		formatErr  = "Format error in JSON body"
		notFound   = "Not found: Collection `nope` doesn't exist!"
		nameErr    = "Validation error in path parameters"
		createBody = `{"vectors":{"size":4,"distance":"Dot"}}`
	)
	upsert := func(pts ...string) string { return `{"points":[` + strings.Join(pts, ",") + `]}` }
	big := oversizeBody()

	cases := []badInputCase{
		// Wrong vector size.
		{name: "VectorTooShort", method: "PUT", path: points, body: upsert(`{"id":10,"vector":[1,2,3]}`), status: 400, msg: dimError},
		{name: "VectorTooShortInBatch", method: "PUT", path: points,
			body: upsert(`{"id":10,"vector":[1,2,3,4]}`, `{"id":11,"vector":[1,2,3]}`), status: 400, msg: dimError},
		{name: "VectorTooShortColumns", method: "PUT", path: points,
			body: `{"batch":{"ids":[10,11],"vectors":[[1,2,3,4],[1,2,3]]}}`, status: 400, msg: dimError},
		{name: "QueryTooShort", method: "POST", path: "/collections/" + coll + "/points/query", body: `{"query":[1,2,3]}`, status: 400, msg: dimError},

		// Unknown collection.
		{name: "UnknownGet", method: "GET", path: "/collections/nope", status: 404, msg: notFound},
		{name: "UnknownUpsert", method: "PUT", path: "/collections/nope/points?wait=true", body: upsert(`{"id":1,"vector":[1,2,3,4]}`), status: 404, msg: notFound},
		{name: "UnknownCount", method: "POST", path: "/collections/nope/points/count", body: `{}`, status: 404, msg: notFound},
		{name: "UnknownQuery", method: "POST", path: "/collections/nope/points/query", body: `{"query":[1,2,3,4]}`, status: 404, msg: notFound},
		{name: "UnknownSnapshots", method: "GET", path: "/collections/nope/snapshots", status: 404, msg: notFound},

		// Invalid point ids: only unsigned 64-bit integers and UUIDs.
		{name: "IDNegative", method: "PUT", path: points, body: upsert(`{"id":-1,"vector":[1,2,3,4]}`), status: 400, msg: formatErr},
		{name: "IDFraction", method: "PUT", path: points, body: upsert(`{"id":1.5,"vector":[1,2,3,4]}`), status: 400, msg: formatErr},
		{name: "IDNotUUID", method: "PUT", path: points, body: upsert(`{"id":"not-a-uuid","vector":[1,2,3,4]}`), status: 400, msg: formatErr},
		{name: "IDAboveU64", method: "PUT", path: points, body: upsert(`{"id":18446744073709551616,"vector":[1,2,3,4]}`), status: 400, msg: formatErr},
		{name: "IDBool", method: "PUT", path: points, body: upsert(`{"id":true,"vector":[1,2,3,4]}`), status: 400, msg: formatErr},
		{name: "RetrieveIDNegative", method: "POST", path: "/collections/" + coll + "/points", body: `{"ids":[-1]}`, status: 400, msg: formatErr},
		{name: "PathIDNotUUID", method: "GET", path: "/collections/" + coll + "/points/not-a-uuid", status: 400, msg: "not-a-uuid"},

		// Malformed JSON.
		{name: "JSONTruncated", method: "PUT", path: points, body: `{"points":[{"id":1,`, status: 400, msg: formatErr},
		{name: "JSONNotJSON", method: "PUT", path: points, body: `hello`, status: 400, msg: formatErr},
		{name: "JSONTrailingGarbage", method: "PUT", path: points, body: upsert(`{"id":1,"vector":[1,2,3,4]}`) + ` x`, status: 400, msg: formatErr},
		{name: "JSONWrongType", method: "PUT", path: points, body: `{"points":"x"}`, status: 400, msg: formatErr},
		{name: "JSONVectorNotNumbers", method: "PUT", path: points, body: upsert(`{"id":1,"vector":[1,2,"3",4]}`), status: 400, msg: formatErr},
		{name: "JSONVectorOverflowsFloat32", method: "PUT", path: points, body: upsert(`{"id":1,"vector":[1,2,3,4e39]}`), status: 400, msg: formatErr},
		{name: "QueryParamWait", method: "PUT", path: "/collections/" + coll + "/points?wait=maybe", body: upsert(), status: 400, msg: "Deserialize error in query parameters"},

		// Bodies over the limit (32 MiB by default), with and without a
		// Content-Length.
		{name: "Oversize", method: "PUT", path: points, body: big, status: 413, msg: "larger than allowed"},
		{name: "OversizeChunked", method: "PUT", path: points, body: big, chunked: true, status: 413, msg: "larger than allowed"},

		// Invalid collection names (PUT uses the strict check).
		{name: "NameDotDotSlash", method: "PUT", path: "/collections/..%2Fx", body: createBody, status: 422, msg: nameErr},
		{name: "NameTooLong", method: "PUT", path: "/collections/" + strings.Repeat("a", 256), body: createBody, status: 422, msg: nameErr},
		{name: "NameSlash", method: "PUT", path: "/collections/a%2Fb", body: createBody, status: 422, msg: nameErr},
		{name: "NameColon", method: "PUT", path: "/collections/a:b", body: createBody, status: 422, msg: nameErr},
		{name: "NameBackslash", method: "PUT", path: "/collections/a%5Cb", body: createBody, status: 422, msg: nameErr},

		// Create twice.
		{name: "DuplicateCreate", method: "PUT", path: "/collections/" + coll, body: createBody, status: 409, msg: "Collection `" + coll + "` already exists!"},
		{name: "CreateUnknownDistance", method: "PUT", path: "/collections/other", body: `{"vectors":{"size":4,"distance":"Manhattan2"}}`, status: 400, msg: formatErr},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, env, raw := sendBadInput(t, s, tc)
			msg := env.ErrorMessage()
			if status != tc.status {
				t.Errorf("%s %s = %d %q, want %d", tc.method, tc.path, status, msg, tc.status)
			}
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("%s %s: status.error = %q, want it to contain %q (body %.300s)", tc.method, tc.path, msg, tc.msg, raw)
			}
			if len(env.Result) != 0 && string(env.Result) != "null" {
				t.Errorf("%s %s: error answer carries a result: %s", tc.method, tc.path, env.Result)
			}
		})
	}

	// A longest valid name is fine: the boundary is 255 characters.
	t.Run("Name255Accepted", func(t *testing.T) {
		name := strings.Repeat("a", 255)
		createCollection(t, s, name, 4, "Dot")
		var ok bool
		s.mustResult(t, http.MethodDelete, "/collections/"+name, nil, &ok)
		if !ok {
			t.Errorf("delete the 255-character collection: result false")
		}
	})

	t.Run("ServerUnharmed", func(t *testing.T) {
		status, _, body := s.getText(t, "/readyz")
		if status != http.StatusOK {
			t.Fatalf("GET /readyz = %d %q after the bad requests", status, body)
		}
		if n := count(t, s, coll, nil); n != len(stored) {
			t.Errorf("count = %d, want the %d points stored before the bad requests", n, len(stored))
		}
		// None of the rejected upserts wrote a point, not even the valid
		// half of a batch.
		if recs := retrieve(t, s, coll, []any{10, 11}, false); len(recs) != 0 {
			t.Errorf("rejected upserts left points behind: %+v", recs)
		}
		recs := retrieve(t, s, coll, []any{1, stored[3].ID}, true)
		if len(recs) != 2 {
			t.Fatalf("retrieve 1 and the UUID: got %d records, want 2", len(recs))
		}
		byID := map[string]record{}
		for _, r := range recs {
			byID[r.ID.String()] = r
		}
		for _, p := range []point{stored[0], stored[3]} {
			got, ok := byID[fmt.Sprint(p.ID)]
			if !ok {
				t.Errorf("point %v is missing", p.ID)
				continue
			}
			if !jsonEqual(decodeJSON(t, mustJSON(t, got.Payload)), decodeJSON(t, mustJSON(t, p.Payload))) {
				t.Errorf("point %v payload = %s, want %s", p.ID, mustJSON(t, got.Payload), mustJSON(t, p.Payload))
			}
			vec := float32s(t, got.Vector)
			want := p.Vector.([]float32)
			if len(vec) != len(want) {
				t.Errorf("point %v vector = %v, want %v", p.ID, vec, want)
				continue
			}
			for i := range want {
				if vec[i] != want[i] {
					t.Errorf("point %v vector = %v, want %v", p.ID, vec, want)
					break
				}
			}
		}
	})
}

// TestBadInput_InvalidUTF8: JSON text must be UTF-8 (RFC 8259 §8.1).
// Qdrant parses bodies with serde_json, which refuses a string holding
// other bytes with 400 "Format error in JSON body: invalid unicode code
// point …". Accepting it and storing U+FFFD instead would silently change
// the user's data.
func TestBadInput_InvalidUTF8(t *testing.T) {
	const coll = "utf8"
	s := startServer(t, withLogLevel("info"))
	createCollection(t, s, coll, 4, "Dot")
	body := []byte(`{"points":[{"id":1,"vector":[1,2,3,4],"payload":{"s":"` + "caf\xe9" + `"}}]}`)
	status, env, raw := sendBadInput(t, s, badInputCase{method: "PUT", path: "/collections/" + coll + "/points?wait=true", body: body})
	if status != http.StatusBadRequest || !strings.Contains(env.ErrorMessage(), "Format error in JSON body") {
		t.Errorf("upsert with a Latin-1 byte in a payload string = %d %s, want 400 \"Format error in JSON body: …\"", status, raw)
	}
	if n := count(t, s, coll, nil); n != 0 {
		recs := retrieve(t, s, coll, []any{1}, false)
		t.Errorf("count = %d, want 0; stored payload: %q", n, recs[0].Payload["s"])
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
