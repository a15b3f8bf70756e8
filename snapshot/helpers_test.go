package snapshot

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

var testTime = time.Date(2026, 5, 26, 15, 54, 12, 0, time.UTC)

// testFiles are the entries of the archive most tests use.
var testFiles = []struct {
	name string
	body []byte
}{
	{"config.json", []byte(`{"params":{"vectors":{"size":4,"distance":"Cosine"}}}`)},
	{"payload_index.json", []byte(`{"schema":{"city":"keyword"}}`)},
	{"data/points.bin", bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7}, 300)},
	{"index/hnsw/graph.bin", []byte{}},
}

// goodArchive returns a valid collection archive of testFiles.
func goodArchive(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, KindCollection)
	for _, f := range testFiles {
		if err := w.AddBytes(f.name, f.body); err != nil {
			t.Fatal(err)
		}
	}
	m := Manifest{Created: testTime, Collection: "articles", PointCount: 42, Extra: map[string]any{"engine": "amber"}}
	if err := w.Close(m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// entry is one raw tar entry of a hand-built archive.
type entry struct {
	hdr  tar.Header
	body []byte
}

func reg(name string, body []byte) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(body)), Mode: 0o644}, body: body}
}

func versionEntry(kind Kind, version int) entry {
	b, _ := json.Marshal(versionInfo{Format: FormatName, Version: version, Kind: kind})
	return reg(VersionEntry, b)
}

// manifestEntry lists the given regular entries.
func manifestEntry(entries ...entry) entry {
	m := Manifest{Format: FormatName, Version: FormatVersion, Kind: KindCollection, Created: testTime, Files: []FileEntry{}}
	for _, e := range entries {
		sum := sha256.Sum256(e.body)
		m.Files = append(m.Files, FileEntry{Name: e.hdr.Name, Size: int64(len(e.body)), SHA256: hex.EncodeToString(sum[:])})
	}
	b, _ := json.Marshal(m)
	return reg(ManifestEntry, b)
}

// rawTar writes entries with archive/tar directly. An entry whose header
// size exceeds its body gets only its header, and the archive stops there.
func rawTar(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.hdr
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatalf("write header %q: %v", h.Name, err)
		}
		if h.Size > int64(len(e.body)) {
			return buf.Bytes()
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tree lists the files and directories under dir, as slash paths.
func tree(t testing.TB, dir string) []string {
	t.Helper()
	var got []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	sort.Strings(got)
	return got
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
