package e2e

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
)

// --- helpers shared by the snapshot tests ---

// snapInfo is Qdrant's SnapshotDescription.
type snapInfo struct {
	Name         string  `json:"name"`
	CreationTime *string `json:"creation_time"`
	Size         int64   `json:"size"`
	Checksum     string  `json:"checksum"`
}

// snapDir is the server's snapshots folder (the default, <data>/snapshots).
func snapDir(s *server) string { return filepath.Join(s.Dir, "snapshots") }

func snapFileURL(path string) string { return (&url.URL{Scheme: "file", Path: path}).String() }

func snapCreate(t testing.TB, s *server, collection string) snapInfo {
	t.Helper()
	var info snapInfo
	s.mustResult(t, http.MethodPost, "/collections/"+collection+"/snapshots?wait=true", nil, &info)
	return info
}

func snapCreateFull(t testing.TB, s *server) snapInfo {
	t.Helper()
	var info snapInfo
	s.mustResult(t, http.MethodPost, "/snapshots?wait=true", nil, &info)
	return info
}

// snapList lists a collection's snapshots, or the full ones for "".
func snapList(t testing.TB, s *server, collection string) []snapInfo {
	t.Helper()
	path := "/snapshots"
	if collection != "" {
		path = "/collections/" + collection + "/snapshots"
	}
	var list []snapInfo
	s.mustResult(t, http.MethodGet, path, nil, &list)
	return list
}

// snapRecover sends PUT /collections/{c}/snapshots/recover and requires
// 200 with result true.
func snapRecover(t testing.TB, s *server, collection string, body map[string]any) {
	t.Helper()
	var ok bool
	s.mustResult(t, http.MethodPut, "/collections/"+collection+"/snapshots/recover?wait=true", body, &ok)
	if !ok {
		t.Fatalf("recover %s from %v: result false", collection, body["location"])
	}
}

// snapGet sends a GET with extra headers and returns the raw response.
func (s *server) snapGet(t testing.TB, path string, h http.Header) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", path, err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// snapTarEntries reads every entry of a tar archive, bodies included, and
// returns the names; any read error fails the test.
func snapTarEntries(t testing.TB, archive []byte) []string {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(archive))
	var names []string
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatalf("read tar entry %d: %v", len(names), err)
		}
		n, err := io.Copy(io.Discard, tr)
		if err != nil || n != hdr.Size {
			t.Fatalf("read tar entry %q: %d of %d bytes: %v", hdr.Name, n, hdr.Size, err)
		}
		names = append(names, hdr.Name)
	}
}

func snapSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func snapSHA256File(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatalf("hash %s: %v", path, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// snapSidecar returns the content of <snapshot>.checksum, which must be 64
// lowercase hex digits and nothing else.
func snapSidecar(t testing.TB, snapshotPath string) string {
	t.Helper()
	b, err := os.ReadFile(snapshotPath + ".checksum")
	if err != nil {
		t.Fatalf("sidecar: %v", err)
	}
	if !snapIsHex64(string(b)) {
		t.Errorf("%s.checksum = %q, want 64 lowercase hex digits and no newline", snapshotPath, b)
	}
	return string(b)
}

var snapHex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

func snapIsHex64(s string) bool { return snapHex64.MatchString(s) }

func snapReadFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func snapWriteFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// snapCLI runs the amber binary with args and returns its exit code and
// combined output.
func snapCLI(t testing.TB, args ...string) (int, string) {
	t.Helper()
	out, err := exec.Command(amberBin, args...).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	}
	t.Fatalf("run amber %q: %v", args, err)
	return -1, ""
}

func snapVector(rng *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(math.Round((rng.Float64()*2-1)*1e4) / 1e4)
	}
	return v
}

// snapHit is one hit of a query.
type snapHit struct {
	ID      json.Number    `json:"id"`
	Score   float64        `json:"score"`
	Payload map[string]any `json:"payload"`
}

func snapQuery(t testing.TB, s *server, collection string, vector []float32, limit int) []snapHit {
	t.Helper()
	var res struct {
		Points []snapHit `json:"points"`
	}
	s.mustResult(t, http.MethodPost, "/collections/"+collection+"/points/query",
		map[string]any{"query": vector, "limit": limit, "with_payload": true}, &res)
	return res.Points
}

func snapRunQueries(t testing.TB, s *server, collection string, queries [][]float32) [][]snapHit {
	t.Helper()
	out := make([][]snapHit, len(queries))
	for i, q := range queries {
		out[i] = snapQuery(t, s, collection, q, 10)
	}
	return out
}

// snapDiffResults describes how two query results differ ("" if they agree:
// same ids in the same order, scores within 1e-6, equal payloads).
func snapDiffResults(want, got []snapHit) string {
	if len(want) != len(got) {
		return fmt.Sprintf("%d hits, want %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		switch {
		case w.ID != g.ID:
			return fmt.Sprintf("hit %d is id %s, want %s", i, g.ID, w.ID)
		case math.Abs(w.Score-g.Score) > 1e-6:
			return fmt.Sprintf("hit %d (id %s) score %v, want %v", i, g.ID, g.Score, w.Score)
		case !reflect.DeepEqual(w.Payload, g.Payload):
			return fmt.Sprintf("hit %d (id %s) payload %v, want %v", i, g.ID, g.Payload, w.Payload)
		}
	}
	return ""
}

// snapPayload returns the payload of one point (GET /points/{id}).
func snapPayload(t testing.TB, s *server, collection string, id int) map[string]any {
	t.Helper()
	var p struct {
		Payload map[string]any `json:"payload"`
	}
	s.mustResult(t, http.MethodGet, fmt.Sprintf("/collections/%s/points/%d", collection, id), nil, &p)
	return p.Payload
}

// snapScrollAll returns every point of a collection as id → payload.
func snapScrollAll(t testing.TB, s *server, collection string) map[string]map[string]any {
	t.Helper()
	all := map[string]map[string]any{}
	var offset any
	for {
		body := map[string]any{"limit": 1000, "with_payload": true, "with_vector": false}
		if offset != nil {
			body["offset"] = offset
		}
		var page struct {
			Points []struct {
				ID      json.Number    `json:"id"`
				Payload map[string]any `json:"payload"`
			} `json:"points"`
			Next any `json:"next_page_offset"`
		}
		s.mustResult(t, http.MethodPost, "/collections/"+collection+"/points/scroll", body, &page)
		for _, p := range page.Points {
			all[p.ID.String()] = p.Payload
		}
		if page.Next == nil {
			return all
		}
		offset = page.Next
	}
}
