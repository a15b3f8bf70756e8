package e2e

// Crash tests: writes that the server acknowledged (wait=true, HTTP 200,
// status "completed") must survive kill -9 of the real process, with their
// payloads equal and their vectors bit for bit what was stored. kill -9
// loses the process, not the page cache: power loss needs a crashable file
// system, which these tests do not simulate.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	crashDim       = 64
	crashBatchSize = 20
	crashSeed      = 20240601
)

// crashPoint is a point as the test sent it.
type crashPoint struct {
	ID      uint64
	Vector  []float32
	Payload map[string]any
}

func (p crashPoint) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"id": p.ID, "vector": p.Vector, "payload": p.Payload})
}

// crashBatch is one upsert request, and whether the server acknowledged it.
type crashBatch struct {
	points []crashPoint
	acked  bool
}

// crashUpsert sends one upsert with wait=true from a writer goroutine (so it
// may not call t.Fatal). It returns nil only for an acknowledgement: 200,
// status "ok", result.status "completed".
func crashUpsert(client *http.Client, baseURL, collection string, pts []crashPoint) error {
	body, err := json.Marshal(map[string]any{"points": pts})
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPut, baseURL+"/collections/"+collection+"/points?wait=true", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Result struct {
			Status string `json:"status"`
		} `json:"result"`
		Status json.RawMessage `json:"status"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &env) != nil || string(env.Status) != `"ok"` || env.Result.Status != "completed" {
		return fmt.Errorf("upsert answered %d %s", resp.StatusCode, data)
	}
	return nil
}

// crashRetrieveVectors reads the vectors of ids from a writer goroutine.
func crashRetrieveVectors(client *http.Client, baseURL, collection string, ids []uint64) (map[string][]json.Number, error) {
	body, _ := json.Marshal(map[string]any{"ids": ids, "with_payload": false, "with_vector": true})
	resp, err := client.Post(baseURL+"/collections/"+collection+"/points", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("retrieve answered %d %s", resp.StatusCode, data)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var env struct {
		Result []record `json:"result"`
	}
	if err := dec.Decode(&env); err != nil {
		return nil, err
	}
	out := make(map[string][]json.Number, len(env.Result))
	for _, r := range env.Result {
		out[r.ID.String()] = r.Vector
	}
	if len(out) != len(ids) {
		return nil, fmt.Errorf("retrieve right after an acknowledged upsert found %d of %d points", len(out), len(ids))
	}
	return out, nil
}

// Random data. Payloads mix every JSON type, integers beyond 2^53 and
// strings that need escaping; vectors are mostly Gaussian, with some
// arbitrary finite float32 bit patterns (subnormals, huge magnitudes).

var crashRunes = []rune("abcxyzABC019 _-\"\\/<>&'\t\n\u00e9\u00df\u65e5\u672c\u2028\U0001F980")

func crashString(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(24); n > 0; n-- {
		b.WriteRune(crashRunes[r.IntN(len(crashRunes))])
	}
	return b.String()
}

func crashPayload(r *rand.Rand, id uint64) map[string]any {
	tags := make([]any, r.IntN(5))
	for i := range tags {
		if r.IntN(2) == 0 {
			tags[i] = crashString(r)
		} else {
			tags[i] = r.Int64N(1000) - 500
		}
	}
	return map[string]any{
		"id":    id,
		"name":  crashString(r),
		"n":     r.Int64N(2_000_001) - 1_000_000,
		"i64":   int64(r.Uint64()),
		"big":   int64(9007199254740993), // 2^53 + 1: not a float64
		"u64":   uint64(math.MaxUint64),
		"f":     r.NormFloat64() * 1e3,
		"ok":    r.IntN(2) == 0,
		"none":  nil,
		"tags":  tags,
		"empty": map[string]any{"obj": map[string]any{}, "arr": []any{}, "str": ""},
		"nested": map[string]any{
			"level": 1,
			"inner": map[string]any{
				"s":    crashString(r),
				"list": []any{map[string]any{"k": r.IntN(10)}, []any{r.IntN(3), "x", true}, 2.5},
			},
		},
	}
}

func crashVector(r *rand.Rand, gaussianOnly bool) []float32 {
	v := make([]float32, crashDim)
	for i := range v {
		if gaussianOnly || r.IntN(10) != 0 {
			v[i] = float32(r.NormFloat64())
			continue
		}
		for {
			f := math.Float32frombits(r.Uint32())
			if !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) {
				v[i] = f
				break
			}
		}
	}
	return v
}

// crashSpecialVector holds the float32 values a sloppy encoder or decoder gets
// wrong: negative zero, the smallest subnormal, the largest finite values.
func crashSpecialVector() []float32 {
	v := make([]float32, crashDim)
	copy(v, []float32{
		float32(math.Copysign(0, -1)),
		math.SmallestNonzeroFloat32,
		-math.SmallestNonzeroFloat32,
		math.MaxFloat32,
		-math.MaxFloat32,
		1e-40, // subnormal
		0.1,
		1.0 / 3,
		16777217, // 2^24 + 1 rounds to 2^24 in float32
	})
	return v
}

// crashWriter upserts batches of distinct ids into collection until told to
// stop or until the server is gone.
type crashWriter struct {
	mu      sync.Mutex
	batches []*crashBatch // every batch sent, in order
	err     error         // an unexpected answer while the server was up
}

func (w *crashWriter) run(client *http.Client, baseURL, collection string, idBase uint64, r *rand.Rand, stop, killed *atomic.Bool, acked *atomic.Int64) {
	next := idBase
	for k := 0; !stop.Load(); k++ {
		b := &crashBatch{points: make([]crashPoint, crashBatchSize)}
		for j := range b.points {
			vec := crashVector(r, false)
			if k == 0 && j == 0 {
				vec = crashSpecialVector()
			}
			b.points[j] = crashPoint{ID: next, Vector: vec, Payload: crashPayload(r, next)}
			next++
		}
		w.mu.Lock()
		w.batches = append(w.batches, b)
		w.mu.Unlock()
		err := crashUpsert(client, baseURL, collection, b.points)
		if err != nil {
			if !killed.Load() {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
			}
			return
		}
		w.mu.Lock()
		b.acked = true
		w.mu.Unlock()
		acked.Add(1)
	}
}

// crashCheckPoints retrieves every point of want (in chunks) and requires each to
// be present with payload deep-equal and vector bit-identical.
func crashCheckPoints(t *testing.T, s *server, collection string, want []crashPoint) {
	t.Helper()
	got := crashRetrieveAll(t, s, collection, want)
	for _, p := range want {
		rec, ok := got[p.ID]
		if !ok {
			t.Errorf("%s: acknowledged point %d is missing", collection, p.ID)
			continue
		}
		crashCheckPoint(t, collection, p, rec)
	}
}

// crashCheckPoint compares one retrieved record with what was sent.
func crashCheckPoint(t *testing.T, collection string, want crashPoint, got record) {
	t.Helper()
	wantJSON, err := json.Marshal(want.Payload)
	if err != nil {
		t.Fatal(err)
	}
	gotJSON, _ := json.Marshal(got.Payload)
	if !jsonEqual(decodeJSON(t, wantJSON), decodeJSON(t, gotJSON)) {
		t.Errorf("%s: point %d payload\n got %s\nwant %s", collection, want.ID, gotJSON, wantJSON)
	}
	vec := float32s(t, got.Vector)
	if len(vec) != len(want.Vector) {
		t.Errorf("%s: point %d has %d vector components, want %d", collection, want.ID, len(vec), len(want.Vector))
		return
	}
	for i := range vec {
		if math.Float32bits(vec[i]) != math.Float32bits(want.Vector[i]) {
			t.Errorf("%s: point %d vector[%d] = %v (%q, bits %#08x), want %v (bits %#08x)",
				collection, want.ID, i, vec[i], got.Vector[i], math.Float32bits(vec[i]), want.Vector[i], math.Float32bits(want.Vector[i]))
			return
		}
	}
}

// crashRetrieveAll fetches the points of pts that exist, by id, 500 at a time.
func crashRetrieveAll(t *testing.T, s *server, collection string, pts []crashPoint) map[uint64]record {
	t.Helper()
	out := make(map[uint64]record, len(pts))
	for start := 0; start < len(pts); start += 500 {
		chunk := pts[start:min(start+500, len(pts))]
		ids := make([]uint64, len(chunk))
		for i, p := range chunk {
			ids[i] = p.ID
		}
		for _, rec := range retrieve(t, s, collection, ids, true) {
			id, err := strconv.ParseUint(rec.ID.String(), 10, 64)
			if err != nil {
				t.Fatalf("%s: retrieve answered id %q: %v", collection, rec.ID, err)
			}
			out[id] = rec
		}
	}
	return out
}

func TestCrash_AcknowledgedWritesSurviveKill9(t *testing.T) {
	const (
		dotColl    = "crash_dot"
		cosColl    = "crash_cos"
		writers    = 4
		killAfter  = 150 // acknowledged batches, or killWithin, whichever comes first: when to kill, not a pass/fail timing
		killWithin = 1500 * time.Millisecond
	)
	s := startServer(t, withLogLevel("info"))
	createCollection(t, s, dotColl, crashDim, "Dot")
	createCollection(t, s, cosColl, crashDim, "Cosine")
	t.Logf("seed %d", crashSeed)

	client := &http.Client{Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	var stop, killed atomic.Bool
	var acked atomic.Int64
	var wg sync.WaitGroup

	// Dot writers: ids of writer w start at w<<56 + 1, so writers 1..3 use
	// ids above 2^53.
	ws := make([]*crashWriter, writers)
	for w := range ws {
		ws[w] = &crashWriter{}
		r := rand.New(rand.NewPCG(crashSeed, uint64(w)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws[w].run(client, s.URL, dotColl, uint64(w)<<56+1, r, &stop, &killed, &acked)
		}()
	}

	// Cosine writer: upsert 5 points, read back the stored (normalised)
	// vectors; keep those that were read before the kill.
	var cosMu sync.Mutex
	cosBefore := map[string][]json.Number{}
	var cosErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewPCG(crashSeed, 99))
		next := uint64(1)
		for !stop.Load() {
			pts := make([]crashPoint, 5)
			ids := make([]uint64, len(pts))
			for i := range pts {
				pts[i] = crashPoint{ID: next, Vector: crashVector(r, true), Payload: map[string]any{"i": next}}
				ids[i] = next
				next++
			}
			err := crashUpsert(client, s.URL, cosColl, pts)
			var vecs map[string][]json.Number
			if err == nil {
				vecs, err = crashRetrieveVectors(client, s.URL, cosColl, ids)
			}
			if err != nil {
				if !killed.Load() {
					cosMu.Lock()
					cosErr = err
					cosMu.Unlock()
				}
				return
			}
			cosMu.Lock()
			for id, v := range vecs {
				cosBefore[id] = v
			}
			cosMu.Unlock()
		}
	}()

	// Kill while the writers are in the middle of their requests.
	deadline := time.Now().Add(killWithin)
	for acked.Load() < killAfter && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	killed.Store(true)
	stop.Store(true)
	s.Kill9()
	wg.Wait()

	for w, cw := range ws {
		if cw.err != nil {
			t.Fatalf("writer %d: unexpected answer before the kill: %v", w, cw.err)
		}
	}
	if cosErr != nil {
		t.Fatalf("cosine writer: unexpected answer before the kill: %v", cosErr)
	}
	var ackedPts, pendingPts []crashPoint
	var pending []*crashBatch
	for _, cw := range ws {
		for _, b := range cw.batches {
			if b.acked {
				ackedPts = append(ackedPts, b.points...)
			} else {
				pending = append(pending, b)
				pendingPts = append(pendingPts, b.points...)
			}
		}
	}
	if len(ackedPts) == 0 || len(cosBefore) == 0 {
		t.Fatalf("no write was acknowledged before the kill (dot %d points, cosine %d)", len(ackedPts), len(cosBefore))
	}
	t.Logf("killed with %d acknowledged points and %d in flight (%d batches); %d cosine vectors read before",
		len(ackedPts), len(pendingPts), len(pending), len(cosBefore))

	s.Restart(t)

	t.Run("AcknowledgedPresentAndExact", func(t *testing.T) {
		crashCheckPoints(t, s, dotColl, ackedPts)
	})

	t.Run("InFlightAllOrNothing", func(t *testing.T) {
		// A batch the server did not get to acknowledge may or may not
		// be there, but never in part, and never altered.
		got := crashRetrieveAll(t, s, dotColl, pendingPts)
		present := 0
		for _, b := range pending {
			n := 0
			for _, p := range b.points {
				if rec, ok := got[p.ID]; ok {
					n++
					crashCheckPoint(t, dotColl, p, rec)
				}
			}
			if n != 0 && n != len(b.points) {
				t.Errorf("unacknowledged batch starting at id %d: %d of %d points survived", b.points[0].ID, n, len(b.points))
			}
			present += n
		}
		// Nothing else is in the collection.
		if n := count(t, s, dotColl, nil); n != len(ackedPts)+present {
			t.Errorf("count = %d, want %d acknowledged + %d in-flight points found", n, len(ackedPts), present)
		}
	})

	t.Run("CosineVectorsBitIdentical", func(t *testing.T) {
		ids := make([]uint64, 0, len(cosBefore))
		for id := range cosBefore {
			n, _ := strconv.ParseUint(id, 10, 64)
			ids = append(ids, n)
		}
		after := map[string][]json.Number{}
		for _, rec := range retrieve(t, s, cosColl, ids, true) {
			after[rec.ID.String()] = rec.Vector
		}
		for id, before := range cosBefore {
			got, ok := after[id]
			if !ok {
				t.Errorf("cosine point %s, read back before the kill, is missing", id)
				continue
			}
			b, a := float32s(t, before), float32s(t, got)
			if len(a) != len(b) {
				t.Errorf("cosine point %s: %d components after restart, %d before", id, len(a), len(b))
				continue
			}
			var norm float64
			for i := range a {
				norm += float64(a[i]) * float64(a[i])
				if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
					t.Errorf("cosine point %s vector[%d] = %q after restart, %q before", id, i, got[i], before[i])
					break
				}
			}
			if math.Abs(norm-1) > 1e-4 {
				t.Errorf("cosine point %s: |v|^2 = %v, want a unit vector", id, norm)
			}
		}
	})

	t.Run("WritableAfterRestart", func(t *testing.T) {
		before := count(t, s, dotColl, nil)
		p := crashPoint{ID: 1<<63 + 7, Vector: crashSpecialVector(), Payload: map[string]any{"after": "restart"}} // an id no writer used
		upsertPoints(t, s, dotColl, []point{{ID: p.ID, Vector: p.Vector, Payload: p.Payload}})
		if n := count(t, s, dotColl, nil); n != before+1 {
			t.Errorf("count after one more upsert = %d, want %d", n, before+1)
		}
		crashCheckPoints(t, s, dotColl, []crashPoint{p})
	})
}

func TestCrash_RepeatedKill9(t *testing.T) {
	const (
		coll    = "crash_cycles"
		cycles  = 3
		writers = 2
		batches = 5 // per writer and cycle
	)
	s := startServer(t, withLogLevel("info"))
	createCollection(t, s, coll, crashDim, "Dot")
	client := &http.Client{Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()

	latest := map[uint64]crashPoint{} // every acknowledged id, as last written
	var order []uint64                // ids in first-write order
	prevCount := 0
	for c := 1; c <= cycles; c++ {
		// New points from concurrent writers, all acknowledged before the kill.
		var mu sync.Mutex
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for w := range writers {
			r := rand.New(rand.NewPCG(crashSeed+uint64(c), uint64(w)))
			base := uint64(c)<<40 | uint64(w)<<32 | 1
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range batches {
					pts := make([]crashPoint, crashBatchSize)
					for j := range pts {
						id := base + uint64(b*crashBatchSize+j)
						pts[j] = crashPoint{ID: id, Vector: crashVector(r, false), Payload: crashPayload(r, id)}
					}
					if err := crashUpsert(client, s.URL, coll, pts); err != nil {
						errs[w] = err
						return
					}
					mu.Lock()
					for _, p := range pts {
						latest[p.ID] = p
						order = append(order, p.ID)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		for w, err := range errs {
			if err != nil {
				t.Fatalf("cycle %d writer %d: %v", c, w, err)
			}
		}
		// Overwrite some points of earlier cycles: the last write wins.
		if c > 1 {
			r := rand.New(rand.NewPCG(crashSeed, uint64(c)))
			var over []point
			picked := map[uint64]bool{}
			for len(over) < 10 {
				id := order[r.IntN(len(order))]
				if picked[id] {
					continue
				}
				picked[id] = true
				p := crashPoint{ID: id, Vector: crashVector(r, false), Payload: map[string]any{"overwritten_in_cycle": c, "big": int64(9007199254740993)}}
				latest[id] = p
				over = append(over, point{ID: p.ID, Vector: p.Vector, Payload: p.Payload})
			}
			upsertPoints(t, s, coll, over)
		}

		s.Kill9()
		s.Restart(t)

		n := count(t, s, coll, nil)
		if n != len(latest) {
			t.Errorf("cycle %d: count after kill -9 = %d, want the %d acknowledged points", c, n, len(latest))
		}
		if n <= prevCount {
			t.Errorf("cycle %d: count %d did not grow from %d", c, n, prevCount)
		}
		prevCount = n
		want := make([]crashPoint, 0, len(latest))
		for _, id := range order {
			want = append(want, latest[id])
		}
		crashCheckPoints(t, s, coll, want)
		if t.Failed() {
			t.FailNow()
		}
	}
}
