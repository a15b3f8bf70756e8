package amber

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// VectorParams describes one vector space of a collection.
type VectorParams struct {
	Size     int      `json:"size"`
	Distance Distance `json:"distance"`
	OnDisk   *bool    `json:"on_disk,omitempty"`
}

// VectorsConfig maps a vector name to its parameters. The unnamed vector of a
// single-vector collection has the name "" and is written on the wire as a
// bare {size, distance} object, as Qdrant does.
type VectorsConfig map[string]VectorParams

// Names returns the vector names in sorted order.
func (v VectorsConfig) Names() []string {
	names := make([]string, 0, len(v))
	for n := range v {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Single reports whether the collection has one unnamed vector.
func (v VectorsConfig) Single() bool {
	_, ok := v[""]
	return ok && len(v) == 1
}

// MarshalJSON writes the bare form for an unnamed vector, else a map.
func (v VectorsConfig) MarshalJSON() ([]byte, error) {
	if v.Single() {
		return json.Marshal(v[""])
	}
	return json.Marshal(map[string]VectorParams(v))
}

// UnmarshalJSON accepts both forms.
func (v *VectorsConfig) UnmarshalJSON(b []byte) error {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return fmt.Errorf("vectors must be an object: %w", err)
	}
	if _, ok := probe["size"]; ok {
		var p VectorParams
		if err := json.Unmarshal(b, &p); err != nil {
			return err
		}
		*v = VectorsConfig{"": p}
		return nil
	}
	m := map[string]VectorParams{}
	for name, raw := range probe {
		var p VectorParams
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("vector %q: %w", name, err)
		}
		m[name] = p
	}
	*v = m
	return nil
}

// HNSWConfig holds the vector index parameters.
type HNSWConfig struct {
	M                  int  `json:"m"`
	EfConstruct        int  `json:"ef_construct"`
	FullScanThreshold  int  `json:"full_scan_threshold"`
	MaxIndexingThreads int  `json:"max_indexing_threads"`
	OnDisk             bool `json:"on_disk"`
	PayloadM           *int `json:"payload_m,omitempty"`
}

// DefaultHNSWConfig is Qdrant's default. FullScanThreshold is in KiB of
// vectors, as in Qdrant: below it a search scans exactly.
func DefaultHNSWConfig() HNSWConfig {
	return HNSWConfig{M: 16, EfConstruct: 100, FullScanThreshold: 10000}
}

// CollectionConfig is everything a collection is created with. Options that
// Amber accepts but does not act on (sharding, replication, optimizer and WAL
// tuning) are kept and echoed back so clients see what they asked for.
type CollectionConfig struct {
	Vectors                VectorsConfig   `json:"vectors"`
	ShardNumber            int             `json:"shard_number"`
	ReplicationFactor      int             `json:"replication_factor"`
	WriteConsistencyFactor int             `json:"write_consistency_factor"`
	OnDiskPayload          bool            `json:"on_disk_payload"`
	HNSW                   HNSWConfig      `json:"hnsw_config"`
	Optimizers             json.RawMessage `json:"optimizer_config,omitempty"`
	WAL                    json.RawMessage `json:"wal_config,omitempty"`
	Metadata               json.RawMessage `json:"metadata,omitempty"`
}

// Validate checks the vector spaces.
func (c *CollectionConfig) Validate() error {
	if len(c.Vectors) == 0 {
		return Errorf(EInvalid, "Wrong input: vectors config must contain at least one vector")
	}
	for name, p := range c.Vectors {
		label := "vector"
		if name != "" {
			label = fmt.Sprintf("vector %q", name)
		}
		if p.Size < 1 || p.Size > 65536 {
			return Errorf(EUnprocessable, "Validation error in JSON body: [%s: size must be between 1 and 65536, got %d]", label, p.Size)
		}
		if p.Distance == 0 {
			return Errorf(EInvalid, "%s: distance is required (Cosine, Dot, Euclid or Manhattan)", label)
		}
	}
	if c.HNSW.M < 0 || c.HNSW.M > 256 || c.HNSW.EfConstruct < 0 {
		return Errorf(EUnprocessable, "Validation error in JSON body: [hnsw_config: m must be 0..256 and ef_construct non-negative]")
	}
	return nil
}

// SameVectors reports whether two configs have identical vector spaces.
func (c *CollectionConfig) SameVectors(o *CollectionConfig) bool {
	a, _ := json.Marshal(c.Vectors)
	b, _ := json.Marshal(o.Vectors)
	return bytes.Equal(a, b)
}

// PayloadSchemaType is the type of a payload index.
type PayloadSchemaType string

// The payload index types Amber builds.
const (
	SchemaKeyword  PayloadSchemaType = "keyword"
	SchemaInteger  PayloadSchemaType = "integer"
	SchemaFloat    PayloadSchemaType = "float"
	SchemaBool     PayloadSchemaType = "bool"
	SchemaUUID     PayloadSchemaType = "uuid"
	SchemaDatetime PayloadSchemaType = "datetime"
	SchemaText     PayloadSchemaType = "text"
)

// ParsePayloadSchemaType accepts the index types Amber supports.
func ParsePayloadSchemaType(s string) (PayloadSchemaType, error) {
	switch t := PayloadSchemaType(s); t {
	case SchemaKeyword, SchemaInteger, SchemaFloat, SchemaBool, SchemaUUID, SchemaDatetime, SchemaText:
		return t, nil
	case "geo":
		return "", Errorf(EInvalid, "Wrong input: payload index type geo is not supported by Amber")
	}
	return "", Errorf(EInvalid, "Wrong input: unknown payload index type %q: expected keyword, integer, float, bool, uuid, datetime or text", s)
}

// PayloadIndexInfo is one entry of a collection's payload_schema.
type PayloadIndexInfo struct {
	DataType PayloadSchemaType `json:"data_type"`
	Points   uint64            `json:"points"`
}

// CollectionInfo is the answer to GET /collections/{name}.
type CollectionInfo struct {
	Status              string                      `json:"status"`
	OptimizerStatus     string                      `json:"optimizer_status"`
	PointsCount         uint64                      `json:"points_count"`
	IndexedVectorsCount uint64                      `json:"indexed_vectors_count"`
	SegmentsCount       int                         `json:"segments_count"`
	Config              CollectionConfig            `json:"-"`
	PayloadSchema       map[string]PayloadIndexInfo `json:"payload_schema"`
}

// Alias maps an alias to a collection.
type Alias struct {
	AliasName      string `json:"alias_name"`
	CollectionName string `json:"collection_name"`
}

// AliasAction is one of create, delete or rename; exactly one field is set.
type AliasAction struct {
	Create *Alias       `json:"create_alias,omitempty"`
	Delete *AliasDelete `json:"delete_alias,omitempty"`
	Rename *AliasRename `json:"rename_alias,omitempty"`
}

// AliasDelete names the alias to remove.
type AliasDelete struct {
	AliasName string `json:"alias_name"`
}

// AliasRename renames an alias.
type AliasRename struct {
	OldAliasName string `json:"old_alias_name"`
	NewAliasName string `json:"new_alias_name"`
}
