package api_test

import "testing"

func TestScratch(t *testing.T) {
	s := newServer(t, nil)
	seed(s)
	for _, r := range []struct{ m, p, b string }{
		{"GET", "/", ""},
		{"GET", "/collections/c", ""},
		{"GET", "/telemetry", ""},
		{"GET", "/cluster", ""},
		{"GET", "/healthz", ""},
		{"POST", "/collections/c/points/count", `{"limit":`},
		{"GET", "/collections/c/points/abc", ""},
		{"PUT", "/collections/c/points", `{"points":[{"id":-1,"vector":[1,2,3,4]}]}`},
		{"POST", "/collections/c/points", `{"ids":["zz"]}`},
		{"PUT", "/collections/..%2Fx", `{}`},
		{"POST", "/collections/c/points/count", `{"filter":{"must":[{"key":"n"}]}}`},
		{"POST", "/collections/c/snapshots", `{}`},
		{"GET", "/collections/c/snapshots", ``},
		{"POST", "/collections/c/snapshots?wait=false", `{}`},
		{"POST", "/collections/c/exists", `{}`},
		{"GET", "/nope", ``},
		{"PUT", "/collections/c/index", `{"field_name":"group","field_schema":{"type":"keyword","is_tenant":true}}`},
		{"GET", "/collections/c", ""},
		{"POST", "/collections/aliases", `{"actions":[{"create_alias":{"collection_name":"c","alias_name":"al"}}]}`},
		{"GET", "/aliases", ""},
		{"POST", "/collections/al/points/count", `{}`},
		{"GET", "/collections/al/aliases", ""},
		{"DELETE", "/collections/al", ""},
		{"PATCH", "/collections/c", `{"optimizers_config":{"indexing_threshold":0}}`},
	} {
		var body any
		if r.b != "" {
			body = r.b
		}
		res := s.do(r.m, r.p, body)
		t.Logf("%s %s -> %d %s %s", r.m, r.p, res.status, res.header.Get("Content-Type"), res.raw)
	}
	res := s.do("GET", "/metrics", nil)
	t.Logf("%s", res.raw)
}
