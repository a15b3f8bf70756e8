package snapshot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// clock is a settable fixed clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func newClock(t time.Time) *clock    { return &clock{t: t} }
func (c *clock) add(d time.Duration) { c.set(c.now().Add(d)) }

func openTestStore(t *testing.T, c *clock) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := OpenStore(dir, c.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, s.Dir()
}

// writeArchive returns a Create write function producing a small archive.
func writeArchive(tag string) func(io.Writer) error {
	return func(w io.Writer) error {
		sw := NewWriter(w, KindCollection)
		if err := sw.AddBytes("data/"+tag, bytes.Repeat([]byte(tag), 1000)); err != nil {
			return err
		}
		return sw.Close(Manifest{Created: testTime, Collection: "articles"})
	}
}

func TestStore_Create(t *testing.T) {
	s, dir := openTestStore(t, newClock(testTime))
	info, err := s.Create(t.Context(), "articles", "articles-3135495265650334", writeArchive("a"))
	if err != nil {
		t.Fatal(err)
	}
	const name = "articles-3135495265650334-2026-05-26-15-54-12.snapshot"
	if info.Name != name || *info.CreationTime != "2026-05-26T15:54:12" {
		t.Errorf("info = %+v", info)
	}

	// The stored file, Info and the sidecar agree.
	path := filepath.Join(dir, "articles", name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sidecar, err := os.ReadFile(path + ".checksum")
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha(b); info.Checksum != sum || string(sidecar) != sum || info.Size != int64(len(b)) {
		t.Errorf("sha256 %s, size %d; info %+v; sidecar %q", sum, len(b), info, sidecar)
	}
	if m, err := Verify(bytes.NewReader(b), Limits{}); err != nil || m.Collection != "articles" {
		t.Errorf("Verify = %+v, %v", m, err)
	}
	if fi, _ := os.Stat(path); !fi.ModTime().Equal(testTime) {
		t.Errorf("mtime = %v, want %v", fi.ModTime(), testTime)
	}
	if got := tree(t, dir); !slices.Equal(got, []string{"articles", "articles/" + name, "articles/" + name + ".checksum", "tmp"}) {
		t.Errorf("tree = %q", got)
	}

	// JSON as Qdrant's SnapshotDescription.
	j, _ := json.Marshal(info)
	want := `{"name":"` + name + `","creation_time":"2026-05-26T15:54:12","size":` + itoa(info.Size) + `,"checksum":"` + info.Checksum + `"}`
	if string(j) != want {
		t.Errorf("json = %s\nwant   %s", j, want)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestStore_Create_SameSecond(t *testing.T) {
	s, dir := openTestStore(t, newClock(testTime))
	var infos []Info
	for _, tag := range []string{"a", "b", "c"} {
		info, err := s.Create(t.Context(), "", "full-snapshot", writeArchive(tag))
		if err != nil {
			t.Fatal(err)
		}
		infos = append(infos, info)
	}
	wantNames := []string{
		"full-snapshot-2026-05-26-15-54-12.snapshot",
		"full-snapshot-2026-05-26-15-54-12-2.snapshot",
		"full-snapshot-2026-05-26-15-54-12-3.snapshot",
	}
	list, err := s.List("")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("listed %d, want 3: %+v", len(list), list)
	}
	for i, in := range list {
		b, err := os.ReadFile(filepath.Join(dir, in.Name))
		if err != nil {
			t.Fatal(err)
		}
		if in.Name != wantNames[i] || in.Checksum != sha(b) || in.Checksum != infos[i].Checksum {
			t.Errorf("list[%d] = %+v, want %s with sha256 %s", i, in, wantNames[i], sha(b))
		}
	}
	if list[0].Checksum == list[1].Checksum {
		t.Error("the second snapshot overwrote the first")
	}
}

func TestStore_Create_Concurrent(t *testing.T) {
	s, _ := openTestStore(t, newClock(testTime))
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.Create(t.Context(), "c", "c-1", writeArchive(string(rune('a'+i))))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	list, err := s.List("c")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n {
		t.Fatalf("listed %d, want %d", len(list), n)
	}
}

func TestStore_Create_Errors(t *testing.T) {
	t.Run("ErrWrite", func(t *testing.T) {
		s, dir := openTestStore(t, newClock(testTime))
		boom := errors.New("boom")
		_, err := s.Create(t.Context(), "c", "c-1", func(w io.Writer) error {
			w.Write(make([]byte, 3<<20))
			// Mid-write, nothing is visible in the folder; the bytes are in tmp/.
			if l, _ := s.List("c"); len(l) != 0 {
				t.Errorf("listed while writing: %+v", l)
			}
			if got := tree(t, filepath.Join(dir, "tmp")); len(got) != 1 {
				t.Errorf("tmp = %q, want one temp file", got)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
		if got := tree(t, dir); !slices.Equal(got, []string{"c", "tmp"}) {
			t.Errorf("left behind %q", got)
		}
	})

	t.Run("ErrSidecar", func(t *testing.T) {
		s, dir := openTestStore(t, newClock(testTime))
		failed := errors.New("disk full")
		beforeSidecar = func(folder, name string) error {
			// A crash here would leave a complete snapshot, no partial one.
			b, err := os.ReadFile(filepath.Join(folder, name))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Verify(bytes.NewReader(b), Limits{}); err != nil {
				t.Errorf("placed snapshot is not complete: %v", err)
			}
			return failed
		}
		t.Cleanup(func() { beforeSidecar = func(string, string) error { return nil } })
		if _, err := s.Create(t.Context(), "c", "c-1", writeArchive("a")); !errors.Is(err, failed) {
			t.Fatalf("err = %v, want the sidecar failure", err)
		}
		if got := tree(t, dir); !slices.Equal(got, []string{"c", "tmp"}) {
			t.Errorf("left behind %q", got)
		}
	})

	t.Run("ErrCanceled", func(t *testing.T) {
		s, dir := openTestStore(t, newClock(testTime))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := s.Create(ctx, "", "full-snapshot", writeArchive("a")); err == nil {
			t.Fatal("Create with a cancelled context succeeded")
		}
		if got := tree(t, dir); !slices.Equal(got, []string{"tmp"}) {
			t.Errorf("left behind %q", got)
		}
	})

	t.Run("ErrInvalidName", func(t *testing.T) {
		s, _ := openTestStore(t, newClock(testTime))
		for _, tc := range [][2]string{{"tmp", "x"}, {"tmp/a", "x"}, {"../up", "x"}, {"/abs", "x"}, {"c", "a/b"}, {"c", ".."}, {"c", ""}} {
			if _, err := s.Create(t.Context(), tc[0], tc[1], writeArchive("a")); !errors.Is(err, ErrInvalidName) {
				t.Errorf("Create(%q, %q) = %v, want ErrInvalidName", tc[0], tc[1], err)
			}
		}
	})
}

// TestOpenStore_WipesTmp simulates a crash: leftovers in tmp/ (an archive
// being spooled, a sidecar temp, a recovery scratch dir) are never listed
// and are wiped at the next open.
func TestOpenStore_WipesTmp(t *testing.T) {
	dir := t.TempDir()
	c := newClock(testTime)
	s, err := OpenStore(dir, c.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	tmp := s.TempDir()
	for _, p := range []string{"full-snapshot-123.tmp", "x.snapshot", "sidecar-9.tmp"} {
		if err := os.WriteFile(filepath.Join(tmp, p), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(tmp, "recover-1", "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"", "x"} {
		if l, err := s.List(sub); err != nil || len(l) != 0 {
			t.Errorf("List(%q) = %+v, %v", sub, l, err)
		}
	}
	var logs bytes.Buffer
	if _, err := OpenStore(dir, c.now, newTestLogger(&logs)); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, tmp); len(got) != 0 {
		t.Errorf("tmp after reopen = %q", got)
	}
	if !bytes.Contains(logs.Bytes(), []byte("count=4")) {
		t.Errorf("log = %q, want count=4", logs.String())
	}
}

func TestStore_List(t *testing.T) {
	c := newClock(testTime)
	s, dir := openTestStore(t, c)
	if _, err := s.Create(t.Context(), "", "full-snapshot", writeArchive("a")); err != nil {
		t.Fatal(err)
	}
	c.add(-time.Hour) // an older one created later sorts first
	if _, err := s.Create(t.Context(), "", "full-snapshot", writeArchive("b")); err != nil {
		t.Fatal(err)
	}
	// Noise: non-.snapshot files, a directory and a symlink named .snapshot,
	// a collection folder, tmp/ content, and a snapshot without sidecar.
	must(t, os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "orphan.snapshot.checksum"), []byte(sha(nil)), 0o644))
	must(t, os.Mkdir(filepath.Join(dir, "dir.snapshot"), 0o755))
	must(t, os.Symlink("/etc/hostname", filepath.Join(dir, "link.snapshot")))
	must(t, os.WriteFile(filepath.Join(dir, "tmp", "y.snapshot"), nil, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "bare.snapshot"), []byte("x"), 0o644))
	must(t, os.Chtimes(filepath.Join(dir, "bare.snapshot"), testTime.Add(time.Hour), testTime.Add(time.Hour)))
	if _, err := s.Create(t.Context(), "articles", "articles-1", writeArchive("c")); err != nil {
		t.Fatal(err)
	}

	list, err := s.List("")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range list {
		got = append(got, in.Name+" "+*in.CreationTime+" "+in.Checksum)
	}
	a, _ := ReadChecksum(filepath.Join(dir, "full-snapshot-2026-05-26-15-54-12.snapshot"))
	b, _ := ReadChecksum(filepath.Join(dir, "full-snapshot-2026-05-26-14-54-12.snapshot"))
	want := []string{
		"full-snapshot-2026-05-26-14-54-12.snapshot 2026-05-26T14:54:12 " + b,
		"full-snapshot-2026-05-26-15-54-12.snapshot 2026-05-26T15:54:12 " + a,
		"bare.snapshot 2026-05-26T16:54:12 ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("List = %q\nwant %q", got, want)
	}
	if j, _ := json.Marshal(list[2]); bytes.Contains(j, []byte("checksum")) {
		t.Errorf("checksum not omitted: %s", j)
	}
	if l, err := s.List("missing"); err != nil || l == nil || len(l) != 0 {
		t.Errorf("List(missing) = %#v, %v; want an empty list", l, err)
	}
	if _, err := s.List("tmp"); !errors.Is(err, ErrInvalidName) {
		t.Errorf("List(tmp) = %v, want ErrInvalidName", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestReadChecksum(t *testing.T) {
	dir := t.TempDir()
	sum := sha([]byte("x"))
	for content, ok := range map[string]bool{sum: true, sum + "\n": true, " " + sum + " ": true, "ABCDEF" + sum[6:]: true,
		sum[:63]: false, sum + "0": false, "zz" + sum[2:]: false, "": false} {
		p := filepath.Join(dir, "x.snapshot")
		must(t, os.WriteFile(p+".checksum", []byte(content), 0o644))
		got, err := ReadChecksum(p)
		if ok != (err == nil) || (ok && len(got) != 64) {
			t.Errorf("ReadChecksum(%q) = %q, %v", content, got, err)
		}
		if !ok && !errors.Is(err, ErrChecksum) {
			t.Errorf("ReadChecksum(%q) = %v, want ErrChecksum", content, err)
		}
	}
	if _, err := ReadChecksum(filepath.Join(dir, "none.snapshot")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing sidecar: %v", err)
	}
}

// TestOpenStore_CompletesSidecar: a crash after placing a snapshot and
// before its sidecar leaves a complete file without one; reopening the
// store writes it, so every listed snapshot has its checksum.
func TestOpenStore_CompletesSidecar(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Create(context.Background(), "c", "c-1", func(w io.Writer) error {
		_, err := w.Write([]byte("pretend archive"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sidecar := filepath.Join(dir, "c", info.Name+SidecarExt)
	if err := os.Remove(sidecar); err != nil {
		t.Fatal(err)
	}
	s2, err := OpenStore(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := s2.List("c")
	if len(list) != 1 || list[0].Checksum != info.Checksum {
		t.Fatalf("after reopen: %+v, want %s with checksum %s", list, info.Name, info.Checksum)
	}
}
