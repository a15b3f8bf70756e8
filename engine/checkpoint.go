package engine

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/amberdb/amber"
	"github.com/amberdb/amber/engine/index"
)

const currentFile = "CURRENT"

// current names the live checkpoint folder of a collection.
type current struct {
	Dir string `json:"dir"`
	Seq uint64 `json:"seq"`
}

// maybeCheckpoint starts a background checkpoint once the WAL has grown past
// the threshold.
func (c *Collection) maybeCheckpoint() {
	// A checkpoint rewrites every point, so the WAL may grow to half the
	// last checkpoint's size first: write amplification stays bounded.
	threshold := max(c.opts.CheckpointBytes, c.ckptBytes.Load()/2)
	if c.wal.Size() < threshold || c.closed.Load() || !c.ckptRunning.CompareAndSwap(false, true) {
		return
	}
	c.bg.Go(func() {
		defer c.ckptRunning.Store(false)
		if err := c.checkpoint(context.Background()); err != nil {
			c.logger.Error("checkpoint", "collection", c.name, "err", err)
		}
	})
}

// checkpoint writes the pinned state to a new folder, switches CURRENT to it
// and drops the WAL segments and the folder it replaces.
func (c *Collection) checkpoint(ctx context.Context) error {
	start := time.Now()
	v := c.Pin()
	if err := c.wal.Sync(ctx); err != nil {
		return fmt.Errorf("sync wal: %w", err)
	}
	name := fmt.Sprintf("ckpt-%d", v.seq)
	dir := filepath.Join(c.dir, name)
	os.RemoveAll(dir)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	files, err := v.Files()
	if err != nil {
		return err
	}
	var written int64
	for _, f := range files {
		if f.Name == configFile || f.Name == payloadIndexFile {
			continue
		}
		written += f.Size
		if err := writeFileFunc(filepath.Join(dir, path.Base(f.Name)), f); err != nil {
			return fmt.Errorf("write checkpoint %s: %w", f.Name, err)
		}
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	if err := writeJSONFile(filepath.Join(c.dir, currentFile), current{Dir: name, Seq: v.seq}); err != nil {
		return err
	}
	c.writeMu.Lock()
	c.ckptSeq = v.seq
	c.writeMu.Unlock()
	c.ckptBytes.Store(written)
	if err := c.wal.TruncateBefore(v.seq); err != nil {
		return fmt.Errorf("truncate wal: %w", err)
	}
	entries, _ := os.ReadDir(c.dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "ckpt-") && e.Name() != name {
			os.RemoveAll(filepath.Join(c.dir, e.Name()))
		}
	}
	c.stats.checkpoints.Add(1)
	c.logger.Info("checkpoint written", "collection", c.name, "seq", v.seq, "points", v.live, "duration", time.Since(start))
	return nil
}

// writeFileFunc writes f to path and fsyncs it.
func writeFileFunc(path string, f File) error {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	if err := f.Write(bw); err != nil {
		out.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// loadCheckpoint reads points.bin and the graphs of a checkpoint folder into
// an empty collection.
func (c *Collection) loadCheckpoint(dir string, seq uint64) error {
	f, err := os.Open(filepath.Join(dir, pointsFile))
	if err != nil {
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil {
		c.ckptBytes.Store(fi.Size())
	}
	if err := c.readPoints(bufio.NewReaderSize(f, 1<<20)); err != nil {
		return fmt.Errorf("read %s: %w", filepath.Join(dir, pointsFile), err)
	}
	c.lastSeq, c.ckptSeq = seq, seq
	for pos, name := range c.names {
		p := c.cfg.Vectors[name]
		vecs := vectorsOf{t: &c.slots, pos: pos}
		gf, err := os.Open(filepath.Join(dir, graphFile(pos)))
		if errors.Is(err, os.ErrNotExist) {
			c.graphs[pos] = newGraph(c.cfg, p, vecs)
			continue
		} else if err != nil {
			return err
		}
		g, err := index.ReadHNSW(bufio.NewReaderSize(gf, 1<<20), index.Options{Distance: p.Distance, Dim: p.Size, M: c.cfg.HNSW.M, EfConstruct: c.cfg.HNSW.EfConstruct, Seed: 1}, vecs)
		gf.Close()
		if err != nil {
			return fmt.Errorf("read graph of vector %q: %w", name, err)
		}
		c.graphs[pos] = g
	}
	return nil
}

func (c *Collection) readPoints(r io.Reader) error {
	head := make([]byte, 12)
	if _, err := io.ReadFull(r, head); err != nil {
		return err
	}
	if string(head[:8]) != pointsMagic {
		return fmt.Errorf("not a points file (magic %q)", head[:8])
	}
	if n := binary.LittleEndian.Uint32(head[8:]); int(n) != len(c.names) {
		return fmt.Errorf("file has %d vector names, collection %d", n, len(c.names))
	}
	for i, name := range c.names {
		var l uint16
		if err := binary.Read(r, binary.LittleEndian, &l); err != nil {
			return err
		}
		nb := make([]byte, int(l)+4)
		if _, err := io.ReadFull(r, nb); err != nil {
			return err
		}
		if string(nb[:l]) != name || int(binary.LittleEndian.Uint32(nb[l:])) != c.dim(i) {
			return fmt.Errorf("vector %d is %q of dim %d, collection has %q of dim %d", i, nb[:l], binary.LittleEndian.Uint32(nb[l:]), name, c.dim(i))
		}
	}
	var counts [2]uint64
	if err := binary.Read(r, binary.LittleEndian, &counts); err != nil {
		return err
	}
	if counts[0] > math.MaxUint32 {
		return fmt.Errorf("slot count %d out of range", counts[0])
	}
	fixed := 1 + 8 + 17
	for i := range c.names {
		fixed += 1 + c.dim(i)*4
	}
	buf := make([]byte, fixed+4)
	for i := uint64(0); i < counts[0]; i++ {
		if _, err := io.ReadFull(r, buf); err != nil {
			return fmt.Errorf("slot %d: %w", i, err)
		}
		pos, s := c.slots.next()
		alive := buf[0]&1 == 1
		s.version = binary.LittleEndian.Uint64(buf[1:9])
		id, rest, err := readID(buf[9:])
		if err != nil {
			return fmt.Errorf("slot %d: %w", i, err)
		}
		s.id = id
		s.vecs = make([][]float32, len(c.names))
		for j := range c.names {
			present := rest[0] == 1
			vec, next, _ := readFloats(rest[1:], c.dim(j))
			if present {
				s.vecs[j] = vec
			}
			rest = next
		}
		plen := binary.LittleEndian.Uint32(rest)
		if plen > 64<<20 {
			return fmt.Errorf("slot %d: payload length %d out of range", i, plen)
		}
		if plen > 0 {
			s.payloadJSON = make([]byte, plen)
			if _, err := io.ReadFull(r, s.payloadJSON); err != nil {
				return fmt.Errorf("slot %d payload: %w", i, err)
			}
			s.payload = decodePayload(s.payloadJSON)
		}
		if !alive {
			s.deleted.Store(1)
		}
		c.slots.publish()
		if alive {
			if _, dup := c.ids[id]; dup {
				return fmt.Errorf("slot %d: point %s is alive twice", i, id)
			}
			c.ids[id] = pos
			c.indexes.Add(pos, s.payload)
		}
	}
	var extra [1]byte
	if n, _ := r.Read(extra[:]); n != 0 {
		return errors.New("trailing bytes after the last slot")
	}
	return nil
}

// openCollection opens a collection folder: config, checkpoint, then the
// WAL after it, then indexes whatever the graphs lack.
func openCollection(dir, name string, opts *Options) (*Collection, error) {
	var cfg amber.CollectionConfig
	if err := readJSONFile(filepath.Join(dir, configFile), &cfg); err != nil {
		return nil, err
	}
	c := &Collection{name: name, dir: dir, cfg: cfg, names: cfg.Vectors.Names(), opts: opts,
		logger: opts.Logger.With("collection", name), ids: map[amber.PointID]uint32{}}
	if err := c.loadIndexDefs(); err != nil {
		return nil, err
	}
	c.graphs = make([]*index.HNSW, len(c.names))
	var cur current
	err := readJSONFile(filepath.Join(dir, currentFile), &cur)
	switch {
	case errors.Is(err, os.ErrNotExist):
		for pos, n := range c.names {
			c.graphs[pos] = newGraph(cfg, cfg.Vectors[n], vectorsOf{t: &c.slots, pos: pos})
		}
	case err != nil:
		return nil, err
	default:
		if err := c.loadCheckpoint(filepath.Join(dir, cur.Dir), cur.Seq); err != nil {
			return nil, fmt.Errorf("load checkpoint of %s: %w", name, err)
		}
	}
	w, err := openWAL(filepath.Join(dir, "wal"), opts)
	if err != nil {
		return nil, fmt.Errorf("open wal of %s: %w", name, err)
	}
	c.wal = w
	replayed := 0
	err = w.Replay(c.ckptSeq, func(seq uint64, data []byte) error {
		o, err := decodeOp(data)
		if err != nil {
			return fmt.Errorf("record %d: %w", seq, err)
		}
		c.apply(seq, o)
		replayed++
		return nil
	})
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("replay wal of %s: %w", name, err)
	}
	c.lastSeq = max(c.lastSeq, w.LastSeq())
	var missing []uint32
	for pos := range c.ids {
		i := c.ids[pos]
		s := c.slots.get(i)
		for g := range c.graphs {
			if s.vecs[g] != nil && !c.graphs[g].Contains(i) {
				missing = append(missing, i)
				break
			}
		}
	}
	c.indexSlots(missing)
	c.logger.Info("collection opened", "points", len(c.ids), "replayed", replayed, "indexed_on_open", len(missing))
	return c, nil
}

func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}
