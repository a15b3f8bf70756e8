package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// batchSize is the points per upsert request in every load.
const batchSize = 256

// client speaks Qdrant's REST envelope to one server.
type client struct {
	base string
	hc   *http.Client
}

func newClient(base string, conns int) *client {
	tr := &http.Transport{MaxIdleConnsPerHost: conns + 4, DisableCompression: true}
	return &client{base: base, hc: &http.Client{Transport: tr, Timeout: 30 * time.Minute}}
}

// do sends body (nil for none) and decodes the envelope's result into out
// (nil to discard). Anything but 200 is an error carrying the server's text.
func (c *client) do(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out == nil {
		return nil
	}
	env := struct {
		Result json.RawMessage `json:"result"`
	}{}
	if err := json.Unmarshal(b, &env); err != nil {
		return fmt.Errorf("%s %s: decode: %w", method, path, err)
	}
	return json.Unmarshal(env.Result, out)
}

func (c *client) createCollection(ctx context.Context, name string, dim int) error {
	body := fmt.Sprintf(`{"vectors":{"size":%d,"distance":"Cosine"}}`, dim)
	return c.do(ctx, "PUT", "/collections/"+name, []byte(body), nil)
}

func (c *client) deleteCollection(ctx context.Context, name string) error {
	return c.do(ctx, "DELETE", "/collections/"+name, nil, nil)
}

func (c *client) count(ctx context.Context, name string) (int, error) {
	var r struct {
		Count int `json:"count"`
	}
	err := c.do(ctx, "POST", "/collections/"+name+"/points/count", []byte(`{"exact":true}`), &r)
	return r.Count, err
}

// query runs one pre-encoded query and returns the ids found, best first.
func (c *client) query(ctx context.Context, name string, body []byte) ([]uint64, error) {
	var r struct {
		Points []struct {
			ID uint64 `json:"id"`
		} `json:"points"`
	}
	if err := c.do(ctx, "POST", "/collections/"+name+"/points/query", body, &r); err != nil {
		return nil, err
	}
	ids := make([]uint64, len(r.Points))
	for i, p := range r.Points {
		ids[i] = p.ID
	}
	return ids, nil
}

// snapshotInfo is SnapshotDescription.
type snapshotInfo struct {
	Name     string `json:"name"`
	Size     int64  `json:"size"`
	Checksum string `json:"checksum"`
}

func (c *client) createSnapshot(ctx context.Context, name string) (snapshotInfo, error) {
	var s snapshotInfo
	err := c.do(ctx, "POST", "/collections/"+name+"/snapshots?wait=true", nil, &s)
	return s, err
}

func (c *client) deleteSnapshot(ctx context.Context, coll, snap string) error {
	return c.do(ctx, "DELETE", "/collections/"+coll+"/snapshots/"+snap+"?wait=true", nil, nil)
}

// recover restores the snapshot file at path into collection name.
func (c *client) recover(ctx context.Context, name, path string) error {
	body, _ := json.Marshal(map[string]string{"location": "file://" + path})
	return c.do(ctx, "PUT", "/collections/"+name+"/snapshots/recover?wait=true", body, nil)
}

// metric sums every series of a Prometheus metric in GET /metrics; ok is
// false when the name does not appear.
func (c *client) metric(ctx context.Context, name string) (v float64, ok bool, err error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/metrics", nil)
	if err != nil {
		return 0, false, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		if rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		f := strings.Fields(rest[strings.LastIndex(rest, "}")+1:])
		if len(f) == 0 {
			continue
		}
		x, err := strconv.ParseFloat(f[0], 64)
		if err == nil {
			v, ok = v+x, true
		}
	}
	return v, ok, sc.Err()
}

// vectorSource yields uniform random vectors in [-1, 1) from a seeded
// math/rand, so every run sees the same data.
type vectorSource struct {
	rng *rand.Rand
	dim int
}

func newVectorSource(seed int64, dim int) *vectorSource {
	return &vectorSource{rng: rand.New(rand.NewSource(seed)), dim: dim}
}

func (s *vectorSource) next() []float32 {
	v := make([]float32, s.dim)
	for i := range v {
		v[i] = s.rng.Float32()*2 - 1
	}
	return v
}

func appendVector(b []byte, v []float32) []byte {
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(x), 'g', -1, 32)
	}
	return append(b, ']')
}

// pointsBody is an upsert body: point ids[i] with vector vecs[i].
func pointsBody(ids []uint64, vecs [][]float32) []byte {
	b := make([]byte, 0, len(vecs)*(len(vecs[0])*11+24)+16)
	b = append(b, `{"points":[`...)
	for i, v := range vecs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendUint(b, ids[i], 10)
		b = append(b, `,"vector":`...)
		b = appendVector(b, v)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// queryBody is a /points/query body: exact search, or HNSW with ef (0 for
// the server's default).
func queryBody(v []float32, exact bool, ef int) []byte {
	b := append([]byte(`{"query":`), appendVector(nil, v)...)
	b = append(b, `,"limit":10`...)
	switch {
	case exact:
		b = append(b, `,"params":{"exact":true}`...)
	case ef > 0:
		b = append(b, fmt.Sprintf(`,"params":{"hnsw_ef":%d}`, ef)...)
	}
	return append(b, '}')
}

// ingest loads points 0..n-1 in batches of 256 with wait=true from clients
// connections at once, and returns the wall time of the upserts. With
// preencode, every body is generated and encoded before the clock starts,
// so the client's JSON work does not compete with the server for the CPUs.
func ingest(ctx context.Context, c *client, coll string, n, dim, clients int, seed int64, preencode bool) (time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // unblocks the producer if a worker fails
	batches := (n + batchSize - 1) / batchSize
	depth := 2 * clients
	if preencode {
		depth = batches
	}
	bodies := make(chan []byte, depth)
	produce := func() {
		defer close(bodies)
		src := newVectorSource(seed, dim)
		for first := 0; first < n; first += batchSize {
			m := min(batchSize, n-first)
			ids, vecs := make([]uint64, m), make([][]float32, m)
			for i := range m {
				ids[i], vecs[i] = uint64(first+i), src.next()
			}
			select {
			case bodies <- pointsBody(ids, vecs):
			case <-ctx.Done():
				return
			}
		}
	}
	if preencode {
		produce()
	} else {
		go produce()
	}
	t0 := time.Now()
	err := parallel(ctx, clients, func(ctx context.Context, _ int) error {
		for body := range bodies {
			if err := c.do(ctx, "PUT", "/collections/"+coll+"/points?wait=true", body, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return time.Since(t0), err
}

// parallel runs f on workers goroutines and returns the first error; the
// others see ctx cancelled.
func parallel(ctx context.Context, workers int, f func(ctx context.Context, worker int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			if err := f(ctx, w); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}
