package wal

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// headerSize is the size of a record header: length, crc and seq.
const headerSize = 16

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checksum returns the CRC-32C of the seq bytes followed by the payload.
func checksum(seq uint64, payload []byte) uint32 {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seq)
	return crc32.Update(crc32.Update(0, castagnoli, b[:]), castagnoli, payload)
}

// appendRecord appends the framed record to buf and returns the extended buffer.
func appendRecord(buf []byte, seq uint64, payload []byte) []byte {
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(payload)))
	buf = binary.LittleEndian.AppendUint32(buf, checksum(seq, payload))
	buf = binary.LittleEndian.AppendUint64(buf, seq)
	return append(buf, payload...)
}

// header is a decoded record header.
type header struct {
	length uint32
	crc    uint32
	seq    uint64
}

func decodeHeader(b []byte) header {
	return header{
		length: binary.LittleEndian.Uint32(b[0:4]),
		crc:    binary.LittleEndian.Uint32(b[4:8]),
		seq:    binary.LittleEndian.Uint64(b[8:16]),
	}
}

// scanner reads the records of one segment in order, checking each one. It
// reads no further than end, which is the file size at Open and the durable
// size during Replay.
type scanner struct {
	r       *bufio.Reader
	off     int64 // offset of the next record
	end     int64
	hdr     [headerSize]byte
	payload []byte // reused; valid until the next call of next
}

func newScanner(r io.Reader, end int64) *scanner {
	return &scanner{r: bufio.NewReaderSize(r, 256<<10), end: end}
}

// next reads the record at s.off. It returns io.EOF at end. A record that is
// not well formed is reported in bad, with s.off left at its start; the
// scanner must not be used after that. err is an I/O error.
func (s *scanner) next() (seq uint64, payload []byte, bad string, err error) {
	left := s.end - s.off
	if left == 0 {
		return 0, nil, "", io.EOF
	}
	if left < headerSize {
		return 0, nil, fmt.Sprintf("short header (%d of %d bytes)", left, headerSize), nil
	}
	if _, err := io.ReadFull(s.r, s.hdr[:]); err != nil {
		return 0, nil, "", fmt.Errorf("read header at offset %d: %w", s.off, err)
	}
	h := decodeHeader(s.hdr[:])
	if h.length > MaxRecordSize {
		return 0, nil, fmt.Sprintf("length %d above maximum %d", h.length, MaxRecordSize), nil
	}
	if n := left - headerSize; int64(h.length) > n {
		return 0, nil, fmt.Sprintf("short payload (%d of %d bytes)", n, h.length), nil
	}
	if cap(s.payload) < int(h.length) {
		s.payload = make([]byte, h.length)
	}
	p := s.payload[:h.length]
	if _, err := io.ReadFull(s.r, p); err != nil {
		return 0, nil, "", fmt.Errorf("read payload at offset %d: %w", s.off, err)
	}
	if got := checksum(h.seq, p); got != h.crc {
		return 0, nil, fmt.Sprintf("checksum mismatch (stored %08x, computed %08x)", h.crc, got), nil
	}
	s.off += headerSize + int64(h.length)
	return h.seq, p, "", nil
}

// findRecord looks for a well-formed record starting anywhere in [from, end)
// whose seq lies in [lo, hi]. It reads the range once, in chunks, and checks
// a checksum only where the seq field is in range. It returns the offset of
// the first such record.
func findRecord(r io.ReaderAt, from, end int64, lo, hi uint64) (int64, bool, error) {
	const chunk = 1 << 20
	buf := make([]byte, chunk+headerSize-1)
	for base := from; base+headerSize <= end; base += chunk {
		// Read the chunk plus the header bytes that straddle its end.
		n := min(int64(len(buf)), end-base)
		if _, err := r.ReadAt(buf[:n], base); err != nil {
			return 0, false, fmt.Errorf("read at offset %d: %w", base, err)
		}
		for i := int64(0); i+headerSize <= n && i < chunk; i++ {
			h := decodeHeader(buf[i : i+headerSize])
			if h.seq < lo || h.seq > hi || h.length > MaxRecordSize {
				continue
			}
			off := base + i
			if off+headerSize+int64(h.length) > end {
				continue
			}
			ok, err := checkAt(r, off+headerSize, h)
			if err != nil {
				return 0, false, err
			}
			if ok {
				return off, true, nil
			}
		}
	}
	return 0, false, nil
}

// checkAt reports whether the payload at off matches the checksum in h.
func checkAt(r io.ReaderAt, off int64, h header) (bool, error) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], h.seq)
	crc := crc32.Update(0, castagnoli, b[:])
	buf := make([]byte, min(int64(h.length), 64<<10))
	for left := int64(h.length); left > 0; {
		p := buf[:min(left, int64(len(buf)))]
		if _, err := r.ReadAt(p, off); err != nil {
			return false, fmt.Errorf("read at offset %d: %w", off, err)
		}
		crc = crc32.Update(crc, castagnoli, p)
		off += int64(len(p))
		left -= int64(len(p))
	}
	return crc == h.crc, nil
}
