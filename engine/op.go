package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/amberdb/amber"
)

// opKind is the kind of a WAL record.
type opKind uint8

const (
	opUpsert  opKind = 1 // points with vectors and payload
	opDelete  opKind = 2 // ids
	opPayload opKind = 3 // ids with their new whole payload; vectors unchanged
)

// op is one logged write, already resolved to ids so that replay is
// deterministic (a delete by filter is logged as the ids it matched).
type op struct {
	kind    opKind
	entries []opEntry
}

type opEntry struct {
	id          amber.PointID
	vecs        [][]float32 // by vector-name position, opUpsert only
	payloadJSON []byte      // opUpsert and opPayload
}

var errShortRecord = errors.New("short record")

func appendID(b []byte, id amber.PointID) []byte {
	if id.IsUUID {
		b = append(b, 1)
		return append(b, id.UUID[:]...)
	}
	b = append(b, 0)
	b = binary.LittleEndian.AppendUint64(b, id.Num)
	return append(b, make([]byte, 8)...)
}

func readID(b []byte) (amber.PointID, []byte, error) {
	if len(b) < 17 {
		return amber.PointID{}, nil, errShortRecord
	}
	var id amber.PointID
	switch b[0] {
	case 0:
		id.Num = binary.LittleEndian.Uint64(b[1:9])
	case 1:
		id.IsUUID = true
		copy(id.UUID[:], b[1:17])
	default:
		return id, nil, fmt.Errorf("bad id kind %d", b[0])
	}
	return id, b[17:], nil
}

func appendFloats(b []byte, v []float32) []byte {
	for _, f := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

func readFloats(b []byte, dim int) ([]float32, []byte, error) {
	if len(b) < dim*4 {
		return nil, nil, errShortRecord
	}
	v := make([]float32, dim)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[i*4:]))
	}
	return v, b[dim*4:], nil
}

func (o *op) encode() []byte {
	b := []byte{byte(o.kind)}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(o.entries)))
	for _, e := range o.entries {
		b = appendID(b, e.id)
		if o.kind == opUpsert {
			b = append(b, byte(len(e.vecs)))
			for _, v := range e.vecs {
				if v == nil {
					b = binary.LittleEndian.AppendUint32(b, math.MaxUint32)
					continue
				}
				b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
				b = appendFloats(b, v)
			}
		}
		if o.kind != opDelete {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(e.payloadJSON)))
			b = append(b, e.payloadJSON...)
		}
	}
	return b
}

func decodeOp(b []byte) (*op, error) {
	if len(b) < 5 {
		return nil, errShortRecord
	}
	o := &op{kind: opKind(b[0])}
	if o.kind < opUpsert || o.kind > opPayload {
		return nil, fmt.Errorf("bad op kind %d", b[0])
	}
	n := binary.LittleEndian.Uint32(b[1:5])
	b = b[5:]
	if uint64(n) > uint64(len(b)) {
		return nil, errShortRecord
	}
	o.entries = make([]opEntry, n)
	var err error
	for i := range o.entries {
		e := &o.entries[i]
		if e.id, b, err = readID(b); err != nil {
			return nil, err
		}
		if o.kind == opUpsert {
			if len(b) < 1 {
				return nil, errShortRecord
			}
			e.vecs = make([][]float32, b[0])
			b = b[1:]
			for j := range e.vecs {
				if len(b) < 4 {
					return nil, errShortRecord
				}
				dim := binary.LittleEndian.Uint32(b)
				b = b[4:]
				if dim == math.MaxUint32 {
					continue
				}
				if e.vecs[j], b, err = readFloats(b, int(dim)); err != nil {
					return nil, err
				}
			}
		}
		if o.kind != opDelete {
			if len(b) < 4 {
				return nil, errShortRecord
			}
			l := binary.LittleEndian.Uint32(b)
			b = b[4:]
			if uint64(l) > uint64(len(b)) {
				return nil, errShortRecord
			}
			e.payloadJSON = append([]byte(nil), b[:l]...) // the WAL reuses its buffer
			b = b[l:]
		}
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%d trailing bytes", len(b))
	}
	return o, nil
}
