package engine

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/amberdb/amber/engine/index"
)

// File is one file of a pinned view: its name, its exact size, and a
// function that writes exactly that many bytes.
type File struct {
	Name  string
	Size  int64
	Write func(w io.Writer) error
}

// View is a collection pinned at one point in time. Writes go on while a
// view is written out; the view sees none of them.
type View struct {
	c      *Collection
	seq    uint64
	limit  uint32
	frozen []*index.Frozen
	live   uint64
	schema map[string]string
	pause  time.Duration
}

// Pause returns how long Pin held the write lock: the only time writes
// waited for this view.
func (v *View) Pause() time.Duration { return v.pause }

// Pin captures the collection at its last applied write. It holds the write
// lock only long enough to read the sequence number and the slot count.
func (c *Collection) Pin() *View {
	c.writeMu.Lock()
	locked := time.Now()
	v := &View{c: c, seq: max(c.lastSeq, 1), limit: c.slots.len(), live: uint64(len(c.ids)), schema: map[string]string{}}
	for f, t := range c.indexes.Fields() {
		v.schema[f] = string(t)
	}
	v.pause = time.Since(locked)
	c.writeMu.Unlock()
	// Graphs are frozen after the lock is released: every slot below the
	// limit belongs to the view, and one whose insertion finishes meanwhile
	// may as well be in the view's graph.
	for _, g := range c.graphs {
		v.frozen = append(v.frozen, g.Freeze(v.limit))
	}
	return v
}

// Seq returns the sequence number the view is pinned at.
func (v *View) Seq() uint64 { return v.seq }

// PointCount returns the number of live points in the view.
func (v *View) PointCount() uint64 { return v.live }

// Files returns the view's files in archive order: config, payload index
// definitions, points, then one graph per vector name.
func (v *View) Files() ([]File, error) {
	cfg, err := json.MarshalIndent(v.c.cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	idx, err := json.MarshalIndent(map[string]any{"schema": v.schema}, "", "  ")
	if err != nil {
		return nil, err
	}
	files := []File{bytesFile(configFile, cfg), bytesFile(payloadIndexFile, idx), v.pointsFile()}
	for i, f := range v.frozen {
		files = append(files, File{Name: archiveIndex + graphFile(i), Size: f.Size(), Write: func(w io.Writer) error {
			_, err := f.WriteTo(w)
			return err
		}})
	}
	return files, nil
}

const (
	configFile       = "config.json"
	payloadIndexFile = "payload_index.json"
	pointsFile       = "points.bin"
	pointsMagic      = "AMBPTS01"
)

func graphFile(i int) string { return fmt.Sprintf("vector-%d.hnsw", i) }

// Archive paths of a view's files: config and payload index definitions at
// the root, points under data/, graphs under index/.
const (
	archiveData  = "data/"
	archiveIndex = "index/"
)

func bytesFile(name string, b []byte) File {
	return File{Name: name, Size: int64(len(b)), Write: func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	}}
}

func (v *View) pointsHeader() []byte {
	b := []byte(pointsMagic)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(v.c.names)))
	for i, n := range v.c.names {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(n)))
		b = append(b, n...)
		b = binary.LittleEndian.AppendUint32(b, uint32(v.c.dim(i)))
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(v.limit))
	return binary.LittleEndian.AppendUint64(b, v.seq)
}

func (v *View) slotSize(s *slot) int64 {
	n := int64(1 + 8 + 17 + 4)
	for i := range v.c.names {
		n += 1 + int64(v.c.dim(i))*4
	}
	if s.aliveAt(v.seq) {
		n += int64(len(s.payloadJSON))
	}
	return n
}

func (v *View) pointsFile() File {
	header := v.pointsHeader()
	size := int64(len(header))
	for i := uint32(0); i < v.limit; i++ {
		size += v.slotSize(v.c.slots.get(i))
	}
	return File{Name: archiveData + pointsFile, Size: size, Write: func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		bw.Write(header)
		var buf []byte
		for i := uint32(0); i < v.limit; i++ {
			buf = v.appendSlot(buf[:0], v.c.slots.get(i))
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
		return bw.Flush()
	}}
}

func (v *View) appendSlot(b []byte, s *slot) []byte {
	alive := s.aliveAt(v.seq)
	flags := byte(0)
	if alive {
		flags = 1
	}
	b = append(b, flags)
	b = binary.LittleEndian.AppendUint64(b, s.version)
	b = appendID(b, s.id)
	for i := range v.c.names {
		vec := s.vecs[i]
		if vec == nil {
			b = append(b, 0)
			b = append(b, make([]byte, v.c.dim(i)*4)...)
			continue
		}
		b = append(b, 1)
		for _, f := range vec {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
		}
	}
	if !alive {
		return binary.LittleEndian.AppendUint32(b, 0)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s.payloadJSON)))
	return append(b, s.payloadJSON...)
}
