package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/amberdb/amber"
	"github.com/amberdb/amber/engine/index"
	"github.com/amberdb/amber/engine/payload"
	"github.com/amberdb/amber/engine/wal"
)

func openWAL(dir string, opts *Options) (*wal.Log, error) {
	return wal.Open(wal.Options{Dir: dir, SegmentSize: opts.WALSegmentSize, Logger: opts.Logger})
}

// Upsert writes points, replacing those with the same ids. With wait it
// returns once the write is durable and indexed.
func (c *Collection) Upsert(ctx context.Context, points []amber.Point, wait bool) (uint64, error) {
	o := &op{kind: opUpsert, entries: make([]opEntry, len(points))}
	for i, p := range points {
		vecs, err := c.checkVectors(p.Vectors)
		if err != nil {
			return 0, err
		}
		pj, err := encodePayload(p.Payload)
		if err != nil {
			return 0, err
		}
		o.entries[i] = opEntry{id: p.ID, vecs: vecs, payloadJSON: pj}
	}
	return c.update(ctx, wait, func() (*op, error) { return o, nil })
}

// checkVectors validates a point's vectors against the config and returns
// them by name position, normalised for Cosine.
func (c *Collection) checkVectors(in amber.Vectors) ([][]float32, error) {
	out := make([][]float32, len(c.names))
	for name, v := range in {
		pos, err := c.vectorPos(name)
		if err != nil {
			return nil, err
		}
		if want := c.dim(pos); len(v) != want {
			return nil, amber.Errorf(amber.EInvalid, "Wrong input: Vector dimension error: expected dim: %d, got %d", want, len(v))
		}
		for _, f := range v {
			if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
				return nil, amber.Errorf(amber.EInvalid, "Wrong input: vector contains NaN or infinity")
			}
		}
		if c.distance(pos) == amber.Cosine {
			v = index.Normalize(v)
		} else {
			v = append([]float32(nil), v...)
		}
		out[pos] = v
	}
	if len(in) == 0 {
		return nil, amber.Errorf(amber.EInvalid, "Wrong input: point has no vector")
	}
	return out, nil
}

func encodePayload(p amber.Payload) ([]byte, error) {
	if len(p) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, amber.Errorf(amber.EInvalid, "Wrong input: payload: %v", err)
	}
	return b, nil
}

// selectLocked returns the ids chosen by ids or filter. The caller holds
// writeMu, which keeps ids stable.
func (c *Collection) selectLocked(ids []amber.PointID, f *amber.Filter) []amber.PointID {
	if f == nil {
		out := make([]amber.PointID, 0, len(ids))
		for _, id := range ids {
			if _, ok := c.ids[id]; ok {
				out = append(out, id)
			}
		}
		return out
	}
	var out []amber.PointID
	c.forMatching(f, func(i uint32, s *slot) bool {
		out = append(out, s.id)
		return true
	})
	if ids != nil {
		want := map[amber.PointID]bool{}
		for _, id := range ids {
			want[id] = true
		}
		kept := out[:0]
		for _, id := range out {
			if want[id] {
				kept = append(kept, id)
			}
		}
		out = kept
	}
	return out
}

// Delete removes points chosen by ids or by a filter.
func (c *Collection) Delete(ctx context.Context, ids []amber.PointID, f *amber.Filter, wait bool) (uint64, error) {
	return c.update(ctx, wait, func() (*op, error) {
		o := &op{kind: opDelete}
		for _, id := range c.selectLocked(ids, f) {
			o.entries = append(o.entries, opEntry{id: id})
		}
		return o, nil
	})
}

// UpdatePayload applies a payload operation to the chosen points.
func (c *Collection) UpdatePayload(ctx context.Context, po amber.PayloadOp, wait bool) (uint64, error) {
	return c.update(ctx, wait, func() (*op, error) {
		o := &op{kind: opPayload}
		for _, id := range c.selectLocked(po.IDs, po.Filter) {
			old := c.slots.get(c.ids[id]).payload
			var next amber.Payload
			switch po.Kind {
			case amber.PayloadSet:
				next = payload.Set(old, po.Payload, po.Key)
			case amber.PayloadOverwrite:
				next = po.Payload
			case amber.PayloadDelete:
				next = payload.Delete(old, po.Keys)
			case amber.PayloadClear:
				next = nil
			}
			pj, err := encodePayload(next)
			if err != nil {
				return nil, err
			}
			o.entries = append(o.entries, opEntry{id: id, payloadJSON: pj})
		}
		return o, nil
	})
}

// CreateIndex builds a payload index on field and persists its definition.
func (c *Collection) CreateIndex(ctx context.Context, field string, t amber.PayloadSchemaType) (uint64, error) {
	if field == "" {
		return 0, amber.Errorf(amber.EInvalid, "Wrong input: field_name must not be empty")
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.mu.Lock()
	err := c.indexes.Create(field, t, func(yield func(uint32, amber.Payload) bool) {
		for _, i := range c.ids {
			if !yield(i, c.slots.get(i).payload) {
				return
			}
		}
	})
	c.mu.Unlock()
	if err != nil {
		return 0, amber.Errorf(amber.EInvalid, "Wrong input: %v", err)
	}
	return c.lastSeq, c.saveIndexDefs()
}

// DeleteIndex drops the payload index on field.
func (c *Collection) DeleteIndex(ctx context.Context, field string) (uint64, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.mu.Lock()
	c.indexes.Drop(field)
	c.mu.Unlock()
	return c.lastSeq, c.saveIndexDefs()
}

func (c *Collection) saveIndexDefs() error {
	b, err := c.indexes.Encode()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(c.dir, payloadIndexFile), b); err != nil {
		return fmt.Errorf("save payload index definitions: %w", err)
	}
	return nil
}

func (c *Collection) loadIndexDefs() error {
	b, err := os.ReadFile(filepath.Join(c.dir, payloadIndexFile))
	if isNotExist(err) {
		c.indexes = payload.NewIndexes()
		return nil
	} else if err != nil {
		return err
	}
	c.indexes, err = payload.DecodeIndexes(b)
	return err
}

// UpdateConfig changes a collection's tuning: change edits a copy of the
// config, which is checked, written to config.json and swapped in. Vector
// spaces and the graph's m cannot change (the graph's layout depends on m).
func (c *Collection) UpdateConfig(ctx context.Context, change func(*amber.CollectionConfig) error) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	next := c.cfg
	if err := change(&next); err != nil {
		return err
	}
	if !next.SameVectors(&c.cfg) {
		return amber.Errorf(amber.EInvalid, "Wrong input: changing vector parameters of an existing collection is not supported by Amber")
	}
	if next.HNSW.M != c.cfg.HNSW.M {
		return amber.Errorf(amber.EInvalid, "Wrong input: hnsw_config.m cannot change after creation in Amber (the graph is built with m=%d)", c.cfg.HNSW.M)
	}
	if err := next.Validate(); err != nil {
		return err
	}
	if err := writeJSONFile(filepath.Join(c.dir, configFile), next); err != nil {
		return fmt.Errorf("save config of %s: %w", c.name, err)
	}
	c.mu.Lock()
	c.cfg = next
	c.mu.Unlock()
	return nil
}
