package node

import (
	"archive/tar"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/amberdb/amber"
	"github.com/amberdb/amber/engine"
)

func openTestNode(t *testing.T, mod func(*Options)) *Node {
	t.Helper()
	opts := Options{Engine: engine.DefaultOptions(t.TempDir()), AllowURLRecovery: true}
	if mod != nil {
		mod(&opts)
	}
	n, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(context.Background()) })
	return n
}

// A peer that a real server cannot imitate on demand: it answers, sends a
// few bytes, then goes silent, or sends more than allowed.
func TestNode_RecoverURLFaults(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/stall":
			w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case "/big-declared":
			w.Header().Set("Content-Length", "4096")
			w.Write([]byte(strings.Repeat("x", 4096)))
		case "/big-stream": // a tar whose first entry alone passes the limit
			w.(http.Flusher).Flush()
			tw := tar.NewWriter(w)
			tw.WriteHeader(&tar.Header{Name: "amber-snapshot.json", Mode: 0o644, Size: 4000})
			tw.Write([]byte(strings.Repeat(" ", 4000)))
			tw.Close()
		case "/missing":
			http.NotFound(w, r)
		}
	}))
	defer peer.Close()

	n := openTestNode(t, func(o *Options) { o.StallTimeout = 200 * time.Millisecond; o.MaxDownloadBytes = 1024 })
	ctx := context.Background()
	cfg := amber.CollectionConfig{Vectors: amber.VectorsConfig{"": {Size: 2, Distance: amber.Dot}}, HNSW: amber.DefaultHNSWConfig()}
	if err := n.DB.Create(ctx, "keep", cfg); err != nil {
		t.Fatal(err)
	}
	c, _ := n.DB.Collection("keep")
	c.Upsert(ctx, []amber.Point{{ID: amber.NumID(1), Vectors: amber.Vectors{"": {1, 2}}}}, true)

	for _, tc := range []struct{ path, want string }{
		{"/stall", "stalled"},
		{"/big-declared", "over the limit of 1024"},
		{"/big-stream", "limit of 1024 bytes"},
		{"/missing", "HTTP 404"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			err := n.Recover(ctx, "keep", RecoverRequest{Location: peer.URL + tc.path})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Recover(%s) = %v, want an error mentioning %q", tc.path, err, tc.want)
			}
			if got := c.Count(nil); got != 1 {
				t.Fatalf("collection has %d points after a failed recovery, want 1", got)
			}
		})
	}
	if err := n.Recover(ctx, "keep", RecoverRequest{Location: "s3://bucket/x.snapshot"}); amber.ErrorCodeOf(err) != amber.EBadRequest {
		t.Fatalf("s3 scheme: %v, want a 400", err)
	}
	n2 := openTestNode(t, func(o *Options) { o.AllowURLRecovery = false })
	if err := n2.Recover(ctx, "x", RecoverRequest{Location: peer.URL + "/big-declared"}); amber.ErrorCodeOf(err) != amber.EForbidden {
		t.Fatalf("URL recovery disabled: %v, want a 403", err)
	}
}
