package snapshot

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestExtract(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "out")
		m, err := Extract(t.Context(), bytes.NewReader(goodArchive(t)), dir, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Files) != len(testFiles) || m.PointCount != 42 {
			t.Errorf("manifest = %+v", m)
		}
		for _, f := range testFiles {
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.name)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, f.body) {
				t.Errorf("%s: content differs", f.name)
			}
		}
		want := []string{"config.json", "data", "data/points.bin", "index", "index/hnsw", "index/hnsw/graph.bin", "payload_index.json"}
		if got := tree(t, dir); !slices.Equal(got, want) {
			t.Errorf("tree = %q, want %q (no metadata entries)", got, want)
		}
	})

	t.Run("ErrExists", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "payload_index.json"), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Extract(t.Context(), bytes.NewReader(goodArchive(t)), dir, Limits{}); err == nil {
			t.Fatal("Extract over an existing file succeeded")
		}
		if got := tree(t, dir); !slices.Equal(got, []string{"payload_index.json"}) {
			t.Errorf("left behind %q", got)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "payload_index.json")); string(b) != "mine" {
			t.Error("existing file was changed")
		}
	})

	t.Run("ErrSymlinkedParent", func(t *testing.T) {
		// A symlink planted in dir must not lead outside it.
		dir, outside := t.TempDir(), t.TempDir()
		if err := os.Symlink(outside, filepath.Join(dir, "data")); err != nil {
			t.Fatal(err)
		}
		if _, err := Extract(t.Context(), bytes.NewReader(goodArchive(t)), dir, Limits{}); err == nil {
			t.Fatal("Extract through a symlink succeeded")
		}
		if got := tree(t, outside); len(got) != 0 {
			t.Errorf("wrote outside dir: %q", got)
		}
		if got := tree(t, dir); !slices.Equal(got, []string{"data"}) {
			t.Errorf("left behind %q", got)
		}
	})

	t.Run("ErrCanceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		dir := filepath.Join(t.TempDir(), "out")
		if _, err := Extract(ctx, bytes.NewReader(goodArchive(t)), dir, Limits{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("dir left behind: %v", err)
		}
	})
}

// TestExtract_Hostile checks that every hostile archive is refused with the
// right sentinel and leaves nothing behind, in a new or an existing dir.
func TestExtract_Hostile(t *testing.T) {
	for _, tc := range hostileArchives(t) {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "new")
			if _, err := Extract(t.Context(), bytes.NewReader(tc.data), dir, tc.lim); !errors.Is(err, tc.want) {
				t.Fatalf("Extract = %v, want %v", err, tc.want)
			}
			if got := tree(t, parent); len(got) != 0 {
				t.Errorf("left behind %q", got)
			}

			existing := t.TempDir()
			if err := os.WriteFile(filepath.Join(existing, "keep"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Extract(t.Context(), bytes.NewReader(tc.data), existing, tc.lim); !errors.Is(err, tc.want) {
				t.Fatalf("Extract into existing dir = %v, want %v", err, tc.want)
			}
			if got := tree(t, existing); !slices.Equal(got, []string{"keep"}) {
				t.Errorf("left behind %q", got)
			}
		})
	}
}

func TestExtract_Truncated(t *testing.T) {
	data := goodArchive(t)
	end := manifestDataEnd(t, data)
	for _, off := range []int{0, 1, 511, 512, 1024, 1535, 1536, 1600, 2048, 3000, end - 300, end - 1} {
		dir := filepath.Join(t.TempDir(), "out")
		if _, err := Extract(t.Context(), bytes.NewReader(data[:off]), dir, Limits{}); !errors.Is(err, ErrTruncated) {
			t.Fatalf("cut at %d: err = %v, want ErrTruncated", off, err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("cut at %d: dir left behind", off)
		}
	}
}
