package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/amberdb/amber"
)

func openTestDB(t *testing.T, dir string, mod func(*Options)) *DB {
	t.Helper()
	opts := DefaultOptions(dir)
	if mod != nil {
		mod(&opts)
	}
	db, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func testConfig(dim int, d amber.Distance) amber.CollectionConfig {
	return amber.CollectionConfig{Vectors: amber.VectorsConfig{"": {Size: dim, Distance: d}}, HNSW: amber.DefaultHNSWConfig()}
}

func randomPoints(rng *rand.Rand, n, dim int, firstID uint64) []amber.Point {
	pts := make([]amber.Point, n)
	for i := range pts {
		v := make([]float32, dim)
		for j := range v {
			v[j] = rng.Float32()*2 - 1
		}
		id := firstID + uint64(i)
		pts[i] = amber.Point{ID: amber.NumID(id), Vectors: amber.Vectors{"": v},
			Payload: amber.Payload{"n": json.Number(fmt.Sprint(id)), "even": id%2 == 0}}
	}
	return pts
}

// dump returns every point with payload and vector, for comparisons.
func dump(t *testing.T, c *Collection) map[amber.PointID]string {
	t.Helper()
	out := map[amber.PointID]string{}
	var offset *amber.PointID
	for {
		recs, next := c.Scroll(amber.ScrollRequest{Limit: 1000, Offset: offset, WithPayload: true, WithVector: true})
		for _, r := range recs {
			b, _ := json.Marshal(struct {
				P amber.Payload
				V amber.Vectors
			}{r.Payload, r.Vectors})
			out[r.ID] = string(b)
		}
		if next == nil {
			return out
		}
		offset = next
	}
}

func TestCollection_ReplayAfterCrash(t *testing.T) {
	dir := t.TempDir()
	db := openTestDB(t, dir, nil)
	ctx := context.Background()
	if err := db.Create(ctx, "c", testConfig(8, amber.Dot)); err != nil {
		t.Fatal(err)
	}
	c, _ := db.Collection("c")
	rng := rand.New(rand.NewSource(1))
	if _, err := c.Upsert(ctx, randomPoints(rng, 300, 8, 0), true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Delete(ctx, []amber.PointID{amber.NumID(3), amber.NumID(4)}, nil, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdatePayload(ctx, amber.PayloadOp{Kind: amber.PayloadSet, Payload: amber.Payload{"tag": "x"}, IDs: []amber.PointID{amber.NumID(7)}}, true); err != nil {
		t.Fatal(err)
	}
	want := dump(t, c)
	// A crash: the WAL is closed without a checkpoint.
	c.closeNoCheckpoint()

	db2 := openTestDB(t, dir, nil)
	c2, err := db2.Collection("c")
	if err != nil {
		t.Fatal(err)
	}
	if got := dump(t, c2); !reflect.DeepEqual(got, want) {
		t.Fatalf("after replay: %d points, want %d (or contents differ)", len(got), len(want))
	}
	if got, want := c2.Count(nil), uint64(298); got != want {
		t.Fatalf("count = %d, want %d", got, want)
	}
}

func TestCollection_CheckpointAndReopen(t *testing.T) {
	dir := t.TempDir()
	small := func(o *Options) { o.CheckpointBytes = 64 << 10; o.WALSegmentSize = 32 << 10 }
	db := openTestDB(t, dir, small)
	ctx := context.Background()
	db.Create(ctx, "c", testConfig(16, amber.Euclid))
	c, _ := db.Collection("c")
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 20; i++ {
		if _, err := c.Upsert(ctx, randomPoints(rng, 100, 16, uint64(i*50)), true); err != nil {
			t.Fatal(err)
		}
	}
	c.bg.Wait()
	if c.stats.checkpoints.Load() == 0 {
		t.Fatal("no checkpoint was written past CheckpointBytes")
	}
	want := dump(t, c)
	q := amber.Query{Vector: randomPoints(rng, 1, 16, 0)[0].Vectors[""], Limit: 5, Exact: true}
	wantHits, _ := c.Search(q)
	if err := db.Close(ctx); err != nil {
		t.Fatal(err)
	}
	db2 := openTestDB(t, dir, small)
	c2, _ := db2.Collection("c")
	if got := dump(t, c2); !reflect.DeepEqual(got, want) {
		t.Fatal("contents differ after checkpoint and reopen")
	}
	gotHits, _ := c2.Search(q)
	if !reflect.DeepEqual(gotHits, wantHits) {
		t.Fatalf("search after reopen = %v, want %v", gotHits, wantHits)
	}
	if n := c2.graphs[0].Len(); n < len(want) {
		t.Fatalf("graph has %d nodes after reopen, want >= %d", n, len(want))
	}
}

// writeView lays out a view's files as an extracted archive would be.
func writeView(t *testing.T, v *View, dir string) {
	t.Helper()
	files, err := v.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := writeFileFunc(p, f); err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(p); fi.Size() != f.Size {
			t.Fatalf("%s: wrote %d bytes, announced %d", f.Name, fi.Size(), f.Size)
		}
	}
}

func TestView_ConsistentUnderWrites(t *testing.T) {
	db := openTestDB(t, t.TempDir(), nil)
	ctx := context.Background()
	db.Create(ctx, "c", testConfig(8, amber.Cosine))
	c, _ := db.Collection("c")
	rng := rand.New(rand.NewSource(3))
	c.Upsert(ctx, randomPoints(rng, 500, 8, 0), true)

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		r := rand.New(rand.NewSource(4))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			c.Upsert(ctx, randomPoints(r, 20, 8, uint64(r.Intn(2000))), true)
			c.Delete(ctx, []amber.PointID{amber.NumID(uint64(r.Intn(2000)))}, nil, true)
		}
	})
	for round := 0; round < 5; round++ {
		v := c.Pin()
		// The view must equal the state at its pin, even though writes go on.
		pinned := map[amber.PointID]bool{}
		for i := uint32(0); i < v.limit; i++ {
			if s := c.slots.get(i); s.aliveAt(v.seq) {
				pinned[s.id] = true
			}
		}
		if uint64(len(pinned)) != v.PointCount() {
			t.Fatalf("round %d: %d slots alive at pin, view says %d", round, len(pinned), v.PointCount())
		}
		dir := filepath.Join(db.TempDir(), fmt.Sprintf("view-%d", round))
		writeView(t, v, dir)
		st, err := db.Stage(dir, fmt.Sprintf("copy%d", round))
		if err != nil {
			t.Fatal(err)
		}
		if st.Points() != v.PointCount() {
			t.Fatalf("round %d: staged %d points, pinned %d", round, st.Points(), v.PointCount())
		}
		for id := range pinned {
			if _, ok := st.c.ids[id]; !ok {
				t.Fatalf("round %d: point %s alive at pin is missing from the view", round, id)
			}
		}
		st.Discard()
	}
	close(stop)
	wg.Wait()
}

func TestDB_InstallReplacesAtomically(t *testing.T) {
	db := openTestDB(t, t.TempDir(), nil)
	ctx := context.Background()
	db.Create(ctx, "src", testConfig(4, amber.Dot))
	db.Create(ctx, "dst", testConfig(4, amber.Dot))
	db.Create(ctx, "other", testConfig(5, amber.Dot))
	src, _ := db.Collection("src")
	dst, _ := db.Collection("dst")
	rng := rand.New(rand.NewSource(5))
	src.Upsert(ctx, randomPoints(rng, 50, 4, 0), true)
	dst.Upsert(ctx, randomPoints(rng, 10, 4, 1000), true)
	want := dump(t, src)

	t.Run("OK", func(t *testing.T) {
		dir := filepath.Join(db.TempDir(), "ok")
		writeView(t, src.Pin(), dir)
		st, err := db.Stage(dir, "dst")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Install(ctx, st); err != nil {
			t.Fatal(err)
		}
		got, _ := db.Collection("dst")
		if !reflect.DeepEqual(dump(t, got), want) {
			t.Fatal("dst does not hold src's points after install")
		}
	})
	t.Run("ErrIncompatible", func(t *testing.T) {
		dir := filepath.Join(db.TempDir(), "bad")
		writeView(t, src.Pin(), dir)
		st, err := db.Stage(dir, "other")
		if err != nil {
			t.Fatal(err)
		}
		defer st.Discard()
		err = db.Install(ctx, st)
		if amber.ErrorCodeOf(err) != amber.EInvalid {
			t.Fatalf("install over a 5-dim collection: err = %v, want a 400", err)
		}
		other, _ := db.Collection("other")
		if _, err := other.Upsert(ctx, []amber.Point{{ID: amber.NumID(1), Vectors: amber.Vectors{"": {1, 2, 3, 4, 5}}}}, true); err != nil {
			t.Fatalf("old collection no longer serves: %v", err)
		}
	})
	t.Run("Merge", func(t *testing.T) {
		db.Create(ctx, "m", testConfig(4, amber.Dot))
		m, _ := db.Collection("m")
		m.Upsert(ctx, []amber.Point{{ID: amber.NumID(0), Vectors: amber.Vectors{"": {9, 9, 9, 9}}, Payload: amber.Payload{"mine": true}}}, true)
		dir := filepath.Join(db.TempDir(), "merge")
		writeView(t, src.Pin(), dir)
		st, err := db.Stage(dir, "m")
		if err != nil {
			t.Fatal(err)
		}
		defer st.Discard()
		added, err := db.Merge(ctx, m, st)
		if err != nil || added != 49 {
			t.Fatalf("merge added %d (%v), want 49", added, err)
		}
		if r := m.Get([]amber.PointID{amber.NumID(0)}, true, false); r[0].Payload["mine"] != true {
			t.Fatalf("merge overwrote the current point 0: %v", r[0].Payload)
		}
	})
}

func TestCollection_TornTailDropped(t *testing.T) {
	dir := t.TempDir()
	db := openTestDB(t, dir, nil)
	ctx := context.Background()
	db.Create(ctx, "c", testConfig(4, amber.Dot))
	c, _ := db.Collection("c")
	rng := rand.New(rand.NewSource(6))
	c.Upsert(ctx, randomPoints(rng, 40, 4, 0), true)
	want := dump(t, c)
	c.closeNoCheckpoint()

	// A record cut short by a crash: a plausible header, half a payload.
	segs, _ := filepath.Glob(filepath.Join(dir, "collections", "c", "wal", "*.wal"))
	if len(segs) == 0 {
		t.Fatal("no WAL segment")
	}
	f, err := os.OpenFile(segs[len(segs)-1], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{200, 0, 0, 0, 1, 2, 3, 4, 2, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1})
	f.Close()

	db2 := openTestDB(t, dir, nil)
	c2, err := db2.Collection("c")
	if err != nil {
		t.Fatal(err)
	}
	if got := dump(t, c2); !reflect.DeepEqual(got, want) {
		t.Fatalf("after a torn tail: %d points, want %d", len(got), len(want))
	}
	if c2.Stats().TornTailBytes == 0 {
		t.Fatal("torn tail not reported in stats")
	}
	if _, err := c2.Upsert(ctx, randomPoints(rng, 1, 4, 100), true); err != nil {
		t.Fatalf("write after a torn tail: %v", err)
	}
}
