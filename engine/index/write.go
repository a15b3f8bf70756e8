package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Errors returned by Options.Validate and ReadHNSW; match them with errors.Is.
var (
	// ErrOptions: an Options field is out of range.
	ErrOptions = errors.New("invalid hnsw options")
	// ErrFormat: the data is not an HNSW file or is of an unknown version.
	ErrFormat = errors.New("not an hnsw index file")
	// ErrMismatch: the file was written for another distance, dimension or
	// M than the options it is read with, or a stored vector has the wrong
	// dimension.
	ErrMismatch = errors.New("hnsw index does not match options")
	// ErrCorrupt: a checksum fails or a field is out of range.
	ErrCorrupt = errors.New("corrupt hnsw index")
	// ErrTruncated: the data ends before the layout says it does.
	ErrTruncated = errors.New("truncated hnsw index")
)

// File layout constants; doc.go draws the layout.
const (
	magic       = "AMBHNSW1"
	version     = 1
	headerSize  = 40
	trailerSize = 4
	absentSize  = 2
	noEntry     = ^uint32(0)
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// recordSize is the size of a present node's record; it depends only on the
// node's level, which never changes once the node exists.
func recordSize(level, m int) int64 {
	return 2 + (2 + 8*int64(m)) + int64(level)*(2+4*int64(m))
}

// Frozen fixes which slots below a limit a graph file will contain, so its
// size is known before it is written while inserts continue. Build it with
// HNSW.Freeze.
type Frozen struct {
	h        *HNSW
	limit    uint32
	levels   []int8 // per slot below limit; -1 for absent
	entry    uint32
	maxLevel int
	size     int64
}

var _ io.WriterTo = (*Frozen)(nil)

// Freeze records the slots below limit whose insertion has finished. Those
// are the nodes WriteTo will write; slots inserted later, or still being
// inserted, are written as absent and links to them are left out. It costs
// one byte per slot below limit.
func (h *HNSW) Freeze(limit uint32) *Frozen {
	f := &Frozen{h: h, limit: limit, levels: make([]int8, limit), entry: noEntry}
	f.size = headerSize + trailerSize
	top := -1
	for s := range limit {
		n := h.node(s)
		if n == nil || !n.done.Load() {
			f.levels[s] = -1
			f.size += absentSize
			continue
		}
		f.levels[s] = int8(n.level)
		f.size += recordSize(n.level, h.opts.M)
		if n.level > top {
			top, f.entry = n.level, s
		}
	}
	// Prefer the graph's own entry point when it is frozen and on top. (It
	// becomes the entry point just before its insertion is marked done, so
	// it may be absent here.)
	if ep := h.entry.Load(); ep != nil && ep.slot < limit && top >= 0 && int(f.levels[ep.slot]) == top {
		f.entry = ep.slot
	}
	f.maxLevel = max(top, 0)
	return f
}

// Size is the exact number of bytes WriteTo writes.
func (f *Frozen) Size() int64 { return f.size }

// WriteTo writes the frozen nodes with their neighbour lists as they are
// when each record is written, exactly Size bytes unless w fails. Lists are
// replaced whole under the node lock, so each is read as one consistent
// snapshot without taking the lock. WriteTo may run while inserts continue
// and may be called more than once.
func (f *Frozen) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 64<<10)
	var crc uint32
	put := func(b []byte) error {
		crc = crc32.Update(crc, castagnoli, b)
		_, err := bw.Write(b)
		return err
	}
	if err := put(f.header()); err != nil {
		return cw.n, fmt.Errorf("write hnsw header: %w", err)
	}
	rec := make([]byte, 0, recordSize(f.maxLevel, f.h.opts.M))
	for s := range f.limit {
		if err := put(f.appendRecord(rec[:0], s)); err != nil {
			return cw.n, fmt.Errorf("write hnsw slot %d: %w", s, err)
		}
	}
	if _, err := bw.Write(binary.LittleEndian.AppendUint32(nil, crc)); err != nil {
		return cw.n, fmt.Errorf("write hnsw trailer: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return cw.n, fmt.Errorf("write hnsw: %w", err)
	}
	return cw.n, nil
}

func (f *Frozen) header() []byte {
	o := f.h.opts
	b := make([]byte, 0, headerSize)
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint32(b, version)
	b = append(b, byte(o.Distance), byte(f.maxLevel), 0, 0)
	for _, v := range []uint32{uint32(o.Dim), uint32(o.M), uint32(o.EfConstruct), f.limit, f.entry} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// appendRecord appends slot's record: its links as they are now, keeping
// only frozen nodes on that level, in the fixed-size layout.
func (f *Frozen) appendRecord(b []byte, slot uint32) []byte {
	level := int(f.levels[slot])
	if level < 0 {
		return append(b, 0, 0)
	}
	n := f.h.node(slot)
	b = append(b, 1, byte(level))
	for l := 0; l <= level; l++ {
		width := f.h.maxLinks(l)
		at := len(b)
		b = append(b, 0, 0)
		count := 0
		for _, nb := range n.neighbours(l) {
			if nb < f.limit && int(f.levels[nb]) >= l && count < width {
				b = binary.LittleEndian.AppendUint32(b, nb)
				count++
			}
		}
		binary.LittleEndian.PutUint16(b[at:], uint16(count))
		for ; count < width; count++ {
			b = binary.LittleEndian.AppendUint32(b, noEntry)
		}
	}
	return b
}

// EncodedSize is Freeze(limit).Size(). With inserts running, the size may
// differ from what a later WriteTo writes; freeze once and use the Frozen
// for both instead.
func (h *HNSW) EncodedSize(limit uint32) int64 { return h.Freeze(limit).Size() }

// WriteTo is Freeze(limit).WriteTo(w), for callers that do not insert
// concurrently. It writes EncodedSize(limit) bytes only if no insert
// finishes in between.
func (h *HNSW) WriteTo(w io.Writer, limit uint32) (int64, error) {
	return h.Freeze(limit).WriteTo(w)
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
