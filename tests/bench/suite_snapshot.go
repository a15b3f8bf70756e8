package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// runSnapshotSuite measures snapshot create and recover at each of o.Sizes
// against its floor, then the write pause and read latency at the largest.
func runSnapshotSuite(ctx context.Context, e *env, o options) error {
	fmt.Fprintf(e.out, "## Snapshot suite: %s × %d\n\n", strings.Trim(strings.Join(strings.Fields(fmt.Sprint(o.Sizes)), ", "), "[]"), o.Dim)
	fmt.Fprintf(e.out, "Cosine; vectors uniform random in [-1, 1) from math/rand (seed %d). "+
		"Each size is its own collection, loaded with batches of %d (wait=true) before it is measured.\n\n", o.Seed, batchSize)

	dataDir := filepath.Join(e.root, "snapshot")
	s, err := newServer(e.bin, dataDir, filepath.Join(e.root, "snapshot.log"))
	if err != nil {
		return err
	}
	defer s.kill9()
	progress("snapshot suite: starting %s on %s", e.bin, s.url)
	if _, err := s.start(ctx); err != nil {
		return err
	}
	c := newClient(s.url, o.Clients+o.Writers+o.Readers)
	floorDir := filepath.Join(e.root, "floor")
	if err := os.MkdirAll(floorDir, 0o755); err != nil {
		return err
	}

	sizes := table{Title: "Snapshot size, create and recover", Head: []string{
		"points", "raw vectors", "collection folder", "snapshot", "snapshot ÷ raw", "create", "create MB/s", "recover", "recover MB/s"}}
	floors := table{Title: "Against the floor (same bytes through SHA-256 onto the same disk)", Head: []string{
		"points", "what", "bytes", "time", "MB/s", "Amber create ÷ this", "Amber recover ÷ this"}}
	for _, n := range o.Sizes {
		coll := fmt.Sprintf("snap_%d", n)
		if err := c.createCollection(ctx, coll, o.Dim); err != nil {
			return s.failure(err)
		}
		progress("snapshot suite: loading %d points into %s", n, coll)
		if _, err := ingest(ctx, c, coll, n, o.Dim, o.Clients, o.Seed, false); err != nil {
			return s.failure(fmt.Errorf("ingest: %w", err))
		}
		if err := expectCount(ctx, c, coll, n); err != nil {
			return s.failure(err)
		}
		collDir := filepath.Join(dataDir, "collections", coll)
		collBytes := dirSize(collDir)

		progress("snapshot suite: snapshot of %s", coll)
		t0 := time.Now()
		info, err := c.createSnapshot(ctx, coll)
		if err != nil {
			return s.failure(fmt.Errorf("create snapshot: %w", err))
		}
		create := time.Since(t0)
		snapPath := filepath.Join(dataDir, "snapshots", coll, info.Name)

		progress("snapshot suite: floors for %s", coll)
		tarArgs := []string{"tar", "-cf", "-", "-C", filepath.Dir(collDir), coll}
		type measured struct {
			what  string
			d     time.Duration
			bytes int64
		}
		var fl []measured
		for _, f := range []struct {
			what string
			run  func() (time.Duration, int64, error)
		}{
			{"A, shell: tar of collection folder, tee, sha256sum, sync", func() (time.Duration, int64, error) {
				return shellFloor(ctx, fmt.Sprintf("tar -cf - -C %q %q", filepath.Dir(collDir), coll), filepath.Join(floorDir, "a.tar"))
			}},
			{"A, Go: tar of collection folder → crypto/sha256 + write + fsync", func() (time.Duration, int64, error) {
				return goFloor(ctx, "", tarArgs, filepath.Join(floorDir, "a-go.tar"))
			}},
			{"B, shell: cat snapshot, tee, sha256sum, sync", func() (time.Duration, int64, error) {
				return shellFloor(ctx, fmt.Sprintf("cat %q", snapPath), filepath.Join(floorDir, "b.snapshot"))
			}},
			{"B, Go: snapshot file → crypto/sha256 + write + fsync", func() (time.Duration, int64, error) {
				return goFloor(ctx, snapPath, nil, filepath.Join(floorDir, "b-go.snapshot"))
			}},
		} {
			d, b, err := f.run()
			if err != nil {
				return err
			}
			fl = append(fl, measured{f.what, d, b})
		}

		progress("snapshot suite: recover %s into %s_recovered", info.Name, coll)
		rcoll := coll + "_recovered"
		t0 = time.Now()
		if err := c.recover(ctx, rcoll, snapPath); err != nil {
			return s.failure(fmt.Errorf("recover: %w", err))
		}
		recover := time.Since(t0)
		if err := expectCount(ctx, c, rcoll, n); err != nil {
			return s.failure(fmt.Errorf("after recover: %w", err))
		}
		if err := c.deleteCollection(ctx, rcoll); err != nil {
			return s.failure(err)
		}
		if err := c.deleteSnapshot(ctx, coll, info.Name); err != nil {
			return s.failure(err)
		}

		raw := int64(n) * int64(o.Dim) * 4
		sizes.add(fmt.Sprint(n), fmtBytes(raw), fmtBytes(collBytes), fmtBytes(info.Size), fmtRatio(float64(info.Size), float64(raw)),
			fmtSec(create), fmtMBps(info.Size, create), fmtSec(recover), fmtMBps(info.Size, recover))
		floors.add(fmt.Sprint(n), "Amber: create snapshot", fmtBytes(info.Size), fmtSec(create), fmtMBps(info.Size, create), "", "")
		floors.add(fmt.Sprint(n), "Amber: recover snapshot", fmtBytes(info.Size), fmtSec(recover), fmtMBps(info.Size, recover), "", "")
		for _, f := range fl {
			floors.add(fmt.Sprint(n), f.what, fmtBytes(f.bytes), fmtSec(f.d), fmtMBps(f.bytes, f.d),
				fmtRatio(create.Seconds(), f.d.Seconds()), fmtRatio(recover.Seconds(), f.d.Seconds()))
		}
	}
	sizes.Notes = []string{"Create is POST /collections/{c}/snapshots?wait=true; recover is PUT /collections/{c}_recovered/snapshots/recover " +
		"from file:// into a new collection, until it answers. MB/s are snapshot bytes (10^6) per second."}
	sizes.print(e.out)
	overhead, _, err := shellFloor(ctx, "true", filepath.Join(floorDir, "empty"))
	if err != nil {
		return err
	}
	shRate, goRate, err := hashRates(ctx, 256e6)
	if err != nil {
		return err
	}
	floors.Notes = []string{
		"Each floor reads the bytes, hashes them with SHA-256 and writes them to a file on the same disk, then fsyncs it; nothing else. " +
			"A is the collection's folder as tar made it, B is the snapshot file. The shell floors are " +
			"`bash -c 'set -o pipefail; SRC | tee OUT | sha256sum > OUT.sha256 && sync OUT'`; the Go floors copy the same stream " +
			"through crypto/sha256 into the file in one pass, as the server does. Files were just written, so reads come from the page cache " +
			"for the floors and Amber alike.",
		fmt.Sprintf("SHA-256 from memory on this machine: sha256sum %.0f MB/s, Go crypto/sha256 %.0f MB/s (256 MB each). "+
			"The shell floor's fixed cost (bash and four processes, zero bytes) was %s.", shRate, goRate, fmtSec(overhead)),
	}
	floors.print(e.out)

	largest := fmt.Sprintf("snap_%d", slices.Max(o.Sizes))
	return measurePause(ctx, e, o, s, c, largest, slices.Max(o.Sizes))
}

// phase is what writers and readers saw during one phase.
type phase struct {
	wall        time.Duration
	checkpoints int // amber_collection_checkpoints_total during the phase
	writes      []time.Duration
	reads       []time.Duration
	snapshots   []time.Duration
}

// measurePause restarts the server, so that amber_snapshot_longest_pin_seconds
// only covers this experiment, then runs writers and readers for o.Phase
// without a snapshot and for o.Phase while snapshots are taken back to back.
func measurePause(ctx context.Context, e *env, o options, s *server, c *client, coll string, n int) error {
	progress("snapshot suite: restarting before the pause experiment")
	if _, err := s.stop(); err != nil {
		return err
	}
	if _, err := s.start(ctx); err != nil {
		return err
	}
	src := newVectorSource(o.Seed+1, o.Dim)
	queries := make([][]byte, o.Queries)
	for i := range queries {
		queries[i] = queryBody(src.next(), false, o.Ef)
	}
	if _, err := runQueries(ctx, c, coll, queries[:min(50, len(queries))], 1); err != nil {
		return s.failure(fmt.Errorf("warm-up: %w", err))
	}
	pinBefore, _, err := c.metric(ctx, "amber_snapshot_longest_pin_seconds")
	if err != nil {
		return s.failure(err)
	}
	progress("snapshot suite: %s of writes and reads without a snapshot", o.Phase)
	quiet, err := runPhase(ctx, o, c, coll, n, queries, false)
	if err != nil {
		return s.failure(err)
	}
	progress("snapshot suite: %s of writes and reads with snapshots back to back", o.Phase)
	busy, err := runPhase(ctx, o, c, coll, n, queries, true)
	if err != nil {
		return s.failure(err)
	}
	pin, ok, err := c.metric(ctx, "amber_snapshot_longest_pin_seconds")
	if err != nil {
		return s.failure(err)
	}

	t := table{Title: fmt.Sprintf("Writes and reads during snapshots (%d points)", n), Head: []string{
		"phase", "wall", "snapshots", "checkpoints", "writes", "write p50", "write p99", "write max", "reads", "read p50", "read p99", "read max"}}
	var ws, rs [2]summary
	for i, p := range []phase{quiet, busy} {
		ws[i], rs[i] = summarize(p.writes), summarize(p.reads)
		name := "no snapshot"
		if i == 1 {
			name = "snapshots back to back"
		}
		t.add(name, fmtSec(p.wall), fmt.Sprint(len(p.snapshots)), fmt.Sprint(p.checkpoints), fmt.Sprint(ws[i].N), fmtMs(ws[i].P50), fmtMs(ws[i].P99), fmtMs(ws[i].Max),
			fmt.Sprint(rs[i].N), fmtMs(rs[i].P50), fmtMs(rs[i].P99), fmtMs(rs[i].Max))
	}
	r := func(a, b time.Duration) string { return fmtRatio(float64(a), float64(b)) }
	t.add("with ÷ without", "", "", "", "", r(ws[1].P50, ws[0].P50), r(ws[1].P99, ws[0].P99), r(ws[1].Max, ws[0].Max),
		"", r(rs[1].P50, rs[0].P50), r(rs[1].P99, rs[0].P99), r(rs[1].Max, rs[0].Max))
	snaps := summarize(busy.snapshots)
	pinText := "not exported"
	if ok {
		pinText = fmtMs(time.Duration(pin * float64(time.Second)))
	}
	t.Notes = []string{
		fmt.Sprintf("%d writer(s) upsert 16 random existing ids per request (wait=true); %d reader(s) send HNSW queries (limit 10); "+
			"each loops for the phase. Snapshots in the second phase took %s mean, %s max (each deleted after the next one). "+
			"Checkpoints (WAL-triggered, in the background) are counted because they can pause writes in either phase.",
			o.Writers, o.Readers, fmtSec(snaps.Mean), fmtSec(snaps.Max)),
		fmt.Sprintf("amber_snapshot_longest_pin_seconds: %s after the second phase (%s before the first; the server was restarted just before).",
			pinText, fmtMs(time.Duration(pinBefore*float64(time.Second)))),
	}
	t.print(e.out)
	_, err = s.stop()
	return err
}

// runPhase runs writers and readers for o.Phase. With snapshots, a further
// goroutine takes snapshots back to back, and the phase lasts until the one
// running when o.Phase is up has finished, so load and snapshots overlap
// throughout.
func runPhase(ctx context.Context, o options, c *client, coll string, n int, queries [][]byte, snapshots bool) (phase, error) {
	var p phase
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	if !snapshots {
		time.AfterFunc(o.Phase, stopLoad)
	}
	ckpt0, _, err := c.metric(ctx, "amber_collection_checkpoints_total")
	if err != nil {
		return p, err
	}
	var mu sync.Mutex
	t0 := time.Now()
	err = parallel(ctx, o.Writers+o.Readers+1, func(ctx context.Context, w int) error {
		var lat []time.Duration
		defer func() {
			mu.Lock()
			defer mu.Unlock()
			if w < o.Writers {
				p.writes = append(p.writes, lat...)
			} else if w < o.Writers+o.Readers {
				p.reads = append(p.reads, lat...)
			}
		}()
		switch {
		case w == o.Writers+o.Readers:
			if !snapshots {
				return nil
			}
			defer stopLoad()
			prev := ""
			for time.Since(t0) < o.Phase {
				s0 := time.Now()
				info, err := c.createSnapshot(ctx, coll)
				if err != nil {
					return fmt.Errorf("snapshot under load: %w", err)
				}
				mu.Lock()
				p.snapshots = append(p.snapshots, time.Since(s0))
				mu.Unlock()
				if prev != "" {
					if err := c.deleteSnapshot(ctx, coll, prev); err != nil {
						return err
					}
				}
				prev = info.Name
			}
			return c.deleteSnapshot(ctx, coll, prev)
		case w < o.Writers:
			src := newVectorSource(o.Seed+100+int64(w), o.Dim)
			rng := newVectorSource(o.Seed+200+int64(w), 1).rng
			for loadCtx.Err() == nil {
				ids, vecs := make([]uint64, 0, 16), make([][]float32, 0, 16)
				for len(ids) < min(16, n) {
					if id := uint64(rng.Intn(n)); !slices.Contains(ids, id) {
						ids, vecs = append(ids, id), append(vecs, src.next())
					}
				}
				body := pointsBody(ids, vecs)
				q0 := time.Now()
				if err := c.do(ctx, "PUT", "/collections/"+coll+"/points?wait=true", body, nil); err != nil {
					return fmt.Errorf("write: %w", err)
				}
				lat = append(lat, time.Since(q0))
			}
		default:
			for i := w; loadCtx.Err() == nil; i++ {
				q0 := time.Now()
				if _, err := c.query(ctx, coll, queries[i%len(queries)]); err != nil {
					return fmt.Errorf("read: %w", err)
				}
				lat = append(lat, time.Since(q0))
			}
		}
		return nil
	})
	p.wall = time.Since(t0)
	if err != nil {
		return p, err
	}
	ckpt1, _, err := c.metric(ctx, "amber_collection_checkpoints_total")
	p.checkpoints = int(ckpt1 - ckpt0)
	return p, err
}
