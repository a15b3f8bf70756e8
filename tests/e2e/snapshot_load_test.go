package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSnapshot_ConsistentUnderLoad takes snapshots while three writers
// upsert and two readers query, then restores every snapshot and checks it
// is a point in time between the snapshot request and its answer: every
// write acknowledged before the request is in it, no write sent after the
// answer is, each writer's points form a prefix of what it sent, and every
// payload is the one written. Reads answer 200 throughout.
func TestSnapshot_ConsistentUnderLoad(t *testing.T) {
	const (
		dim       = 32
		writers   = 3
		batchSize = 25
		snapshots = 5
		preload   = 5000
	)
	s := startServer(t, withLogLevel("info"))
	createCollection(t, s, "load", dim, "Cosine")
	rng := rand.New(rand.NewPCG(7, 7))
	var pre []point
	for i := range preload {
		pre = append(pre, point{ID: i, Vector: snapVector(rng, dim), Payload: loadPayload(-1, i)})
	}
	for i := 0; i < len(pre); i += 500 {
		upsertPoints(t, s, "load", pre[i:i+500])
	}

	// Writers: writer w upserts ids (w+1)*1e6+1, +2, ... in batches, one at a
	// time with wait=true, and records when each batch was sent and acked.
	type batch struct {
		writer      int
		ids         []int
		sent, acked time.Time
	}
	var (
		stop      atomic.Bool
		wg        sync.WaitGroup
		mu        sync.Mutex
		batches   []batch
		writeErrs []string
		lastAcked [writers]atomic.Int64 // UnixNano of the last batch's send time, once acked
	)
	upsertURL := s.URL + "/collections/load/points?wait=true"
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			next := (w+1)*1_000_000 + 1
			for !stop.Load() {
				b := batch{writer: w}
				pts := make([]point, batchSize)
				for i := range pts {
					pts[i] = point{ID: next, Vector: snapVector(rng, dim), Payload: loadPayload(w, next)}
					b.ids = append(b.ids, next)
					next++
				}
				b.sent = time.Now()
				status, body, err := snapPostJSON(s.client, http.MethodPut, upsertURL, map[string]any{"points": pts})
				b.acked = time.Now()
				mu.Lock()
				if err != nil || status != http.StatusOK {
					writeErrs = append(writeErrs, fmt.Sprintf("writer %d upsert: %d %s %v", w, status, body, err))
					mu.Unlock()
					return
				}
				batches = append(batches, b)
				mu.Unlock()
				lastAcked[w].Store(b.sent.UnixNano())
			}
		}()
	}

	// Readers: query without pause; every answer must be 200.
	var queries, queryFailures atomic.Int64
	var queryErr atomic.Value
	queryURL := s.URL + "/collections/load/points/query"
	for r := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 1234))
			for !stop.Load() {
				status, body, err := snapPostJSON(s.client, http.MethodPost, queryURL,
					map[string]any{"query": snapVector(rng, dim), "limit": 5, "with_payload": true})
				queries.Add(1)
				if err != nil || status != http.StatusOK {
					queryFailures.Add(1)
					queryErr.CompareAndSwap(nil, fmt.Sprintf("%d %s %v", status, body, err))
				}
			}
		}()
	}
	stopAll := func() {
		stop.Store(true)
		wg.Wait()
	}
	defer stopAll()

	// waitWriters waits until every writer has had a batch acknowledged
	// that it sent after since (or a writer failed).
	waitWriters := func(since time.Time) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			if time.Now().After(deadline) {
				t.Fatalf("writers had no batch acknowledged within 30s (a hang, not a slow disk)")
			}
			done := true
			for w := range writers {
				done = done && lastAcked[w].Load() > since.UnixNano()
			}
			mu.Lock()
			failed := len(writeErrs) > 0
			mu.Unlock()
			if done || failed {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	type snap struct {
		info       snapInfo
		sent, resp time.Time
	}
	var snaps []snap
	waitWriters(time.Now())
	for range snapshots {
		sent := time.Now()
		info := snapCreate(t, s, "load")
		snaps = append(snaps, snap{info: info, sent: sent, resp: time.Now()})
		waitWriters(time.Now()) // writes land between snapshots, and after the last
	}
	stopAll()
	if len(writeErrs) > 0 {
		t.Fatalf("writes failed during the snapshots: %q", writeErrs)
	}
	if n := queryFailures.Load(); n > 0 {
		t.Errorf("%d of %d queries during the snapshots did not answer 200; first: %v", n, queries.Load(), queryErr.Load())
	}
	total := preload
	for _, b := range batches {
		total += len(b.ids)
	}
	t.Logf("%d batches (%d points) written, %d queries, during %d snapshots", len(batches), total, queries.Load(), len(snaps))

	// Each writer's ids in the order sent, to check prefixes.
	order := map[int][]int{}
	for _, b := range batches {
		order[b.writer] = append(order[b.writer], b.ids...)
	}
	for w := range order {
		slices.Sort(order[w]) // ids increase with send order
	}

	for i, sn := range snaps {
		name := fmt.Sprintf("load_snap_%d", i)
		overlapping := 0
		for _, b := range batches {
			if b.sent.Before(sn.resp) && b.acked.After(sn.sent) {
				overlapping++
			}
		}
		t.Logf("snapshot %d: %d bytes in %s, %d batches in flight meanwhile", i, sn.info.Size, sn.resp.Sub(sn.sent), overlapping)
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(snapDir(s), "load", sn.info.Name)
			snapRecover(t, s, name, map[string]any{"location": snapFileURL(file), "checksum": sn.info.Checksum})
			got := snapScrollAll(t, s, name)
			if n := count(t, s, name, nil); n != len(got) {
				t.Errorf("count = %d, scroll returned %d points", n, len(got))
			}
			for id, p := range got {
				var n int
				fmt.Sscan(id, &n)
				w := n/1_000_000 - 1
				if n < preload {
					w = -1
				}
				if want := loadPayload(w, n); !snapSameJSON(p, want) {
					t.Errorf("point %s: payload %v, want %v", id, p, want)
				}
			}
			for i := range preload {
				if _, ok := got[fmt.Sprint(i)]; !ok {
					t.Errorf("preloaded point %d missing", i)
					break
				}
			}
			for _, b := range batches {
				present := 0
				for _, id := range b.ids {
					if _, ok := got[fmt.Sprint(id)]; ok {
						present++
					}
				}
				switch {
				case b.acked.Before(sn.sent) && present != len(b.ids):
					t.Errorf("writer %d batch %d..%d, acknowledged %s before the snapshot request: %d of %d points present",
						b.writer, b.ids[0], b.ids[len(b.ids)-1], sn.sent.Sub(b.acked), present, len(b.ids))
				case b.sent.After(sn.resp) && present != 0:
					t.Errorf("writer %d batch %d..%d, sent %s after the snapshot answered: %d of %d points present",
						b.writer, b.ids[0], b.ids[len(b.ids)-1], b.sent.Sub(sn.resp), present, len(b.ids))
				}
			}
			for w, ids := range order {
				k := 0
				for k < len(ids) && got[fmt.Sprint(ids[k])] != nil {
					k++
				}
				for _, id := range ids[k:] {
					if got[fmt.Sprint(id)] != nil {
						t.Errorf("writer %d: point %d present but its earlier point %d is not: not a point in time", w, id, ids[k])
						break
					}
				}
			}
		})
	}
}

// loadPayload is the payload of point id written by writer w (-1: preload).
func loadPayload(w, id int) map[string]any {
	return map[string]any{"writer": w, "seq": id, "note": fmt.Sprintf("w%d/%d", w, id)}
}

// snapPostJSON sends a JSON request from any goroutine: errors are
// returned, not reported to a test.
func snapPostJSON(c *http.Client, method, url string, body any) (int, []byte, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(data))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// snapSameJSON reports whether a and b encode to the same JSON.
func snapSameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}
