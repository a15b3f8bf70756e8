package api_test

import (
	"strings"
	"testing"
)

func TestServer_PayloadUpdates(t *testing.T) {
	s := newServer(t, nil)
	seed(s)
	payloads := func() string {
		return mustJSON(t, s.ok("POST", "/collections/c/points", `{"ids":[1,2,3,4,5]}`))
	}
	for _, tc := range []struct {
		name, method, path, body string
		want                     []string // payloads of points 1..5 after the update
	}{
		{"SetByIDs", "POST", "/points/payload", `{"payload":{"color":"red"},"points":[1,2]}`, []string{
			`{"color":"red","group":"odd","n":1}`, `{"color":"red","group":"even","n":2}`, `{"group":"odd","n":3}`, `{"group":"even","n":4}`, `{"group":"odd","n":5}`}},
		{"SetByFilter", "POST", "/points/payload", `{"payload":{"flag":true},"filter":{"must":[{"key":"group","match":{"value":"even"}}]}}`, []string{
			`{"color":"red","group":"odd","n":1}`, `{"color":"red","flag":true,"group":"even","n":2}`, `{"group":"odd","n":3}`, `{"flag":true,"group":"even","n":4}`, `{"group":"odd","n":5}`}},
		{"SetUnderKey", "POST", "/points/payload", `{"payload":{"x":1},"points":[3],"key":"meta"}`, []string{
			`{"color":"red","group":"odd","n":1}`, `{"color":"red","flag":true,"group":"even","n":2}`, `{"group":"odd","meta":{"x":1},"n":3}`, `{"flag":true,"group":"even","n":4}`, `{"group":"odd","n":5}`}},
		{"Overwrite", "PUT", "/points/payload", `{"payload":{"only":"this"},"points":[1]}`, []string{
			`{"only":"this"}`, `{"color":"red","flag":true,"group":"even","n":2}`, `{"group":"odd","meta":{"x":1},"n":3}`, `{"flag":true,"group":"even","n":4}`, `{"group":"odd","n":5}`}},
		{"DeleteKeys", "POST", "/points/payload/delete", `{"keys":["flag","color"],"points":[2,4]}`, []string{
			`{"only":"this"}`, `{"group":"even","n":2}`, `{"group":"odd","meta":{"x":1},"n":3}`, `{"group":"even","n":4}`, `{"group":"odd","n":5}`}},
		{"Clear", "POST", "/points/payload/clear", `{"points":[3]}`, []string{
			`{"only":"this"}`, `{"group":"even","n":2}`, `{}`, `{"group":"even","n":4}`, `{"group":"odd","n":5}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.t = t
			res := s.ok(tc.method, "/collections/c"+tc.path+"?wait=true", tc.body).(map[string]any)
			if res["status"] != "completed" {
				t.Errorf("status %v", res["status"])
			}
			want := make([]string, len(tc.want))
			for i, p := range tc.want {
				want[i] = `{"id":` + string(rune('1'+i)) + `,"payload":` + p + `}`
			}
			if got := payloads(); got != "["+strings.Join(want, ",")+"]" {
				t.Errorf("payloads:\n got %s\nwant [%s]", got, strings.Join(want, ","))
			}
		})
	}
}

func TestServer_DeletePoints(t *testing.T) {
	s := newServer(t, nil)
	seed(s)
	s.ok("POST", "/collections/c/points/delete", `{"points":[1,2,99]}`)
	s.ok("POST", "/collections/c/points/delete?wait=true", `{"filter":{"must":[{"key":"group","match":{"value":"odd"}}]}}`)
	if got := mustJSON(t, s.ok("POST", "/collections/c/points/scroll", `{"with_payload":false}`)); got != `{"next_page_offset":null,"points":[{"id":4}]}` {
		t.Errorf("left: %s", got)
	}
}

func TestServer_PayloadIndex(t *testing.T) {
	s := newServer(t, nil)
	seed(s)
	for _, body := range []string{
		`{"field_name":"group","field_schema":"keyword"}`,
		`{"field_name":"n","field_schema":{"type":"integer","lookup":true,"range":true}}`,
	} {
		res := s.ok("PUT", "/collections/c/index?wait=true", body).(map[string]any)
		if res["status"] != "completed" || res["operation_id"] == nil {
			t.Errorf("%s: %v", body, res)
		}
	}
	schema := s.ok("GET", "/collections/c", nil).(map[string]any)["payload_schema"]
	if got := mustJSON(t, schema); got != `{"group":{"data_type":"keyword","points":5},"n":{"data_type":"integer","points":5}}` {
		t.Errorf("schema: %s", got)
	}
	if got := mustJSON(t, s.ok("POST", "/collections/c/points/count", `{"filter":{"must":[{"key":"group","match":{"value":"odd"}}]}}`)); got != `{"count":3}` {
		t.Errorf("indexed count: %s", got)
	}
	s.ok("DELETE", "/collections/c/index/n?wait=true", nil)
	schema = s.ok("GET", "/collections/c", nil).(map[string]any)["payload_schema"]
	if got := mustJSON(t, schema); got != `{"group":{"data_type":"keyword","points":5}}` {
		t.Errorf("schema after delete: %s", got)
	}
	s.fails("PUT", "/collections/c/index", `{"field_name":"x"}`, 400, "Wrong input: field_schema is required")
}

func TestServer_Metrics(t *testing.T) {
	s := newServer(t, nil)
	seed(s)
	s.do("GET", "/collections/nope", nil)
	s.do("GET", "/random/path/1", nil)
	text := string(s.do("GET", "/metrics", nil).raw)
	for _, want := range []string{
		`amber_http_requests_total{code="200",method="PUT",route="PUT /collections/{c}/points"} 1`,
		`amber_http_requests_total{code="404",method="GET",route="GET /collections/{c}"} 1`,
		`amber_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`amber_http_request_duration_seconds_count{route="PUT /collections/{c}"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
