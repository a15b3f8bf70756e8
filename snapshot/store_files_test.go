package snapshot

import (
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func newTestLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func TestStore_OpenDeletePath(t *testing.T) {
	s, dir := openTestStore(t, newClock(testTime))
	info, err := s.Create(t.Context(), "articles", "articles-1", writeArchive("a"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("OK", func(t *testing.T) {
		f, got, err := s.Open("articles", info.Name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		if sha(b) != info.Checksum || got.Checksum != info.Checksum || got.Size != info.Size || *got.CreationTime != *info.CreationTime {
			t.Errorf("Open info = %+v, want %+v", got, info)
		}
		p, err := s.Path("articles", info.Name)
		if err != nil || p != filepath.Join(dir, "articles", info.Name) {
			t.Errorf("Path = %q, %v", p, err)
		}
	})

	t.Run("ErrInvalidName", func(t *testing.T) {
		must(t, os.WriteFile(filepath.Join(dir, "top.snapshot"), nil, 0o644))
		for _, name := range []string{"../top.snapshot", "..", "a/b.snapshot", `a\b.snapshot`, "x.tar", "", ".snapshot",
			info.Name + ".checksum", strings.Repeat("x", 250) + ".snapshot"} {
			if _, _, err := s.Open("articles", name); !errors.Is(err, ErrInvalidName) {
				t.Errorf("Open(%q) = %v, want ErrInvalidName", name, err)
			}
			if err := s.Delete("articles", name); !errors.Is(err, ErrInvalidName) {
				t.Errorf("Delete(%q) = %v, want ErrInvalidName", name, err)
			}
		}
		for _, sub := range []string{"..", "tmp", "a/../..", "/etc"} {
			if _, err := s.Path(sub, info.Name); !errors.Is(err, ErrInvalidName) {
				t.Errorf("Path(%q, ...) = %v, want ErrInvalidName", sub, err)
			}
		}
	})

	t.Run("ErrNotExist", func(t *testing.T) {
		must(t, os.Symlink(filepath.Join(dir, "articles", info.Name), filepath.Join(dir, "articles", "link.snapshot")))
		for _, tc := range [][2]string{{"articles", "nope.snapshot"}, {"missing", info.Name}, {"articles", "link.snapshot"}} {
			_, _, err := s.Open(tc[0], tc[1])
			if !errors.Is(err, ErrNotExist) || !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Open(%q, %q) = %v, want ErrNotExist", tc[0], tc[1], err)
			}
			if err := s.Delete(tc[0], tc[1]); !errors.Is(err, ErrNotExist) {
				t.Errorf("Delete(%q, %q) = %v, want ErrNotExist", tc[0], tc[1], err)
			}
		}
	})

	t.Run("Delete", func(t *testing.T) {
		if err := s.Delete("articles", info.Name); err != nil {
			t.Fatal(err)
		}
		if got := tree(t, filepath.Join(dir, "articles")); !slices.Equal(got, []string{"link.snapshot"}) {
			t.Errorf("left %q", got)
		}
	})
}

func TestStore_Keep(t *testing.T) {
	c := newClock(testTime)
	s, dir := openTestStore(t, c)
	var names []string
	for i := range 5 {
		info, err := s.Create(t.Context(), "c", "c-1", writeArchive("x"))
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, info.Name)
		if i != 2 { // two in the same second: "-2" is the newer
			c.add(time.Minute)
		}
	}
	if _, err := s.Create(t.Context(), "other", "other-1", writeArchive("o")); err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "tmp", "busy.tmp"), nil, 0o644))

	removed, err := s.Keep("c", 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, names[:3]) {
		t.Errorf("removed %q, want %q", removed, names[:3])
	}
	want := []string{names[3], names[3] + ".checksum", names[4], names[4] + ".checksum"}
	if got := tree(t, filepath.Join(dir, "c")); !slices.Equal(got, want) {
		t.Errorf("c = %q, want %q", got, want)
	}
	if l, _ := s.List("other"); len(l) != 1 {
		t.Error("Keep touched another folder")
	}
	if got := tree(t, filepath.Join(dir, "tmp")); !slices.Equal(got, []string{"busy.tmp"}) {
		t.Errorf("Keep touched tmp/: %q", got)
	}
	if removed, err := s.Keep("c", 5); err != nil || len(removed) != 0 {
		t.Errorf("Keep(5) = %q, %v", removed, err)
	}
	if _, err := s.Keep("c", -1); err == nil {
		t.Error("Keep(-1) succeeded")
	}
	if removed, err := s.Keep("c", 0); err != nil || len(removed) != 2 {
		t.Errorf("Keep(0) = %q, %v", removed, err)
	}
}

func TestStore_Resolve(t *testing.T) {
	s, dir := openTestStore(t, newClock(testTime))
	info, err := s.Create(t.Context(), "articles", "articles-1", writeArchive("a"))
	if err != nil {
		t.Fatal(err)
	}
	inside := filepath.Join(dir, "articles", info.Name)
	outsideDir := t.TempDir()
	outside := filepath.Join(outsideDir, "x.snapshot")
	must(t, os.WriteFile(outside, nil, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "tmp", "t.snapshot"), nil, 0o644))
	must(t, os.Symlink(outside, filepath.Join(dir, "articles", "out.snapshot")))
	must(t, os.Symlink(inside, filepath.Join(dir, "articles", "in.snapshot")))
	must(t, os.Symlink(outsideDir, filepath.Join(dir, "escape")))
	alias := filepath.Join(t.TempDir(), "alias")
	must(t, os.Symlink(dir, alias))

	t.Run("OK", func(t *testing.T) {
		for _, p := range []string{inside, filepath.Join(alias, "articles", info.Name), filepath.Join(dir, "articles", "..", "articles", info.Name)} {
			if got, err := s.Resolve(p); err != nil || got != inside {
				t.Errorf("Resolve(%q) = %q, %v", p, got, err)
			}
		}
	})
	t.Run("ErrOutsideStore", func(t *testing.T) {
		for _, p := range []string{
			filepath.Join(dir, "..", filepath.Base(outsideDir), "x.snapshot"),
			filepath.Join(dir, "articles", "..", "..", filepath.Base(outsideDir), "x.snapshot"),
			outside,
			filepath.Join(dir, "articles", "out.snapshot"), // symlink pointing outside
			filepath.Join(dir, "articles", "in.snapshot"),  // symlink, even pointing inside
			filepath.Join(dir, "escape", "x.snapshot"),     // symlinked parent leading outside
			filepath.Join(dir, "tmp", "t.snapshot"),
			filepath.Join(dir, "articles"),
			dir,
		} {
			if _, err := s.Resolve(p); !errors.Is(err, ErrOutsideStore) {
				t.Errorf("Resolve(%q) = %v, want ErrOutsideStore", p, err)
			}
		}
	})
	t.Run("ErrNotExist", func(t *testing.T) {
		if _, err := s.Resolve(filepath.Join(dir, "articles", "nope.snapshot")); !errors.Is(err, ErrNotExist) {
			t.Errorf("err = %v, want ErrNotExist", err)
		}
	})
}

func TestStore_ImportAdopt(t *testing.T) {
	c := newClock(testTime)
	s, dir := openTestStore(t, c)
	body := strings.Repeat("upload", 1000)
	info, tmpPath, err := s.Import(t.Context(), "articles", "my.snapshot", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(tmpPath) != s.TempDir() || info.Name != "my.snapshot" || info.Size != int64(len(body)) || info.Checksum != sha([]byte(body)) {
		t.Fatalf("Import = %+v, %q", info, tmpPath)
	}
	if sum, err := HashFile(tmpPath); err != nil || sum != info.Checksum {
		t.Errorf("HashFile = %q, %v", sum, err)
	}
	if _, _, err := s.Import(t.Context(), "articles", "../x", strings.NewReader("")); !errors.Is(err, ErrInvalidName) {
		t.Errorf("Import(../x) = %v, want ErrInvalidName", err)
	}

	// Adopt places it with a sidecar; a second one with the same name is kept too.
	got, err := s.Adopt("articles", tmpPath, info.Name, info.Checksum)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "my.snapshot" || got.Checksum != info.Checksum {
		t.Errorf("Adopt = %+v", got)
	}
	info2, tmp2, err := s.Import(t.Context(), "articles", "my.snapshot", strings.NewReader("other"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Adopt("articles", tmp2, info2.Name, info2.Checksum); err != nil || got.Name != "my-2.snapshot" {
		t.Errorf("second Adopt = %+v, %v", got, err)
	}
	list, _ := s.List("articles")
	if len(list) != 2 || list[0].Checksum != info.Checksum || list[1].Checksum != info2.Checksum {
		t.Errorf("List = %+v", list)
	}
	if got := tree(t, filepath.Join(dir, "tmp")); len(got) != 0 {
		t.Errorf("tmp not emptied: %q", got)
	}
	if _, err := s.Adopt("articles", filepath.Join(dir, "articles", "my.snapshot"), "z.snapshot", info.Checksum); !errors.Is(err, ErrOutsideStore) {
		t.Errorf("Adopt from outside tmp/ = %v, want ErrOutsideStore", err)
	}
}
