package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"time"
)

// runServerSuite measures ingest, queries, recall, memory and restarts of
// one collection of o.Points × o.Dim.
func runServerSuite(ctx context.Context, e *env, o options) error {
	fmt.Fprintf(e.out, "## Server suite: %d × %d\n\n", o.Points, o.Dim)
	fmt.Fprintf(e.out, "Cosine; vectors uniform random in [-1, 1) from math/rand (seed %d), not real embeddings; "+
		"queries are %d more such vectors. Client and server share the machine's CPUs.\n\n", o.Seed, o.Queries)

	dataDir := filepath.Join(e.root, "server")
	s, err := newServer(e.bin, dataDir, filepath.Join(e.root, "server.log"))
	if err != nil {
		return err
	}
	defer s.kill9() // only if something below failed; the graceful stop is measured
	progress("server suite: starting %s on %s", e.bin, s.url)
	if _, err := s.start(ctx); err != nil {
		return err
	}
	c := newClient(s.url, o.Clients)
	const coll = "bench"
	if err := c.createCollection(ctx, coll, o.Dim); err != nil {
		return s.failure(err)
	}

	progress("server suite: encoding and loading %d points", o.Points)
	took, err := ingest(ctx, c, coll, o.Points, o.Dim, o.Clients, o.Seed, true)
	if err != nil {
		return s.failure(fmt.Errorf("ingest: %w", err))
	}
	if err := expectCount(ctx, c, coll, o.Points); err != nil {
		return s.failure(err)
	}
	raw := int64(o.Points) * int64(o.Dim) * 4
	t := table{Title: "Ingest", Head: []string{"points", "dim", "batch", "clients", "wait", "time", "points/s", "raw vectors MB/s"}}
	t.add(fmt.Sprint(o.Points), fmt.Sprint(o.Dim), fmt.Sprint(batchSize), fmt.Sprint(o.Clients), "true",
		fmtSec(took), fmtRate(o.Points, took), fmtMBps(raw, took))
	t.Notes = []string{"Request bodies were JSON-encoded before the clock started; the time includes HNSW insertion and WAL fsyncs."}
	t.print(e.out)

	rss, peak, err := s.memory()
	if err != nil {
		return err
	}
	if err := runQuerySet(ctx, e, o, c, coll); err != nil {
		return s.failure(err)
	}
	t = table{Title: "Memory and disk after load", Head: []string{"RSS after load", "peak RSS (VmHWM)", "raw vectors", "RSS ÷ raw", "data folder on disk"}}
	t.add(fmtBytes(rss), fmtBytes(peak), fmtBytes(raw), fmtRatio(float64(rss), float64(raw)), fmtBytes(dirSize(dataDir)))
	t.Notes = []string{"RSS is VmRSS from /proc/<pid>/status, read right after the load, before the queries."}
	t.print(e.out)

	return measureRestarts(ctx, e, o, s, c, coll)
}

// runQuerySet runs the same queries exact and with HNSW, one client and
// o.Clients at once, and prints QPS, latency, recall@10 and the floor of
// exact search.
func runQuerySet(ctx context.Context, e *env, o options, c *client, coll string) error {
	src := newVectorSource(o.Seed+1, o.Dim)
	vecs := make([][]float32, o.Queries)
	exact, hnsw := make([][]byte, o.Queries), make([][]byte, o.Queries)
	for i := range vecs {
		vecs[i] = src.next()
		exact[i], hnsw[i] = queryBody(vecs[i], true, 0), queryBody(vecs[i], false, o.Ef)
	}
	warm := min(50, o.Queries)
	for _, b := range [][][]byte{exact[:warm], hnsw[:warm]} {
		if _, err := runQueries(ctx, c, coll, b, 1); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	efName := "server default"
	if o.Ef > 0 {
		efName = fmt.Sprint(o.Ef)
	}
	clients := []int{1}
	if o.Clients > 1 {
		clients = append(clients, o.Clients)
	}
	t := table{Title: "Queries (limit 10)", Head: []string{"search", "clients", "queries", "QPS", "p50", "p99", "max"}}
	seq := map[bool]queryRun{}
	for _, isExact := range []bool{true, false} {
		name, bodies := "HNSW (hnsw_ef "+efName+")", hnsw
		if isExact {
			name, bodies = "exact (params.exact)", exact
		}
		for _, cl := range clients {
			progress("server suite: %d %s queries, %d client(s)", o.Queries, name, cl)
			r, err := runQueries(ctx, c, coll, bodies, cl)
			if err != nil {
				return err
			}
			if cl == 1 {
				seq[isExact] = r
			}
			sm := summarize(r.lat)
			t.add(name, fmt.Sprint(cl), fmt.Sprint(o.Queries), fmtRate(o.Queries, r.wall), fmtMs(sm.P50), fmtMs(sm.P99), fmtMs(sm.Max))
		}
	}
	t.Notes = []string{fmt.Sprintf("A warm-up of %d queries of each kind ran first and is not counted. Latency is measured at the client, HTTP and JSON included.", warm)}
	t.print(e.out)

	t = table{Title: "Recall@10 of HNSW against exact search (same queries, 1 client)", Head: []string{
		"hnsw_ef", "QPS", "p50", "p99", "mean recall@10", "worst query", "queries with all 10"}}
	addRecall := func(ef string, r queryRun) {
		sm := summarize(r.lat)
		mean, worst, perfect := recall(r.ids, seq[true].ids)
		t.add(ef, fmtRate(len(r.lat), r.wall), fmtMs(sm.P50), fmtMs(sm.P99), fmt.Sprintf("%.4f", mean), fmt.Sprintf("%.1f", worst), fmt.Sprint(perfect))
	}
	addRecall(efName, seq[false])
	for _, ef := range o.EfSweep {
		progress("server suite: %d HNSW queries with hnsw_ef %d", o.Queries, ef)
		bodies := make([][]byte, len(vecs))
		for i, v := range vecs {
			bodies[i] = queryBody(v, false, ef)
		}
		r, err := runQueries(ctx, c, coll, bodies, 1)
		if err != nil {
			return err
		}
		addRecall(fmt.Sprint(ef), r)
	}
	t.Notes = []string{"Exact search is the reference: recall@10 is the share of its 10 ids that HNSW also returned, per query."}
	t.print(e.out)
	return exactFloor(ctx, e, o, vecs, seq[true])
}

// exactFloor times a plain in-process scan of the same vectors for the
// first queries and sets it beside the server's exact search; it also
// checks that both found the same ids.
func exactFloor(ctx context.Context, e *env, o options, vecs [][]float32, server queryRun) error {
	m := min(len(vecs), 200)
	progress("server suite: floor of exact search, %d queries scanned in-process", m)
	s := newScanner(o.Seed, o.Points, o.Dim)
	lat, ids := make([]time.Duration, m), make([][]uint64, m)
	t0 := time.Now()
	for i := range m {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		q0 := time.Now()
		ids[i] = s.top10(vecs[i])
		lat[i] = time.Since(q0)
	}
	wall := time.Since(t0)
	mean, _, same := recall(server.ids[:m], ids)
	a, f := summarize(server.lat[:m]), summarize(lat)
	t := table{Title: "Exact search against its floor (1 client)", Head: []string{"", "queries", "QPS", "p50", "p99"}}
	t.add("Amber, params.exact, over HTTP", fmt.Sprint(m), fmtRate(m, sumDurations(server.lat[:m])), fmtMs(a.P50), fmtMs(a.P99))
	t.add("floor: dot-product scan in the bench process, one core", fmt.Sprint(m), fmtRate(m, wall), fmtMs(f.P50), fmtMs(f.P99))
	t.add("Amber ÷ floor", "", "", fmtRatio(float64(a.P50), float64(f.P50)), fmtRatio(float64(a.P99), float64(f.P99)))
	t.Notes = []string{fmt.Sprintf("The floor regenerates the %d vectors, stores them unit-length in one []float32 and scans them with a "+
		"4-way unrolled float32 dot product, keeping the best 10: no HTTP, JSON, locks or per-point indirection. "+
		"Its top 10 agreed with Amber's exact top 10 on %d of %d queries (mean overlap %.4f).", o.Points, same, m, mean)}
	t.print(e.out)
	return nil
}

func sumDurations(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}

// queryRun is the outcome of runQueries; lat[i] and ids[i] belong to query i.
type queryRun struct {
	lat  []time.Duration
	ids  [][]uint64
	wall time.Duration
}

// runQueries sends every body once, from clients connections at once.
func runQueries(ctx context.Context, c *client, coll string, bodies [][]byte, clients int) (queryRun, error) {
	r := queryRun{lat: make([]time.Duration, len(bodies)), ids: make([][]uint64, len(bodies))}
	var next atomic.Int64
	t0 := time.Now()
	err := parallel(ctx, clients, func(ctx context.Context, _ int) error {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(bodies) {
				return nil
			}
			q0 := time.Now()
			ids, err := c.query(ctx, coll, bodies[i])
			if err != nil {
				return err
			}
			r.lat[i], r.ids[i] = time.Since(q0), ids
		}
	})
	r.wall = time.Since(t0)
	return r, err
}

// recall compares got with want query by query: the mean and the worst
// fraction of want's ids found in got, and how many queries found them all.
func recall(got, want [][]uint64) (mean, worst float64, perfect int) {
	worst = 1
	for i := range want {
		in := map[uint64]bool{}
		for _, id := range got[i] {
			in[id] = true
		}
		hit := 0
		for _, id := range want[i] {
			if in[id] {
				hit++
			}
		}
		r := 1.0
		if len(want[i]) > 0 {
			r = float64(hit) / float64(len(want[i]))
		}
		mean += r
		worst = min(worst, r)
		if hit == len(want[i]) {
			perfect++
		}
	}
	if len(want) > 0 {
		mean /= float64(len(want))
	}
	return mean, worst, perfect
}

// measureRestarts kills the loaded server with SIGKILL (the next start
// replays the WAL), then stops it with SIGTERM (it checkpoints), timing
// each start until /readyz is 200 and until a query is answered.
func measureRestarts(ctx context.Context, e *env, o options, s *server, c *client, coll string) error {
	probe := queryBody(newVectorSource(o.Seed+1, o.Dim).next(), false, o.Ef)
	t := table{Title: "Restart", Head: []string{"stop", "WAL at stop", "stop took", "/readyz 200 after", "first query answered after", "points after"}}
	for _, kind := range []string{"kill -9", "SIGTERM"} {
		wal, _, err := c.metric(ctx, "amber_wal_size_bytes")
		if err != nil {
			return s.failure(err)
		}
		progress("server suite: %s with %s of WAL, then start", kind, fmtBytes(int64(wal)))
		stopTook := "-"
		if kind == "kill -9" {
			s.kill9()
		} else {
			d, err := s.stop()
			if err != nil {
				return err
			}
			stopTook = fmtSec(d)
		}
		t0 := time.Now()
		ready, err := s.start(ctx)
		if err != nil {
			return err
		}
		if _, err := c.query(ctx, coll, probe); err != nil {
			return s.failure(fmt.Errorf("first query after %s: %w", kind, err))
		}
		answered := time.Since(t0)
		n, err := c.count(ctx, coll)
		if err != nil {
			return s.failure(err)
		}
		t.add(kind, fmtBytes(int64(wal)), stopTook, fmtSec(ready), fmtSec(answered), fmt.Sprint(n))
	}
	t.Notes = []string{"Times run from exec of the binary. WAL at stop is amber_wal_size_bytes just before the stop: " +
		"what a start after kill -9 replays; SIGTERM checkpoints first, so the next start loads the checkpoint."}
	t.print(e.out)
	_, err := s.stop()
	return err
}

func expectCount(ctx context.Context, c *client, coll string, want int) error {
	n, err := c.count(ctx, coll)
	if err != nil {
		return err
	}
	if n != want {
		return fmt.Errorf("collection %s holds %d points, want %d", coll, n, want)
	}
	return nil
}
