package e2e

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSnapshot_KillDuringCreateAndRecover kills the server with SIGKILL
// while it writes a snapshot of a large collection, and while it recovers
// that collection in place from a snapshot of a different point set, at
// randomized moments, restarting on the same data folder each time.
//
// After a kill during creation, every snapshot the API lists is complete:
// its checksum is the file's SHA-256 and `amber snapshot verify` accepts
// it; the folder holds no partial file, tmp/ is empty, and the collection
// is intact. After a kill during recovery, the collection is entirely the
// old point set or entirely the new one, and it answers queries.
func TestSnapshot_KillDuringCreateAndRecover(t *testing.T) {
	const (
		points = 40_000
		dim    = 256
	)
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill delays drawn with seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	s := startServer(t, withLogLevel("info"))
	// A small graph degree keeps the ingest short; recall is not under test.
	s.mustOK(t, http.MethodPut, "/collections/crash", map[string]any{
		"vectors":     map[string]any{"size": dim, "distance": "Cosine"},
		"hnsw_config": map[string]any{"m": 4, "ef_construct": 8},
	})
	start := time.Now()
	data := rand.New(rand.NewPCG(11, 11))
	for b := 0; b < points; b += 1000 {
		pts := make([]point, 1000)
		for i := range pts {
			pts[i] = point{ID: b + i, Vector: snapVector(data, dim), Payload: map[string]any{"gen": "old", "n": b + i}}
		}
		upsertPoints(t, s, "crash", pts)
	}
	t.Logf("ingested %d points × %d dims in %s", points, dim, time.Since(start))
	s.Restart(t) // a graceful stop checkpoints: restarts after the kills load, not replay

	folder := filepath.Join(snapDir(s), "crash")
	start = time.Now()
	oldSnap := snapCreate(t, s, "crash")
	took := time.Since(start)
	t.Logf("one snapshot: %d bytes in %s", oldSnap.Size, took)

	t.Run("KillDuringCreate", func(t *testing.T) {
		checked := map[string]snapInfo{}
		for round := range 6 {
			delay := time.Duration(rng.Int64N(int64(took)*3/2 + 1))
			res := make(chan string, 1)
			go func() {
				status, body, err := snapPostJSON(s.client, http.MethodPost, s.URL+"/collections/crash/snapshots?wait=true", nil)
				res <- fmt.Sprintf("%d %.80s %v", status, body, err)
			}()
			time.Sleep(delay)
			s.Kill9()
			answer := <-res
			restarted := time.Now()
			s.Restart(t)
			t.Logf("round %d: killed after %s, restarted in %s; the create got: %s", round, delay, time.Since(restarted), answer)

			checkSnapshotsAfterCrash(t, s, "crash", checked, round)
			if n := count(t, s, "crash", nil); n != points {
				t.Fatalf("round %d: count = %d, want %d", round, n, points)
			}
		}
	})

	// The new point set: every payload says gen "new", ids below 1000 gone.
	oldFilter := map[string]any{"must": []any{map[string]any{"key": "gen", "match": map[string]any{"value": "old"}}}}
	s.mustOK(t, http.MethodPost, "/collections/crash/points/payload?wait=true", map[string]any{"payload": map[string]any{"gen": "new"}, "filter": oldFilter})
	var gone []int
	for i := range 1000 {
		gone = append(gone, i)
	}
	s.mustOK(t, http.MethodPost, "/collections/crash/points/delete?wait=true", map[string]any{"points": gone})
	newSnap := snapCreate(t, s, "crash")
	state := checkGeneration(t, s, points)
	if state != "new" {
		t.Fatalf("after the payload update and delete the collection is %q, want new", state)
	}

	t.Run("KillDuringRecover", func(t *testing.T) {
		start := time.Now()
		snapRecover(t, s, "crash", map[string]any{"location": snapFileURL(filepath.Join(folder, oldSnap.Name)), "priority": "snapshot"})
		took := time.Since(start)
		t.Logf("one recovery in place: %s", took)
		if state = checkGeneration(t, s, points); state != "old" {
			t.Fatalf("after recovering the old snapshot the collection is %q", state)
		}
		// The delay starts halfway through a recovery and then walks down
		// after a kill that found the new set in place and up after one
		// that did not, so later kills land around the swap.
		outcomes := map[string]int{}
		estimate, step := took/2, took/6
		for round := range 6 {
			target := map[string]snapInfo{"old": newSnap, "new": oldSnap}[state]
			delay := max(estimate+time.Duration((rng.Float64()-0.5)*float64(step)), 0)
			res := make(chan string, 1)
			go func() {
				status, body, err := snapPostJSON(s.client, http.MethodPut, s.URL+"/collections/crash/snapshots/recover?wait=true",
					map[string]any{"location": snapFileURL(filepath.Join(folder, target.Name)), "priority": "snapshot"})
				res <- fmt.Sprintf("%d %.80s %v", status, body, err)
			}()
			time.Sleep(delay)
			s.Kill9()
			answer := <-res
			s.Restart(t)
			was := state
			state = checkGeneration(t, s, points)
			if state == "" {
				t.Fatalf("round %d: killed after %s while recovering the other set over %q (the recover got: %s): the collection is neither", round, delay, was, answer)
			}
			outcomes[fmt.Sprintf("%s->%s", was, state)]++
			if state != was {
				estimate -= step
			} else {
				estimate += step
			}
			step = max(step*3/4, took/40)
			t.Logf("round %d: killed after %s recovering over %q; now %q; the recover got: %s", round, delay, was, state, answer)
			for _, dir := range []string{filepath.Join(s.Dir, "tmp"), filepath.Join(snapDir(s), "tmp")} {
				if left := snapDirEntries(t, dir); len(left) > 0 {
					t.Errorf("round %d: %s holds %q after the restart", round, dir, left)
				}
			}
		}
		t.Logf("outcomes: %v", outcomes)
	})
}

// TestSnapshot_KillAtSnapshotEnd aims the kills at the end of a snapshot's
// creation, where the file is placed and its sidecar written: the delay
// walks down after a kill that left a new snapshot and up after one that
// did not, so it keeps landing around the moment the snapshot appears.
// Whatever the moment, a listed snapshot must come with its checksum.
func TestSnapshot_KillAtSnapshotEnd(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill delays drawn with seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	s := startServer(t, withLogLevel("info"))
	s.mustOK(t, http.MethodPut, "/collections/end", map[string]any{
		"vectors":     map[string]any{"size": 256, "distance": "Cosine"},
		"hnsw_config": map[string]any{"m": 4, "ef_construct": 8},
	})
	data := rand.New(rand.NewPCG(12, 12))
	for b := 0; b < 5000; b += 1000 {
		pts := make([]point, 1000)
		for i := range pts {
			pts[i] = point{ID: b + i, Vector: snapVector(data, 256), Payload: map[string]any{"n": b + i}}
		}
		upsertPoints(t, s, "end", pts)
	}
	s.Restart(t)
	start := time.Now()
	snapCreate(t, s, "end")
	took := time.Since(start)
	t.Logf("one snapshot: %s", took)

	checked := map[string]snapInfo{}
	estimate, step := took, took/20
	landed := map[bool]int{}
	for round := range 40 {
		delay := max(estimate+time.Duration((rng.Float64()-0.5)*float64(took)/10), 0)
		before := len(snapList(t, s, "end"))
		done := make(chan struct{})
		go func() {
			snapPostJSON(s.client, http.MethodPost, s.URL+"/collections/end/snapshots?wait=true", nil)
			close(done)
		}()
		time.Sleep(delay)
		s.Kill9()
		<-done
		s.Restart(t)
		if !checkSnapshotsAfterCrash(t, s, "end", checked, round) {
			t.Fatalf("round %d: killed %s into a snapshot that takes about %s", round, delay, took)
		}
		if n := count(t, s, "end", nil); n != 5000 {
			t.Fatalf("round %d: count = %d, want 5000", round, n)
		}
		appeared := len(snapList(t, s, "end")) > before
		landed[appeared]++
		if appeared {
			estimate -= step
		} else {
			estimate += step
		}
	}
	t.Logf("kills after the snapshot appeared: %d, before: %d", landed[true], landed[false])
}

// checkGeneration reports which point set the collection "crash" holds:
// "old" (ids 0..points-1, gen old) or "new" (ids 1000..points-1, gen new),
// checking the count, filtered counts, spot payloads and a query. It
// reports a mix as errors and returns "".
func checkGeneration(t *testing.T, s *server, points int) string {
	t.Helper()
	gen := map[int]string{points: "old", points - 1000: "new"}[count(t, s, "crash", nil)]
	if gen == "" {
		t.Errorf("count = %d, want %d (old) or %d (new)", count(t, s, "crash", nil), points, points-1000)
		return ""
	}
	bad := false
	for _, g := range []string{"old", "new"} {
		want := 0
		if g == gen {
			want = map[string]int{"old": points, "new": points - 1000}[g]
		}
		f := map[string]any{"must": []any{map[string]any{"key": "gen", "match": map[string]any{"value": g}}}}
		if n := count(t, s, "crash", f); n != want {
			t.Errorf("%s collection: %d points with gen %q, want %d", gen, n, g, want)
			bad = true
		}
	}
	for _, id := range []int{0, 500, 1000, 12_345, points - 1} {
		status, env := s.do(t, http.MethodGet, fmt.Sprintf("/collections/crash/points/%d", id), nil)
		switch {
		case gen == "new" && id < 1000:
			if status != http.StatusNotFound {
				t.Errorf("new collection: GET point %d = %d %s, want 404", id, status, env.Result)
				bad = true
			}
		case status != http.StatusOK || !strings.Contains(string(env.Result), fmt.Sprintf(`"gen":%q`, gen)):
			t.Errorf("%s collection: GET point %d = %d %s", gen, id, status, env.Result)
			bad = true
		}
	}
	hits := snapQuery(t, s, "crash", snapVector(rand.New(rand.NewPCG(3, 3)), 256), 10)
	if len(hits) != 10 {
		t.Errorf("%s collection: query returned %d hits, want 10", gen, len(hits))
		bad = true
	}
	for _, h := range hits {
		if h.Payload["gen"] != gen {
			t.Errorf("%s collection: query hit %s has payload %v", gen, h.ID, h.Payload)
			bad = true
		}
	}
	if bad {
		return ""
	}
	return gen
}

// checkSnapshotsAfterCrash checks a collection's snapshots folder after a
// kill and restart: every listed snapshot has a checksum equal to its
// file's SHA-256 and passes `amber snapshot verify` (snapshots already in
// checked are only compared with how they were listed then), every file is
// a listed snapshot or a sidecar, and the snapshots tmp/ is empty. It
// reports whether all of that held.
func checkSnapshotsAfterCrash(t *testing.T, s *server, collection string, checked map[string]snapInfo, round int) bool {
	t.Helper()
	ok := true
	errorf := func(format string, args ...any) {
		t.Helper()
		t.Errorf("round %d: "+format, append([]any{round}, args...)...)
		ok = false
	}
	folder := filepath.Join(snapDir(s), collection)
	for _, l := range snapList(t, s, collection) {
		path := filepath.Join(folder, l.Name)
		if prev, seen := checked[l.Name]; seen {
			if prev.Size != l.Size || prev.Checksum != l.Checksum {
				errorf("%s changed: %d %s, was %d %s", l.Name, l.Size, l.Checksum, prev.Size, prev.Checksum)
			}
			continue
		}
		checked[l.Name] = l
		if !snapIsHex64(l.Checksum) {
			errorf("%s is listed without a checksum (%q)", l.Name, l.Checksum)
			continue
		}
		if sum := snapSHA256File(t, path); sum != l.Checksum {
			errorf("%s: SHA-256 %s, listed checksum %s", l.Name, sum, l.Checksum)
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() != l.Size {
			errorf("%s: listed size %d, file %v %v", l.Name, l.Size, fi, err)
		}
		if code, out := snapCLI(t, "snapshot", "verify", path); code != 0 {
			errorf("amber snapshot verify %s: exit %d\n%s", path, code, out)
		}
	}
	for _, name := range snapDirEntries(t, folder) {
		switch {
		case strings.HasSuffix(name, ".snapshot.checksum"):
			if b, err := os.ReadFile(filepath.Join(folder, name)); err != nil || !snapIsHex64(string(b)) {
				errorf("sidecar %s holds %q (%v)", name, b, err)
			}
		case strings.HasSuffix(name, ".snapshot"):
			if _, listed := checked[name]; !listed {
				errorf("%s is in the folder but not listed", name)
			}
		default:
			errorf("%s in %s is neither a snapshot nor a sidecar", name, folder)
		}
	}
	if left := snapDirEntries(t, filepath.Join(snapDir(s), "tmp")); len(left) > 0 {
		errorf("snapshots tmp/ holds %q after the restart", left)
	}
	return ok
}
