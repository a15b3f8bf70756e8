package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
)

// ReadHNSW reads a graph written by Frozen.WriteTo. opts must carry the
// distance, dimension and M the file was written with (zero M means the
// default), else ErrMismatch; EfConstruct and Seed steer later inserts. Every
// present slot's vector must already be in vecs, with opts.Dim dimensions.
//
// Every field is checked before the graph is returned: both checksums, each
// level against the top level, each neighbour against the limit, presence
// and level of its target. Bad data gives ErrFormat, ErrCorrupt or
// ErrTruncated, never a panic. Memory grows with the data actually read, not
// with the limit the header claims.
//
// Slots below the limit that the file holds as absent were not finished
// when the graph was frozen: the engine inserts them again. The returned
// graph accepts further Inserts. r is read through a buffer, so it may be
// read past the end of the graph: give ReadHNSW a reader that ends there,
// such as a tar entry.
func ReadHNSW(r io.Reader, opts Options, vecs Vectors) (*HNSW, error) {
	opts = opts.withDefaults()
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("read hnsw: %w", err)
	}
	crc := crc32.New(castagnoli)
	rd := &reader{r: io.TeeReader(bufio.NewReaderSize(r, 64<<10), crc), crc: crc}

	hdr, err := rd.bytes(headerSize)
	if err != nil {
		return nil, fmt.Errorf("read hnsw header: %w", err)
	}
	limit, entry, top, err := checkHeader(hdr, opts)
	if err != nil {
		return nil, fmt.Errorf("read hnsw header: %w", err)
	}

	h := NewHNSW(opts, vecs)
	for s := range limit {
		if err := rd.record(h, s, top); err != nil {
			return nil, fmt.Errorf("read hnsw slot %d: %w", s, err)
		}
	}
	sum := rd.crc.Sum32()
	tr, err := rd.bytes(trailerSize)
	if err != nil {
		return nil, fmt.Errorf("read hnsw trailer: %w", err)
	}
	if binary.LittleEndian.Uint32(tr) != sum {
		return nil, fmt.Errorf("read hnsw: %w: checksum mismatch", ErrCorrupt)
	}
	if err := h.checkLinks(limit); err != nil {
		return nil, fmt.Errorf("read hnsw: %w", err)
	}
	if entry != noEntry {
		n := h.node(entry)
		if n == nil || n.level != top {
			return nil, fmt.Errorf("read hnsw: %w: entry point %d is not a node on level %d", ErrCorrupt, entry, top)
		}
		h.entry.Store(&entryPoint{slot: entry, level: top})
	} else if h.Len() > 0 {
		return nil, fmt.Errorf("read hnsw: %w: nodes without an entry point", ErrCorrupt)
	}
	return h, nil
}

// checkHeader validates the header and returns limit, entry point and top
// level.
func checkHeader(b []byte, opts Options) (limit, entry uint32, top int, err error) {
	le := binary.LittleEndian
	if string(b[:8]) != magic {
		return 0, 0, 0, fmt.Errorf("%w: bad magic %q", ErrFormat, b[:8])
	}
	if got := crc32.Checksum(b[:headerSize-4], castagnoli); got != le.Uint32(b[headerSize-4:]) {
		return 0, 0, 0, fmt.Errorf("%w: header checksum mismatch", ErrCorrupt)
	}
	if v := le.Uint32(b[8:]); v != version {
		return 0, 0, 0, fmt.Errorf("%w: version %d, want %d", ErrFormat, v, version)
	}
	d, dim, m := b[12], le.Uint32(b[16:]), le.Uint32(b[20:])
	if int(d) != int(opts.Distance) || int64(dim) != int64(opts.Dim) || int64(m) != int64(opts.M) {
		return 0, 0, 0, fmt.Errorf("%w: file has distance %d, dim %d, m %d; options have %v, %d, %d",
			ErrMismatch, d, dim, m, opts.Distance, opts.Dim, opts.M)
	}
	top, limit, entry = int(b[13]), le.Uint32(b[28:]), le.Uint32(b[32:])
	switch {
	case top > maxLevel:
		return 0, 0, 0, fmt.Errorf("%w: top level %d above %d", ErrCorrupt, top, maxLevel)
	case entry == noEntry && top != 0:
		return 0, 0, 0, fmt.Errorf("%w: top level %d without entry point", ErrCorrupt, top)
	case entry != noEntry && entry >= limit:
		return 0, 0, 0, fmt.Errorf("%w: entry point %d beyond limit %d", ErrCorrupt, entry, limit)
	}
	return limit, entry, top, nil
}

// reader reads fixed-size fields, turning a short read into ErrTruncated.
type reader struct {
	r   io.Reader
	crc hash.Hash32
	buf []byte
}

func (rd *reader) bytes(n int) ([]byte, error) {
	if cap(rd.buf) < n {
		rd.buf = make([]byte, n)
	}
	b := rd.buf[:n]
	if _, err := io.ReadFull(rd.r, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, ErrTruncated
		}
		return nil, err
	}
	return b, nil
}

// record reads slot's record and, if present, adds its node to h. Links are
// checked once all nodes are known, by checkLinks.
func (rd *reader) record(h *HNSW, slot uint32, top int) error {
	b, err := rd.bytes(2)
	if err != nil {
		return err
	}
	present, level := b[0], int(b[1])
	switch {
	case present == 0 && level == 0:
		return nil
	case present != 1:
		return fmt.Errorf("%w: presence flag %d", ErrCorrupt, present)
	case level > top:
		return fmt.Errorf("%w: level %d above top level %d", ErrCorrupt, level, top)
	}
	vec := h.vecs.Vector(slot)
	if len(vec) != h.opts.Dim {
		return fmt.Errorf("%w: vector has %d dimensions, want %d", ErrMismatch, len(vec), h.opts.Dim)
	}
	n := newNode(vec, level)
	for l := 0; l <= level; l++ {
		width := h.maxLinks(l)
		b, err := rd.bytes(2 + 4*width)
		if err != nil {
			return err
		}
		count := int(binary.LittleEndian.Uint16(b))
		if count > width {
			return fmt.Errorf("%w: level %d has %d links, at most %d", ErrCorrupt, l, count, width)
		}
		ids := make([]uint32, count)
		for i := range ids {
			ids[i] = binary.LittleEndian.Uint32(b[2+4*i:])
		}
		n.setNeighbours(l, ids)
	}
	n.done.Store(true)
	h.publish(slot, n)
	h.nodes.Add(1)
	return nil
}

// checkLinks verifies that every link points below limit to a node that
// has the level the link is on, so a search can never index past a list.
func (h *HNSW) checkLinks(limit uint32) error {
	for s := range limit {
		n := h.node(s)
		if n == nil {
			continue
		}
		for l := 0; l <= n.level; l++ {
			for _, nb := range n.neighbours(l) {
				if nb >= limit {
					return fmt.Errorf("%w: slot %d level %d: neighbour %d beyond limit %d", ErrCorrupt, s, l, nb, limit)
				}
				if m := h.node(nb); m == nil || m.level < l {
					return fmt.Errorf("%w: slot %d level %d: neighbour %d is not a node on that level", ErrCorrupt, s, l, nb)
				}
			}
		}
	}
	return nil
}
