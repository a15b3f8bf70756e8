package snapshot

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// hostileArchive is a crafted archive and the error a Reader must give.
type hostileArchive struct {
	name string
	data []byte
	lim  Limits
	want error
	// in, if set, must appear in the error message (usually the entry name).
	in string
}

// hostileArchives are built with archive/tar directly. Each has a valid
// file before the bad part, so that Extract has something to clean up.
func hostileArchives(t testing.TB) []hostileArchive {
	good := reg("ok/first.bin", []byte("first"))
	v := versionEntry(KindCollection, 1)
	with := func(bad ...entry) []byte {
		es := append([]entry{v, good}, bad...)
		return rawTar(t, append(es, manifestEntry(good))...)
	}
	link := func(typ byte, name, target string) entry {
		return entry{hdr: tar.Header{Typeflag: typ, Name: name, Linkname: target, Mode: 0o777}}
	}
	valid := goodArchive(t)
	flipped := bytes.Clone(valid)
	flipped[3*512] ^= 0x01 // first data byte of config.json
	trailing := rawTar(t, v, good, manifestEntry(good), reg("late", []byte("x")))
	wrongKind := rawTar(t, versionEntry(KindFull, 1), good, manifestEntry(good)) // manifest says collection

	return []hostileArchive{
		{"absolute path", with(reg("/etc/passwd", []byte("x"))), Limits{}, ErrUnsafeEntry, `"/etc/passwd"`},
		{"dot dot", with(reg("../x", []byte("x"))), Limits{}, ErrUnsafeEntry, `"../x"`},
		{"dot dot inside", with(reg("a/../../x", []byte("x"))), Limits{}, ErrUnsafeEntry, `"a/../../x"`},
		{"dot", with(reg("./x", []byte("x"))), Limits{}, ErrUnsafeEntry, `"./x"`},
		{"backslash", with(reg(`..\x`, []byte("x"))), Limits{}, ErrUnsafeEntry, "backslash"},
		{"control char", with(reg("a\nb", []byte("x"))), Limits{}, ErrUnsafeEntry, "control"},
		{"symlink", with(link(tar.TypeSymlink, "ok/link", "/etc/passwd")), Limits{}, ErrUnsafeEntry, `"ok/link"`},
		{"hard link", with(link(tar.TypeLink, "ok/hard", "ok/first.bin")), Limits{}, ErrUnsafeEntry, "hard link"},
		{"char device", with(entry{hdr: tar.Header{Typeflag: tar.TypeChar, Name: "dev", Devmajor: 1, Devminor: 3}}), Limits{}, ErrUnsafeEntry, "character device"},
		{"fifo", with(entry{hdr: tar.Header{Typeflag: tar.TypeFifo, Name: "fifo"}}), Limits{}, ErrUnsafeEntry, "fifo"},
		{"directory", with(entry{hdr: tar.Header{Typeflag: tar.TypeDir, Name: "dir", Mode: 0o755}}), Limits{}, ErrUnsafeEntry, "directory"},
		{"directory slash", with(entry{hdr: tar.Header{Typeflag: tar.TypeDir, Name: "dir/", Mode: 0o755}}), Limits{}, ErrUnsafeEntry, `"dir/"`},
		{"oversize size field", with(reg("huge", nil), entry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: "huge2", Size: 2 << 40}}), Limits{}, ErrUnsafeEntry, `"huge2"`},
		{"over MaxEntrySize", with(reg("big", make([]byte, 100))), Limits{MaxEntrySize: 99}, ErrUnsafeEntry, `"big"`},
		{"over MaxEntries", with(reg("2", nil), reg("3", nil)), Limits{MaxEntries: 2}, ErrUnsafeEntry, "more than 2 entries"},
		{"manifest over MaxHeaderBytes", with(), Limits{MaxHeaderBytes: 100}, ErrUnsafeEntry, ManifestEntry},
		{"duplicate name", with(reg("ok/first.bin", []byte("again"))), Limits{}, ErrUnsafeEntry, "duplicate"},
		{"second version entry", with(v), Limits{}, ErrUnsafeEntry, "duplicate"},
		{"file then dir", with(reg("ok/first.bin/x", nil)), Limits{}, ErrUnsafeEntry, "parent directory"},
		{"missing manifest", rawTar(t, v, good), Limits{}, ErrTruncated, ManifestEntry},
		{"empty input", nil, Limits{}, ErrTruncated, "empty"},
		{"not a tar", bytes.Repeat([]byte("amber!"), 200), Limits{}, ErrFormat, "tar"},
		{"no version entry", rawTar(t, good, manifestEntry(good)), Limits{}, ErrFormat, `"ok/first.bin"`},
		{"version 2", rawTar(t, versionEntry(KindCollection, 2), good, manifestEntry(good)), Limits{}, ErrFormat, "version 2"},
		{"unknown kind", rawTar(t, versionEntry("shard", 1), good, manifestEntry(good)), Limits{}, ErrFormat, "shard"},
		{"entry after manifest", trailing, Limits{}, ErrFormat, "after"},
		{"bit flip in data", flipped, Limits{}, ErrManifest, `"config.json"`},
		{"unlisted file", with(reg("extra", []byte("x"))), Limits{}, ErrManifest, `"extra"`},
		{"listed but absent", rawTar(t, v, good, manifestEntry(good, reg("gone", []byte("x")))), Limits{}, ErrManifest, `"gone"`},
		{"manifest kind", wrongKind, Limits{}, ErrManifest, "kind"},
		{"manifest not JSON", rawTar(t, v, good, reg(ManifestEntry, []byte("{"))), Limits{}, ErrManifest, "decode"},
	}
}

func TestReader_Hostile(t *testing.T) {
	for _, tc := range hostileArchives(t) {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(bytes.NewReader(tc.data), tc.lim)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.in) {
				t.Errorf("error %q does not mention %q", err, tc.in)
			}
		})
	}
}

// TestReader_Truncated cuts a valid archive at every offset, the manifest's
// padding and the end-of-archive marker included (GNU tar refuses those
// too): each cut must be ErrTruncated, and only the whole file passes.
func TestReader_Truncated(t *testing.T) {
	data := goodArchive(t)
	for off := range len(data) {
		_, err := Verify(bytes.NewReader(data[:off]), Limits{})
		if !errors.Is(err, ErrTruncated) {
			t.Fatalf("cut at %d of %d: err = %v, want ErrTruncated", off, len(data), err)
		}
	}
	if _, err := Verify(bytes.NewReader(data), Limits{}); err != nil {
		t.Errorf("whole archive: %v", err)
	}
}

// manifestDataEnd returns the offset just after manifest.json's bytes.
func manifestDataEnd(t testing.TB, data []byte) int {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(data))
	var size int64
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		size = hdr.Size
	}
	pad := (512 - size%512) % 512
	return len(data) - 1024 - int(pad)
}

func TestReader_Next(t *testing.T) {
	t.Run("BodyAfterNext", func(t *testing.T) {
		r := NewReader(bytes.NewReader(goodArchive(t)), Limits{})
		_, _, body, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(body); err == nil {
			t.Error("reading a stale body succeeded")
		}
	})
	t.Run("ManifestBeforeEOF", func(t *testing.T) {
		r := NewReader(bytes.NewReader(goodArchive(t)), Limits{})
		if _, err := r.Manifest(); err == nil {
			t.Error("Manifest before EOF succeeded")
		}
	})
	t.Run("UnreadBodiesAreHashed", func(t *testing.T) {
		// Skipping bodies must not skip the check.
		for _, tc := range hostileArchives(t) {
			if tc.name != "bit flip in data" {
				continue
			}
			r := NewReader(bytes.NewReader(tc.data), Limits{})
			var err error
			for err == nil {
				_, _, _, err = r.Next()
			}
			if !errors.Is(err, ErrManifest) {
				t.Errorf("err = %v, want ErrManifest", err)
			}
			if _, merr := r.Manifest(); !errors.Is(merr, ErrManifest) {
				t.Errorf("Manifest() = %v, want the sticky ErrManifest", merr)
			}
		}
	})
}

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{
		"a": true, "a/b.json": true, "collections/x.snapshot": true, "ünïcode/名": true, "..a/b..": true,
		"": false, "/a": false, "a/": false, "a//b": false, ".": false, "..": false, "a/./b": false,
		"a/../b": false, `a\b`: false, "a\x00": false, "a\x7f": false, "\xc3": false,
		strings.Repeat("a/", 2049) + "a": false, strings.Repeat("x", 256): false, strings.Repeat("x", 255): true,
	} {
		if err := checkName(name); (err == nil) != ok {
			t.Errorf("checkName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}
