package payload

import (
	"encoding/json"
	"fmt"

	"github.com/amberdb/amber"
)

// Indexes holds the payload indexes of one collection, keyed by field (a
// payload path). It is not safe for concurrent use; the engine holds its own
// lock around it: Create, Drop, Add and Remove need exclusive access, while
// Candidates, Schema, Fields and Encode may run concurrently with each other
// (under a read lock).
//
// Points are identified by slot. A slot is added once with Add and removed
// once with Remove, given the same payload both times; to change a point's
// payload, Remove the old one and Add the new one.
type Indexes struct {
	fields map[string]*fieldIndex
}

// NewIndexes returns an empty set of indexes.
func NewIndexes() *Indexes {
	return &Indexes{fields: map[string]*fieldIndex{}}
}

// supported reports whether t is an index type Amber builds.
func supported(t amber.PayloadSchemaType) bool {
	switch t {
	case amber.SchemaKeyword, amber.SchemaInteger, amber.SchemaFloat, amber.SchemaBool,
		amber.SchemaUUID, amber.SchemaDatetime, amber.SchemaText:
		return true
	}
	return false
}

// Create indexes field with type t, adding every point that existing
// yields (existing may be nil). Creating an index that exists with the same
// type does nothing; with another type the index is rebuilt. It fails for a
// malformed field or an unknown type; the messages carry no "Wrong input"
// prefix.
func (ix *Indexes) Create(field string, t amber.PayloadSchemaType, existing func(yield func(slot uint32, p amber.Payload) bool)) error {
	pth, err := parsePath(field)
	if err != nil {
		return fmt.Errorf("create payload index %q: invalid field name: %v", field, err)
	}
	if !supported(t) {
		return fmt.Errorf("create payload index %q: unsupported type %q: expected keyword, integer, float, bool, uuid, datetime or text", field, t)
	}
	if old, ok := ix.fields[field]; ok && old.typ == t {
		return nil
	}
	fi := newFieldIndex(pth, t)
	if existing != nil {
		existing(func(slot uint32, p amber.Payload) bool {
			fi.add(slot, p)
			return true
		})
	}
	ix.fields[field] = fi
	return nil
}

// Drop removes the index on field and reports whether there was one.
func (ix *Indexes) Drop(field string) bool {
	_, ok := ix.fields[field]
	delete(ix.fields, field)
	return ok
}

// Add indexes the point at slot for every indexed field. Values of the
// wrong type for an index are skipped.
func (ix *Indexes) Add(slot uint32, p amber.Payload) {
	for _, fi := range ix.fields {
		fi.add(slot, p)
	}
}

// Remove takes the point at slot, whose payload is p, out of every index.
func (ix *Indexes) Remove(slot uint32, p amber.Payload) {
	for _, fi := range ix.fields {
		fi.remove(slot, p)
	}
}

// Schema returns the collection's payload_schema: the type of each index
// and the number of points with at least one value of that type.
func (ix *Indexes) Schema() map[string]amber.PayloadIndexInfo {
	out := make(map[string]amber.PayloadIndexInfo, len(ix.fields))
	for f, fi := range ix.fields {
		out[f] = amber.PayloadIndexInfo{DataType: fi.typ, Points: uint64(len(fi.points))}
	}
	return out
}

// Fields returns the type of each index.
func (ix *Indexes) Fields() map[string]amber.PayloadSchemaType {
	out := make(map[string]amber.PayloadSchemaType, len(ix.fields))
	for f, fi := range ix.fields {
		out[f] = fi.typ
	}
	return out
}

// definitions is the persisted form: index types only.
type definitions struct {
	Schema map[string]amber.PayloadSchemaType `json:"schema"`
}

// Encode returns the index definitions as {"schema":{"field":"type",...}},
// with fields in sorted order. Contents are not persisted.
func (ix *Indexes) Encode() ([]byte, error) {
	b, err := json.Marshal(definitions{Schema: ix.Fields()})
	if err != nil {
		return nil, fmt.Errorf("encode payload index definitions: %w", err)
	}
	return b, nil
}

// DecodeIndexes reads definitions written by Encode and returns empty
// indexes of those types; the caller then Adds every point.
func DecodeIndexes(data []byte) (*Indexes, error) {
	var d definitions
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("decode payload index definitions: %w", err)
	}
	ix := NewIndexes()
	for f, t := range d.Schema {
		if err := ix.Create(f, t, nil); err != nil {
			return nil, fmt.Errorf("decode payload index definitions: %w", err)
		}
	}
	return ix, nil
}
