package snapshot

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriter_RoundTrip(t *testing.T) {
	data := goodArchive(t)
	r := NewReader(bytes.NewReader(data), Limits{})
	var i int
	for {
		name, size, body, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		if want := testFiles[i]; name != want.name || size != int64(len(want.body)) || !bytes.Equal(b, want.body) {
			t.Errorf("entry %d = %q (%d bytes), want %q (%d bytes)", i, name, size, want.name, len(want.body))
		}
		i++
	}
	if i != len(testFiles) {
		t.Fatalf("read %d entries, want %d", i, len(testFiles))
	}
	if r.Kind() != KindCollection {
		t.Errorf("Kind() = %q", r.Kind())
	}
	m, err := r.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.Format != FormatName || m.Version != 1 || m.Kind != KindCollection || !m.Created.Equal(testTime) ||
		m.Collection != "articles" || m.PointCount != 42 || m.Extra["engine"] != "amber" {
		t.Errorf("manifest = %+v", m)
	}
	for i, f := range m.Files {
		if f.Name != testFiles[i].name || f.Size != int64(len(testFiles[i].body)) || f.SHA256 != sha(testFiles[i].body) {
			t.Errorf("manifest file %d = %+v", i, f)
		}
	}
	// Next keeps returning io.EOF.
	if _, _, _, err := r.Next(); err != io.EOF {
		t.Errorf("Next after EOF = %v", err)
	}
}

// TestWriter_Tools checks that standard tools see a plain tar archive.
func TestWriter_Tools(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.snapshot")
	if err := os.WriteFile(path, goodArchive(t), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("tar", func(t *testing.T) {
		if _, err := exec.LookPath("tar"); err != nil {
			t.Skip("no tar")
		}
		out, err := exec.Command("tar", "-tvf", path).CombinedOutput()
		if err != nil {
			t.Fatalf("tar -tvf: %v\n%s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		want := []string{VersionEntry, "config.json", "payload_index.json", "data/points.bin", "index/hnsw/graph.bin", ManifestEntry}
		if len(lines) != len(want) {
			t.Fatalf("tar -tvf listed %d entries, want %d:\n%s", len(lines), len(want), out)
		}
		for i, w := range want {
			if !strings.HasSuffix(lines[i], " "+w) || !strings.HasPrefix(lines[i], "-rw-r--r--") {
				t.Errorf("line %d = %q, want a regular file %s", i, lines[i], w)
			}
		}
	})
	t.Run("file", func(t *testing.T) {
		if _, err := exec.LookPath("file"); err != nil {
			t.Skip("no file")
		}
		out, err := exec.Command("file", path).CombinedOutput()
		if err != nil {
			t.Fatalf("file: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "tar archive") {
			t.Errorf("file says %q, want a tar archive", out)
		}
	})
}

func TestWriter_LongName(t *testing.T) {
	long := strings.Repeat("d/", 60) + strings.Repeat("n", 200) // needs PAX
	var buf bytes.Buffer
	w := NewWriter(&buf, KindFull)
	if err := w.AddBytes(long, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(Manifest{Created: testTime}); err != nil {
		t.Fatal(err)
	}
	m, err := Verify(&buf, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != KindFull || len(m.Files) != 1 || m.Files[0].Name != long {
		t.Errorf("manifest = %+v", m)
	}
}

func TestWriter_Add(t *testing.T) {
	t.Run("ErrShortWrite", func(t *testing.T) {
		w := NewWriter(io.Discard, KindCollection)
		err := w.Add("a", 10, func(out io.Writer) error { _, err := out.Write([]byte("12345")); return err })
		if err == nil || !strings.Contains(err.Error(), "wrote 5 bytes, declared 10") {
			t.Fatalf("err = %v", err)
		}
		if err2 := w.AddBytes("b", nil); err2 == nil || err2.Error() != err.Error() {
			t.Errorf("error is not sticky: %v", err2)
		}
		if err := w.Close(Manifest{Created: testTime}); err == nil {
			t.Error("Close after a failed Add succeeded")
		}
	})
	t.Run("ErrLongWrite", func(t *testing.T) {
		w := NewWriter(io.Discard, KindCollection)
		err := w.Add("a", 3, func(out io.Writer) error {
			out.Write([]byte("123")) // the error of the next write is ignored
			out.Write([]byte("4"))
			return nil
		})
		if err == nil {
			t.Fatal("a write past the declared size was accepted")
		}
	})
	t.Run("ErrWriteFunc", func(t *testing.T) {
		boom := errors.New("boom")
		w := NewWriter(io.Discard, KindCollection)
		if err := w.Add("a", 1, func(io.Writer) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
	})
	t.Run("ErrName", func(t *testing.T) {
		for _, name := range []string{"", "/abs", "../x", "a/../../x", "a//b", "a/", "./a", `a\b`, "a\x00b",
			"a\nb", "\xff", VersionEntry, ManifestEntry, strings.Repeat("n", 256)} {
			w := NewWriter(io.Discard, KindCollection)
			if err := w.AddBytes(name, nil); err == nil {
				t.Errorf("AddBytes(%q) succeeded", name)
			}
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		for _, pair := range [][2]string{{"a", "a"}, {"a", "a/b"}, {"a/b", "a"}, {"a/b/c", "a/b"}} {
			w := NewWriter(io.Discard, KindCollection)
			if err := w.AddBytes(pair[0], nil); err != nil {
				t.Fatal(err)
			}
			if err := w.AddBytes(pair[1], nil); err == nil {
				t.Errorf("adding %q after %q succeeded", pair[1], pair[0])
			}
		}
	})
	t.Run("ErrKind", func(t *testing.T) {
		if err := NewWriter(io.Discard, "shard").AddBytes("a", nil); err == nil {
			t.Error("invalid kind accepted")
		}
		if err := NewWriter(io.Discard, KindFull).Close(Manifest{Kind: KindCollection, Created: testTime}); err == nil {
			t.Error("manifest kind mismatch accepted")
		}
		if err := NewWriter(io.Discard, KindFull).Close(Manifest{}); err == nil {
			t.Error("zero created time accepted")
		}
	})
}

func TestWriter_Reproducible(t *testing.T) {
	if a, b := goodArchive(t), goodArchive(t); !bytes.Equal(a, b) {
		t.Error("equal content gave different archives")
	}
}
