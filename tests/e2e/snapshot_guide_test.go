package e2e

// TestSnapshot_GuideSession replays the snapshot field guide
// (shared/seed/000_3ffbae09078b4f7a.txt) against the real binary: create,
// list and download snapshots, take a full snapshot, recover three ways,
// run the disaster-recovery drill, and bring a fresh node up from the full
// snapshot. Every check is one the guide's reader makes by hand.
//
// The helpers at the end of this file serve every snapshot_*_test.go.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const guideDim = 384

var guideTopics = []string{"to", "nginx", "postgres", "kubernetes", "backup"}

func guideArticles() []point {
	rng := rand.New(rand.NewPCG(1, 384))
	pts := make([]point, 1000)
	for i := range pts {
		topic := guideTopics[i%len(guideTopics)]
		pts[i] = point{ID: i, Vector: snapVector(rng, guideDim), Payload: map[string]any{
			"title": fmt.Sprintf("A resilient guide to monitor %s ... %d", topic, i),
			"topic": topic,
			"rank":  i,
		}}
	}
	return pts
}

func guideProducts() []point {
	rng := rand.New(rand.NewPCG(2, 8))
	pts := make([]point, 200)
	for i := range pts {
		pts[i] = point{ID: 10_000 + i, Vector: snapVector(rng, 8), Payload: map[string]any{
			"sku": fmt.Sprintf("SKU-%04d", i), "price": i % 97,
		}}
	}
	return pts
}

func TestSnapshot_GuideSession(t *testing.T) {
	s := startServer(t)
	snaps := snapDir(s)

	// The two collections of the guide, a keyword index on topic, aliases.
	createCollection(t, s, "articles", guideDim, "Cosine")
	createCollection(t, s, "products", 8, "Dot")
	s.mustOK(t, http.MethodPut, "/collections/articles/index?wait=true", map[string]any{"field_name": "topic", "field_schema": "keyword"})
	articles := guideArticles()
	for i := 0; i < len(articles); i += 250 {
		upsertPoints(t, s, "articles", articles[i:i+250])
	}
	upsertPoints(t, s, "products", guideProducts())
	s.mustOK(t, http.MethodPost, "/collections/aliases", map[string]any{"actions": []any{
		map[string]any{"create_alias": map[string]any{"collection_name": "articles", "alias_name": "articles_live"}},
		map[string]any{"create_alias": map[string]any{"collection_name": "products", "alias_name": "catalog"}},
	}})
	queries := guideQueries()
	before := snapRunQueries(t, s, "articles", queries)
	for i, hits := range before {
		if len(hits) != 10 {
			t.Fatalf("query %d before the snapshot: %d hits, want 10", i, len(hits))
		}
	}
	payload42 := snapPayload(t, s, "articles", 42)
	if payload42["rank"] != json.Number("42") {
		t.Fatalf("payload of id 42 = %v, want rank 42", payload42)
	}
	nginx := map[string]any{"must": []any{map[string]any{"key": "topic", "match": map[string]any{"value": "nginx"}}}}
	nginxCount := count(t, s, "articles", nginx)

	// Create: the name, size and checksum the guide shows, and the sidecar.
	var art, prod snapInfo
	t.Run("Create", func(t *testing.T) {
		art = snapCreate(t, s, "articles")
		prod = snapCreate(t, s, "products")
		snapCheckCreated(t, art, `^articles-\d+-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d(-\d+)?\.snapshot$`, filepath.Join(snaps, "articles"))
		snapCheckCreated(t, prod, `^products-\d+-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d(-\d+)?\.snapshot$`, filepath.Join(snaps, "products"))
	})
	if t.Failed() {
		t.FailNow()
	}

	t.Run("List", func(t *testing.T) {
		snapRequireListed(t, s, "articles", art)
		snapRequireListed(t, s, "products", prod)
	})

	var artBytes []byte
	t.Run("Download", func(t *testing.T) {
		path := "/collections/articles/snapshots/" + art.Name
		resp := s.snapGet(t, path, nil)
		if resp.Status != http.StatusOK {
			t.Fatalf("GET %s = %d %q, want 200", path, resp.Status, resp.Body)
		}
		artBytes = resp.Body
		if got := resp.Header.Get("Content-Length"); got != strconv.FormatInt(art.Size, 10) {
			t.Errorf("Content-Length = %q, want %d (the size create reported)", got, art.Size)
		}
		if int64(len(artBytes)) != art.Size {
			t.Errorf("downloaded %d bytes, create reported size %d", len(artBytes), art.Size)
		}
		if got := snapSHA256(artBytes); got != art.Checksum {
			t.Errorf("SHA-256 of the download = %s, create reported checksum %s", got, art.Checksum)
		}
		names := snapTarEntries(t, artBytes)
		if len(names) == 0 {
			t.Error("the download is a tar archive without entries")
		}
		if tarBin, err := exec.LookPath("tar"); err == nil {
			file := filepath.Join(t.TempDir(), "articles.snapshot")
			snapWriteFile(t, file, artBytes)
			out, err := exec.Command(tarBin, "-tf", file).CombinedOutput()
			if err != nil {
				t.Errorf("tar -tf %s: %v\n%s", file, err, out)
			} else if listed := strings.Fields(string(out)); !slices.Equal(listed, names) {
				t.Errorf("tar -tf lists %q, archive/tar read %q", listed, names)
			}
		}

		// A resumed download: bytes 1000-4999 only.
		resp = s.snapGet(t, path, http.Header{"Range": {"bytes=1000-4999"}})
		if resp.Status != http.StatusPartialContent {
			t.Fatalf("GET %s with Range = %d, want 206", path, resp.Status)
		}
		if !bytes.Equal(resp.Body, artBytes[1000:5000]) {
			t.Errorf("Range bytes=1000-4999 returned %d bytes that differ from the file's", len(resp.Body))
		}
		if got, want := resp.Header.Get("Content-Range"), fmt.Sprintf("bytes 1000-4999/%d", art.Size); got != want {
			t.Errorf("Content-Range = %q, want %q", got, want)
		}
	})

	// Full snapshot: every collection and the aliases in one archive; the
	// per-collection snapshots stay (the guide's first gotcha).
	var full snapInfo
	t.Run("Full", func(t *testing.T) {
		full = snapCreateFull(t, s)
		snapCheckCreated(t, full, `^full-snapshot-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d(-\d+)?\.snapshot$`, snaps)
		snapRequireListed(t, s, "", full)
		snapRequireListed(t, s, "articles", art)
		snapRequireListed(t, s, "products", prod)
		for _, p := range []string{filepath.Join(snaps, "articles", art.Name), filepath.Join(snaps, "products", prod.Name)} {
			if got := snapSHA256File(t, p); got != snapSidecar(t, p) {
				t.Errorf("%s after the full snapshot: SHA-256 %s differs from its sidecar", p, got)
			}
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	// Writes after the snapshot, which an in-place restore must undo.
	upsertPoints(t, s, "articles", []point{
		{ID: 42, Vector: queries[0], Payload: map[string]any{"title": "overwritten after the snapshot"}},
		{ID: 5000, Vector: queries[1], Payload: map[string]any{"title": "added after the snapshot"}},
	})
	if n := count(t, s, "articles", nil); n != 1001 {
		t.Fatalf("count after the later writes = %d, want 1001", n)
	}

	artFile := filepath.Join(snaps, "articles", art.Name)
	t.Run("RecoverA_InPlace", func(t *testing.T) {
		snapRecover(t, s, "articles", map[string]any{"location": snapFileURL(artFile), "priority": "snapshot"})
	})
	t.Run("RecoverB_NewCollection", func(t *testing.T) {
		snapRecover(t, s, "articles_restore", map[string]any{"location": snapFileURL(artFile)})
	})
	t.Run("RecoverC_HTTP", func(t *testing.T) {
		snapRecover(t, s, "articles_http", map[string]any{"location": s.URL + "/collections/articles/snapshots/" + art.Name})
	})

	t.Run("FinalState", func(t *testing.T) {
		for c, want := range map[string]int{"articles": 1000, "articles_restore": 1000, "articles_http": 1000, "products": 200} {
			if n := count(t, s, c, nil); n != want {
				t.Errorf("%s count = %d, want %d", c, n, want)
			}
		}
		for _, c := range []string{"articles", "articles_restore", "articles_http"} {
			checkRestoredArticles(t, s, c, payload42, queries, before)
			if n := count(t, s, c, nginx); n != nginxCount {
				t.Errorf("%s: count topic=nginx = %d, want %d", c, n, nginxCount)
			}
		}
	})

	// The drill: drop articles, bring it back from the off-box copy.
	t.Run("DisasterRecoveryDrill", func(t *testing.T) {
		s.mustOK(t, http.MethodDelete, "/collections/articles", nil)
		if names := snapCollectionNames(t, s); slices.Contains(names, "articles") {
			t.Fatalf("collections after DELETE articles = %q", names)
		}
		offBox := filepath.Join(snaps, "articles", "articles-from-offbox-copy.snapshot")
		snapWriteFile(t, offBox, artBytes)
		snapRecover(t, s, "articles", map[string]any{"location": snapFileURL(offBox), "priority": "snapshot", "checksum": art.Checksum})
		if n := count(t, s, "articles", nil); n != 1000 {
			t.Errorf("articles count after the drill = %d, want 1000", n)
		}
		checkRestoredArticles(t, s, "articles", payload42, queries, before)
	})

	fullFile := filepath.Join(snaps, full.Name)
	checkFullRestore := func(t *testing.T, n *server) {
		t.Helper()
		for c, want := range map[string]int{"articles": 1000, "products": 200} {
			if got := count(t, n, c, nil); got != want {
				t.Errorf("%s count = %d, want %d", c, got, want)
			}
		}
		aliases := snapAliases(t, n)
		if want := map[string]string{"articles_live": "articles", "catalog": "products"}; !reflect.DeepEqual(aliases, want) {
			t.Errorf("aliases = %v, want %v", aliases, want)
		}
		checkRestoredArticles(t, n, "articles_live", payload42, queries, before)
	}
	t.Run("FullRestoreAtStartup", func(t *testing.T) {
		n := startServer(t, withFlags("--restore-snapshot", fullFile))
		checkFullRestore(t, n)
	})
	t.Run("FullRecoverAPI", func(t *testing.T) {
		n := startServer(t)
		copyTo := filepath.Join(snapDir(n), full.Name)
		snapWriteFile(t, copyTo, snapReadFile(t, fullFile))
		var ok bool
		n.mustResult(t, http.MethodPut, "/snapshots/recover", map[string]any{"location": snapFileURL(copyTo), "checksum": full.Checksum}, &ok)
		if !ok {
			t.Fatal("PUT /snapshots/recover: result false")
		}
		checkFullRestore(t, n)
	})
}

// snapCheckCreated checks what create returned against the file in folder.
func snapCheckCreated(t *testing.T, info snapInfo, namePattern, folder string) {
	t.Helper()
	if !regexp.MustCompile(namePattern).MatchString(info.Name) {
		t.Errorf("snapshot name %q does not match %s", info.Name, namePattern)
	}
	if info.Size <= 0 {
		t.Errorf("%s: size %d, want > 0", info.Name, info.Size)
	}
	if !snapIsHex64(info.Checksum) {
		t.Errorf("%s: checksum %q is not 64 lowercase hex digits", info.Name, info.Checksum)
	}
	if info.CreationTime == nil {
		t.Errorf("%s: creation_time is null", info.Name)
	}
	path := filepath.Join(folder, info.Name)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("snapshot file: %v", err)
	}
	if fi.Size() != info.Size {
		t.Errorf("%s is %d bytes on disk, create reported %d", path, fi.Size(), info.Size)
	}
	if side := snapSidecar(t, path); side != info.Checksum {
		t.Errorf("%s.checksum holds %q, create reported %q", path, side, info.Checksum)
	}
	if sum := snapSHA256File(t, path); sum != info.Checksum {
		t.Errorf("SHA-256 of %s is %s, create reported %s", path, sum, info.Checksum)
	}
}

// snapRequireListed checks that the list of collection ("" for full snapshots)
// holds info, with the same size and checksum.
func snapRequireListed(t *testing.T, s *server, collection string, info snapInfo) {
	t.Helper()
	list := snapList(t, s, collection)
	for _, l := range list {
		if l.Name == info.Name {
			if l.Size != info.Size || l.Checksum != info.Checksum {
				t.Errorf("listed %s: size %d checksum %s, create reported %d %s", l.Name, l.Size, l.Checksum, info.Size, info.Checksum)
			}
			return
		}
	}
	t.Errorf("snapshot list of %q = %v, missing %s", collection, list, info.Name)
}

// checkRestoredArticles compares a restored articles collection with the
// original: payload of id 42, query results and the keyword index.
func checkRestoredArticles(t *testing.T, s *server, c string, payload42 map[string]any, queries [][]float32, before [][]snapHit) {
	t.Helper()
	if got := snapPayload(t, s, c, 42); !reflect.DeepEqual(got, payload42) {
		t.Errorf("%s: payload of id 42 = %v, want %v", c, got, payload42)
	}
	after := snapRunQueries(t, s, c, queries)
	for i := range before {
		if d := snapDiffResults(before[i], after[i]); d != "" {
			t.Errorf("%s: query %d differs from before the snapshot: %s", c, i, d)
		}
	}
	var info struct {
		PayloadSchema map[string]struct {
			DataType string `json:"data_type"`
		} `json:"payload_schema"`
	}
	s.mustResult(t, http.MethodGet, "/collections/"+c, nil, &info)
	if got := info.PayloadSchema["topic"].DataType; got != "keyword" {
		t.Errorf("%s: payload_schema = %+v, want topic: keyword", c, info.PayloadSchema)
	}
}

func guideQueries() [][]float32 {
	rng := rand.New(rand.NewPCG(3, 10))
	q := make([][]float32, 10)
	for i := range q {
		q[i] = snapVector(rng, guideDim)
	}
	return q
}

func snapAliases(t *testing.T, s *server) map[string]string {
	t.Helper()
	var res struct {
		Aliases []struct {
			Alias      string `json:"alias_name"`
			Collection string `json:"collection_name"`
		} `json:"aliases"`
	}
	s.mustResult(t, http.MethodGet, "/aliases", nil, &res)
	m := map[string]string{}
	for _, a := range res.Aliases {
		m[a.Alias] = a.Collection
	}
	return m
}

func snapCollectionNames(t testing.TB, s *server) []string {
	t.Helper()
	var res struct {
		Collections []struct {
			Name string `json:"name"`
		} `json:"collections"`
	}
	s.mustResult(t, http.MethodGet, "/collections", nil, &res)
	var names []string
	for _, c := range res.Collections {
		names = append(names, c.Name)
	}
	return names
}
