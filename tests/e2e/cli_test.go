package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// amberCLI runs the amber binary with args and returns its stdout; a
// non-zero exit fails the test unless wantFail.
func amberCLI(t *testing.T, wantFail bool, args ...string) string {
	t.Helper()
	cmd := exec.Command(amberBin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if wantFail {
		if err == nil {
			t.Fatalf("amber %v succeeded, want failure; stdout:\n%s", args, out)
		}
		return stderr.String()
	}
	if err != nil {
		t.Fatalf("amber %v: %v\nstderr: %s", args, err, stderr.String())
	}
	return string(out)
}

// TestCLI_SnapshotLifecycle drives `amber snapshot` against the real server:
// create, list, download, verify, upload-recover, URL recover, delete.
func TestCLI_SnapshotLifecycle(t *testing.T) {
	s := startServer(t)
	createCollection(t, s, "docs", 4, "Dot")
	pts := make([]point, 50)
	for i := range pts {
		pts[i] = point{ID: i + 1, Vector: []float32{float32(i), 1, 2, 3}, Payload: map[string]any{"i": i}}
	}
	upsertPoints(t, s, "docs", pts)
	url := "--url=" + s.URL

	var info struct {
		Name     string `json:"name"`
		Size     int64  `json:"size"`
		Checksum string `json:"checksum"`
	}
	if err := json.Unmarshal([]byte(amberCLI(t, false, "snapshot", "create", "docs", url, "--json")), &info); err != nil {
		t.Fatal(err)
	}
	var list []struct {
		Name string `json:"name"`
	}
	json.Unmarshal([]byte(amberCLI(t, false, "snapshot", "list", "docs", url, "--json")), &list)
	if len(list) != 1 || list[0].Name != info.Name {
		t.Fatalf("list = %+v, want just %s", list, info.Name)
	}

	file := filepath.Join(t.TempDir(), "docs.snapshot")
	out := amberCLI(t, false, "snapshot", "download", "docs", info.Name, "-o", file, url)
	if !strings.Contains(out, info.Checksum) {
		t.Fatalf("download output %q does not show the checksum %s", out, info.Checksum)
	}
	if out := amberCLI(t, false, "snapshot", "verify", file, "--checksum", info.Checksum); !strings.Contains(out, "ok") {
		t.Fatalf("verify output: %q", out)
	}
	wrong := strings.Repeat("0", 64)
	if msg := amberCLI(t, true, "snapshot", "verify", file, "--checksum", wrong); !strings.Contains(msg, "checksum mismatch") {
		t.Fatalf("verify with a wrong checksum: %q", msg)
	}

	amberCLI(t, false, "snapshot", "recover", "docs_upload", "--file", file, "--checksum", info.Checksum, url)
	if n := count(t, s, "docs_upload", nil); n != 50 {
		t.Fatalf("docs_upload has %d points after upload-recover, want 50", n)
	}
	loc := s.URL + "/collections/docs/snapshots/" + info.Name
	amberCLI(t, false, "snapshot", "recover", "docs_url", "--location", loc, url)
	if n := count(t, s, "docs_url", nil); n != 50 {
		t.Fatalf("docs_url has %d points after URL recover, want 50", n)
	}

	amberCLI(t, false, "snapshot", "delete", "docs", info.Name, url)
	if _, err := os.Stat(filepath.Join(s.Dir, "snapshots", "docs", info.Name)); !os.IsNotExist(err) {
		t.Fatalf("snapshot file still there after delete: %v", err)
	}
	if msg := amberCLI(t, true, "snapshot", "delete", "docs", info.Name, url); !strings.Contains(msg, "not found") {
		t.Fatalf("second delete: %q", msg)
	}

	full := amberCLI(t, false, "snapshot", "create", "--full", url)
	if !strings.HasPrefix(full, "full-snapshot-") {
		t.Fatalf("full create output %q", full)
	}
}
