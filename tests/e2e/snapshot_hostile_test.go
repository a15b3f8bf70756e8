package e2e

import (
	"archive/tar"
	"bytes"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestSnapshot_HostileArchives feeds a collection's recovery archives that
// try to escape the extraction folder, plant links, or are damaged, through
// upload and through file://, and file:// locations that lead outside the
// snapshots folder. Each is refused with a clear message, the collection
// keeps serving exactly its points, nothing lands outside, and no temp
// files are left. `amber snapshot verify` agrees offline.
func TestSnapshot_HostileArchives(t *testing.T) {
	root := t.TempDir()
	s := startServer(t, withDir(filepath.Join(root, "data")))
	snaps := snapDir(s)
	victimDir := filepath.Join(snaps, "victim")

	createCollection(t, s, "victim", 8, "Cosine")
	rng := rand.New(rand.NewPCG(5, 5))
	var pts []point
	for i := range 60 {
		pts = append(pts, point{ID: i, Vector: snapVector(rng, 8), Payload: map[string]any{"n": i, "tag": fmt.Sprintf("victim-%d", i)}})
	}
	upsertPoints(t, s, "victim", pts)
	probe := snapVector(rng, 8)
	original := snapScrollAll(t, s, "victim")
	originalHits := snapQuery(t, s, "victim", probe, 10)
	good := snapCreate(t, s, "victim")
	goodFile := filepath.Join(victimDir, good.Name)
	goodBytes := snapReadFile(t, goodFile)

	// Every planted file carries this marker, so a leak can be searched for.
	marker := "planted-by-TestSnapshot_HostileArchives-" + snapRandomHex(8)
	outsideFile := filepath.Join(root, "outside-file")
	outsideDir := filepath.Join(root, "outside-dir")
	snapWriteFile(t, outsideFile, []byte("untouched"))
	if err := os.Mkdir(outsideDir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := os.Lstat("/tmp/x")
	tmpXExisted := err == nil

	reg := func(name string) snapTarEntry {
		return snapTarEntry{hdr: &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(marker))}, body: []byte(marker)}
	}
	withEntries := func(extra ...snapTarEntry) []byte { return snapRewrite(t, goodBytes, extra) }
	type hostile struct {
		name  string
		data  []byte
		query string   // extra upload query, e.g. checksum=
		body  []string // extra recover body: key, value
		want  []string // one of these must be in the error message
	}
	cases := []hostile{
		{name: "escape", data: withEntries(reg("../../escape")), want: []string{"unsafe", ".."}},
		{name: "absolute", data: withEntries(reg("/tmp/x")), want: []string{"unsafe", "absolute"}},
		{name: "symlink", data: withEntries(
			snapTarEntry{hdr: &tar.Header{Name: "data/link", Typeflag: tar.TypeSymlink, Linkname: outsideDir, Mode: 0o777}},
			reg("data/link/pwned"),
		), want: []string{"link"}},
		{name: "hardlink", data: withEntries(
			snapTarEntry{hdr: &tar.Header{Name: "data/hard", Typeflag: tar.TypeLink, Linkname: outsideFile, Mode: 0o644}},
		), want: []string{"link"}},
		{name: "bitflip", data: snapFlipBit(t, goodBytes, "data/points.bin"), want: []string{"manifest", "sha256", "checksum"}},
		{name: "wrong-checksum", data: goodBytes, query: "checksum=" + snapSHA256([]byte("another file")),
			body: []string{"checksum", snapSHA256([]byte("another file"))}, want: []string{"checksum mismatch"}},
	}
	// Cuts inside the content, one inside the block padding after the
	// last entry (GNU tar: "Unexpected EOF in archive"), one in the
	// end-of-archive marker.
	mStart, mSize := snapEntryOffset(t, goodBytes, "manifest.json")
	end := int(mStart + mSize) // last content byte + 1
	cuts := map[string]int{}
	for _, off := range []int{0, 100, 612, end / 4, end / 2, 3 * end / 4, end - 1, len(goodBytes) - 1} {
		cuts[fmt.Sprintf("truncated-%06d", off)] = off
	}
	if pad := (512 - end%512) % 512; pad > 1 {
		cuts[fmt.Sprintf("truncated-in-padding-%06d", end+pad/2)] = end + pad/2
	}
	for _, name := range slices.Sorted(maps.Keys(cuts)) {
		cases = append(cases, hostile{name: name, data: goodBytes[:cuts[name]], want: []string{"truncated", "empty"}})
	}

	checkRefused := func(t *testing.T, how string, status int, msg string, wantStatus int, want []string) {
		t.Helper()
		if status != wantStatus {
			t.Errorf("%s = %d %q, want %d", how, status, msg, wantStatus)
			return
		}
		t.Logf("%s: %d %s", how, status, msg)
		low := strings.ToLower(msg)
		for _, w := range want {
			if strings.Contains(low, w) {
				return
			}
		}
		t.Errorf("%s: message %q says none of %q", how, msg, want)
	}

	refusedUploads := map[string]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			query := "priority=snapshot"
			if c.query != "" {
				query += "&" + c.query
			}
			status, msg := snapUpload(t, s, "victim", "upload-"+c.name+".snapshot", c.data, query)
			checkRefused(t, "upload", status, msg, http.StatusBadRequest, c.want)
			if status != http.StatusOK {
				refusedUploads["upload-"+c.name+".snapshot"] = true
			}

			file := filepath.Join(victimDir, "hostile-"+c.name+".snapshot")
			snapWriteFile(t, file, c.data)
			body := map[string]any{"location": snapFileURL(file), "priority": "snapshot"}
			for i := 0; i+1 < len(c.body); i += 2 {
				body[c.body[i]] = c.body[i+1]
			}
			status, env := s.do(t, http.MethodPut, "/collections/victim/snapshots/recover", body)
			checkRefused(t, "recover from file://", status, env.ErrorMessage(), http.StatusBadRequest, c.want)

			args := []string{"snapshot", "verify", file}
			if c.body != nil {
				args = append(args, "--checksum", c.body[1])
			}
			if code, out := snapCLI(t, args...); code != 1 {
				t.Errorf("amber %s: exit %d, want 1\n%s", strings.Join(args, " "), code, out)
			}
		})
	}

	// file:// locations that resolve outside the snapshots folder.
	outsideSnap := filepath.Join(root, "outside.snapshot")
	snapWriteFile(t, outsideSnap, goodBytes)
	snapWriteFile(t, filepath.Join(outsideDir, "outside.snapshot"), goodBytes)
	if err := os.Symlink(outsideSnap, filepath.Join(victimDir, "link.snapshot")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outsideDir, filepath.Join(victimDir, "linkdir")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, loc string }{
		{"absolute-outside", "file://" + outsideSnap},
		{"dotdot", "file://" + victimDir + "/../../../outside.snapshot"},
		{"encoded-dotdot", "file://" + victimDir + "/%2e%2e/%2e%2e/%2e%2e/outside.snapshot"},
		{"symlinked-file", "file://" + victimDir + "/link.snapshot"},
		{"symlinked-dir", "file://" + victimDir + "/linkdir/outside.snapshot"},
	} {
		t.Run("Forbidden/"+c.name, func(t *testing.T) {
			status, env := s.do(t, http.MethodPut, "/collections/victim/snapshots/recover", map[string]any{"location": c.loc, "priority": "snapshot"})
			checkRefused(t, "recover from "+c.loc, status, env.ErrorMessage(), http.StatusForbidden, []string{"inside the snapshots directory"})
		})
	}

	t.Run("VictimIntact", func(t *testing.T) {
		if got := snapScrollAll(t, s, "victim"); !reflect.DeepEqual(got, original) {
			t.Errorf("victim holds %d points after the hostile recoveries, want its %d original ones", len(got), len(original))
		}
		if d := snapDiffResults(originalHits, snapQuery(t, s, "victim", probe, 10)); d != "" {
			t.Errorf("victim query differs from before: %s", d)
		}
		for _, l := range snapList(t, s, "victim") {
			if refusedUploads[l.Name] {
				t.Errorf("refused upload %s is listed as a snapshot", l.Name)
			}
		}
	})

	t.Run("NothingEscaped", func(t *testing.T) {
		cwd, _ := os.Getwd()
		for _, p := range []string{
			filepath.Join(s.Dir, "escape"), filepath.Join(s.Dir, "tmp", "escape"), filepath.Join(root, "escape"),
			filepath.Join(snaps, "escape"), filepath.Join(cwd, "../../escape"), filepath.Join(outsideDir, "pwned"),
		} {
			if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s exists (or cannot be checked: %v)", p, err)
			}
		}
		if b, err := os.ReadFile("/tmp/x"); err == nil && bytes.Contains(b, []byte(marker)) || err == nil && !tmpXExisted {
			t.Errorf("/tmp/x was written by a recovery")
		}
		if b := snapReadFile(t, outsideFile); string(b) != "untouched" {
			t.Errorf("%s now holds %q", outsideFile, b)
		}
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() || strings.HasSuffix(p, ".snapshot") {
				return err
			}
			if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(marker)) {
				t.Errorf("%s holds a planted entry", p)
			}
			return nil
		})
		for _, dir := range []string{filepath.Join(snaps, "tmp"), filepath.Join(s.Dir, "tmp")} {
			if left := snapDirEntries(t, dir); len(left) > 0 {
				t.Errorf("%s holds leftovers: %q", dir, left)
			}
		}
	})

	t.Run("VerifyGood", func(t *testing.T) {
		if code, out := snapCLI(t, "snapshot", "verify", goodFile); code != 0 {
			t.Errorf("amber snapshot verify %s: exit %d, want 0\n%s", goodFile, code, out)
		}
		// The test's own rewriting, with nothing added, stays valid: the
		// refusals above are the hostile entries', not the rewriter's.
		control := filepath.Join(root, "rewritten.snapshot")
		snapWriteFile(t, control, withEntries())
		if code, out := snapCLI(t, "snapshot", "verify", control); code != 0 {
			t.Errorf("amber snapshot verify %s (rewritten, unchanged): exit %d, want 0\n%s", control, code, out)
		}
	})
}

// snapUpload posts data as the multipart field "snapshot" and returns the
// status and error message.
func snapUpload(t *testing.T, s *server, collection, filename string, data []byte, query string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("snapshot", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	path := "/collections/" + collection + "/snapshots/upload?" + query
	req, err := http.NewRequest(http.MethodPost, s.URL+path, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var env envelope
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("POST %s: %d, body is not a JSON envelope: %q", path, resp.StatusCode, body)
	}
	return resp.StatusCode, env.ErrorMessage()
}

type snapTarEntry struct {
	hdr  *tar.Header
	body []byte
}

// snapRewrite returns a copy of a snapshot archive with extra entries
// after the first one, and manifest.json listing them as well, so that
// only the entries themselves are wrong.
func snapRewrite(t *testing.T, archive []byte, extra []snapTarEntry) []byte {
	t.Helper()
	var entries []snapTarEntry
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read the real snapshot: %v", err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, snapTarEntry{hdr: hdr, body: body})
	}
	if len(entries) < 2 || entries[len(entries)-1].hdr.Name != "manifest.json" {
		t.Fatalf("the real snapshot does not end with manifest.json")
	}
	entries = append(entries[:1], append(append([]snapTarEntry{}, extra...), entries[1:]...)...)

	var files []map[string]any
	for _, e := range entries[1 : len(entries)-1] {
		files = append(files, map[string]any{"name": e.hdr.Name, "size": len(e.body), "sha256": snapSHA256(e.body)})
	}
	last := &entries[len(entries)-1]
	var manifest map[string]any
	if err := json.Unmarshal(last.body, &manifest); err != nil {
		t.Fatalf("decode manifest.json: %v", err)
	}
	manifest["files"] = files
	body, err := json.Marshal(manifest)
	if err != nil {
		t.Fatal(err)
	}
	last.body = body
	last.hdr.Size = int64(len(body))

	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for _, e := range entries {
		if err := tw.WriteHeader(e.hdr); err != nil {
			t.Fatalf("write %q: %v", e.hdr.Name, err)
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatalf("write %q: %v", e.hdr.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// snapFlipBit returns a copy of archive with one bit flipped in the middle
// of the named entry's content.
func snapFlipBit(t *testing.T, archive []byte, entry string) []byte {
	t.Helper()
	start, size := snapEntryOffset(t, archive, entry)
	out := bytes.Clone(archive)
	out[start+size/2] ^= 0x10
	return out
}

// snapEntryOffset returns where the named entry's content starts in a tar
// archive, and its size.
func snapEntryOffset(t *testing.T, archive []byte, entry string) (start, size int64) {
	t.Helper()
	cr := &snapCountingReader{r: bytes.NewReader(archive)}
	tr := tar.NewReader(cr)
	for {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatalf("find %s in the real snapshot: %v", entry, err)
		}
		if hdr.Name == entry && hdr.Size > 0 {
			return cr.n, hdr.Size // archive/tar reads headers block by block: cr.n is where the content starts
		}
	}
}

type snapCountingReader struct {
	r io.Reader
	n int64
}

func (c *snapCountingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += int64(k)
	return k, err
}

func snapDirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func snapRandomHex(n int) string {
	b := make([]byte, n)
	crand.Read(b)
	return hex.EncodeToString(b)
}
