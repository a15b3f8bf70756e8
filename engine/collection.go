package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/amberdb/amber"
	"github.com/amberdb/amber/engine/index"
	"github.com/amberdb/amber/engine/payload"
	"github.com/amberdb/amber/engine/wal"
)

// Collection is one collection: its points in memory, its WAL and its
// indexes. All methods are safe for concurrent use.
type Collection struct {
	name   string
	dir    string
	cfg    amber.CollectionConfig
	names  []string // vector names, sorted; positions index slot.vecs
	logger *slog.Logger
	opts   *Options

	wal     *wal.Log
	writeMu sync.Mutex   // orders writes: WAL queue order is apply order
	mu      sync.RWMutex // guards ids and indexes; writers hold writeMu too
	slots   slotTable
	ids     map[amber.PointID]uint32
	indexes *payload.Indexes
	graphs  []*index.HNSW
	lastSeq uint64 // last applied sequence number, under writeMu
	ckptSeq uint64 // sequence number the checkpoint on disk covers, under writeMu

	ckptRunning atomic.Bool
	ckptBytes   atomic.Int64 // size of the last checkpoint's files
	bg          sync.WaitGroup
	closed      atomic.Bool
	stats       collectionCounters
}

type collectionCounters struct {
	upserted, deleted, searches, checkpoints atomic.Uint64
}

// Name returns the collection's name.
func (c *Collection) Name() string { return c.name }

// Config returns the collection's config.
func (c *Collection) Config() amber.CollectionConfig {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.cfg
}

func (c *Collection) vectorPos(name string) (int, error) {
	for i, n := range c.names {
		if n == name {
			return i, nil
		}
	}
	if name == "" {
		return 0, amber.Errorf(amber.EInvalid, "Wrong input: Not existing vector name error: collection has only named vectors %v, set \"using\"", c.names)
	}
	return 0, amber.Errorf(amber.EInvalid, "Wrong input: Not existing vector name error: %s", name)
}

func (c *Collection) dim(pos int) int { return c.cfg.Vectors[c.names[pos]].Size }

func (c *Collection) distance(pos int) amber.Distance { return c.cfg.Vectors[c.names[pos]].Distance }

func newGraph(cfg amber.CollectionConfig, p amber.VectorParams, vecs index.Vectors) *index.HNSW {
	return index.NewHNSW(index.Options{Distance: p.Distance, Dim: p.Size, M: cfg.HNSW.M, EfConstruct: cfg.HNSW.EfConstruct, Seed: 1}, vecs)
}

// update runs one write: build resolves it into an op under the write lock,
// the op is queued in the WAL and applied to memory, then the call waits for
// the fsync and for the vector index.
func (c *Collection) update(ctx context.Context, wait bool, build func() (*op, error)) (uint64, error) {
	if c.closed.Load() {
		return 0, amber.Errorf(amber.EUnavailable, "Service unavailable: collection `%s` was just replaced or deleted; retry the write", c.name)
	}
	c.writeMu.Lock()
	o, err := build()
	if err != nil || o == nil || len(o.entries) == 0 {
		seq := c.lastSeq
		c.writeMu.Unlock()
		return seq, err
	}
	p, err := c.wal.Write(o.encode())
	if errors.Is(err, wal.ErrClosed) {
		c.writeMu.Unlock()
		return 0, amber.Errorf(amber.EUnavailable, "Service unavailable: collection `%s` was just replaced or deleted; retry the write", c.name)
	} else if err != nil {
		c.writeMu.Unlock()
		return 0, fmt.Errorf("write wal of %s: %w", c.name, err)
	}
	added := c.apply(p.Seq(), o)
	c.writeMu.Unlock()

	c.indexSlots(added)
	if wait {
		if err := p.Wait(context.WithoutCancel(ctx)); err != nil {
			return 0, fmt.Errorf("sync wal of %s: %w", c.name, err)
		}
	}
	c.maybeCheckpoint()
	return p.Seq(), nil
}

// apply changes memory for one op. The caller holds writeMu.
func (c *Collection) apply(seq uint64, o *op) []uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastSeq = seq
	var added []uint32
	for i := range o.entries {
		e := &o.entries[i]
		oldPos, had := c.ids[e.id]
		var old *slot
		if had {
			old = c.slots.get(oldPos)
		}
		if o.kind == opDelete || (o.kind == opPayload && !had) {
			if had {
				old.deleted.Store(seq)
				c.indexes.Remove(oldPos, old.payload)
				delete(c.ids, e.id)
				c.stats.deleted.Add(1)
			}
			continue
		}
		vecs := e.vecs
		if o.kind == opPayload {
			vecs = old.vecs
		}
		pos, s := c.slots.next()
		s.id, s.version, s.vecs = e.id, seq, vecs
		s.payloadJSON, s.payload = e.payloadJSON, decodePayload(e.payloadJSON)
		c.slots.publish()
		if had {
			old.deleted.Store(seq)
			c.indexes.Remove(oldPos, old.payload)
		}
		c.ids[e.id] = pos
		c.indexes.Add(pos, s.payload)
		added = append(added, pos)
		c.stats.upserted.Add(1)
	}
	return added
}

// indexSlots inserts new slots into the vector graphs, spread over the cores.
func (c *Collection) indexSlots(added []uint32) {
	if len(added) == 0 {
		return
	}
	workers := min(runtime.GOMAXPROCS(0), (len(added)+31)/32)
	if workers <= 1 {
		c.insertGraph(added)
		return
	}
	var wg sync.WaitGroup
	per := (len(added) + workers - 1) / workers
	for lo := 0; lo < len(added); lo += per {
		part := added[lo:min(lo+per, len(added))]
		wg.Go(func() { c.insertGraph(part) })
	}
	wg.Wait()
}

func (c *Collection) insertGraph(slots []uint32) {
	for _, i := range slots {
		s := c.slots.get(i)
		for pos, g := range c.graphs {
			if s.vecs[pos] != nil {
				g.Insert(i)
			}
		}
	}
}

func decodePayload(b []byte) amber.Payload {
	if len(b) == 0 {
		return nil
	}
	var p amber.Payload
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return nil
	}
	return p
}

// Close stops background work and closes the WAL. It writes a checkpoint
// first when the WAL holds records, so that the next start is quick.
func (c *Collection) Close(ctx context.Context) error {
	if c.closed.Swap(true) {
		return nil
	}
	c.bg.Wait()
	var err error
	if c.wal.LastSeq() > c.ckptSeq {
		err = c.checkpoint(ctx)
	}
	if cerr := c.wal.Close(); err == nil {
		err = cerr
	}
	return err
}

// closeNoCheckpoint closes the WAL without a checkpoint (the folder is
// about to be removed or replaced).
func (c *Collection) closeNoCheckpoint() {
	if c.closed.Swap(true) {
		return
	}
	c.bg.Wait()
	c.wal.Close()
}

func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b)
}

// writeFileAtomic writes b to a temp file beside path, fsyncs it, renames it
// into place and fsyncs the folder.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
