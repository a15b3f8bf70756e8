package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/amberdb/amber/api"
)

const (
	adminKey = "admin-key"
	readKey  = "read-key"
)

func TestServer_Auth(t *testing.T) {
	s := newServer(t, func(o *api.Options) { o.APIKey, o.ReadOnlyAPIKey = adminKey, readKey })
	s.key = adminKey
	seed(s)

	t.Run("OpenRoutes", func(t *testing.T) {
		s.t, s.key = t, ""
		for _, p := range []string{"/", "/healthz", "/livez", "/readyz"} {
			if res := s.do("GET", p, nil); res.status != http.StatusOK {
				t.Errorf("GET %s without a key: %d", p, res.status)
			}
		}
	})
	t.Run("Missing", func(t *testing.T) {
		s.t, s.key = t, ""
		for _, p := range []string{"/collections", "/metrics", "/telemetry"} {
			res := s.do("GET", p, nil)
			if res.status != http.StatusUnauthorized || !strings.HasPrefix(res.header.Get("Content-Type"), "text/plain") ||
				string(res.raw) != "Must provide an API key or an Authorization bearer token" {
				t.Errorf("GET %s: %d %q %q", p, res.status, res.header.Get("Content-Type"), res.raw)
			}
		}
	})
	t.Run("Wrong", func(t *testing.T) {
		s.t, s.key = t, "nope"
		res := s.do("GET", "/collections", nil)
		if res.status != http.StatusUnauthorized || string(res.raw) != "Invalid API key or JWT" {
			t.Errorf("wrong key: %d %q", res.status, res.raw)
		}
		s.key = ""
		res = s.do("GET", "/collections", nil, "Authorization", "Bearer "+adminKey+"x")
		if res.status != http.StatusUnauthorized {
			t.Errorf("wrong bearer: %d", res.status)
		}
	})
	t.Run("Bearer", func(t *testing.T) {
		s.t, s.key = t, ""
		if res := s.do("GET", "/collections", nil, "Authorization", "Bearer "+readKey); res.status != http.StatusOK {
			t.Errorf("bearer read key: %d %s", res.status, res.raw)
		}
	})
	t.Run("ReadOnly", func(t *testing.T) {
		s.t, s.key = t, readKey
		s.ok("POST", "/collections/c/points/scroll", `{}`)
		s.ok("POST", "/collections/c/points/count", `{}`)
		s.ok("POST", "/collections/c/points/query", `{"query":[1,0,0,0]}`)
		s.ok("POST", "/collections/c/points", `{"ids":[1]}`)
		s.ok("GET", "/collections/c", nil)
		s.ok("GET", "/collections/c/snapshots", nil)
		if res := s.do("GET", "/metrics", nil); res.status != http.StatusOK {
			t.Errorf("metrics with read key: %d", res.status)
		}
		s.fails("PUT", "/collections/c/points", `{"points":[{"id":9,"vector":[1,0,0,0]}]}`, 403, "Forbidden: Write access is required")
		s.fails("POST", "/collections/c/points/delete", `{"points":[1]}`, 403, "Forbidden: ")
		s.fails("PUT", "/collections/d", `{"vectors":{"size":4,"distance":"Dot"}}`, 403, "Forbidden: Global manage access is required")
		s.fails("DELETE", "/collections/c", nil, 403, "Forbidden: Global manage access is required")
		s.fails("POST", "/collections/c/snapshots", `{}`, 403, "Forbidden: Global manage access is required")
		s.fails("POST", "/collections/aliases", `{"actions":[]}`, 403, "Forbidden: ")
	})
	t.Run("UploadRefusedBeforeBody", func(t *testing.T) {
		s.t, s.key = t, readKey
		// The body is not multipart at all: a 403 proves access came first.
		s.fails("POST", "/collections/c/snapshots/upload", "not multipart", 403, "Forbidden: Global manage access is required")
	})
	s.t, s.key = t, adminKey
	if got := s.ok("POST", "/collections/c/points/count", `{}`); mustJSON(t, got) != `{"count":5}` {
		t.Errorf("read-only key wrote something: %v", got)
	}
	if got := s.ok("GET", "/collections/d/exists", nil); mustJSON(t, got) != `{"exists":false}` {
		t.Errorf("read-only key created a collection: %v", got)
	}
}

func TestServer_NoKeysConfigured(t *testing.T) {
	s := newServer(t, nil)
	s.ok("GET", "/collections", nil)
	s.createCollection("c", "Cosine")
}
