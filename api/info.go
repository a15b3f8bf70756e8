package api

import (
	"encoding/json"

	"github.com/amberdb/amber"
)

// collectionInfoJSON is Qdrant's CollectionInfo.
type collectionInfoJSON struct {
	Status              string                            `json:"status"`
	OptimizerStatus     string                            `json:"optimizer_status"`
	IndexedVectorsCount uint64                            `json:"indexed_vectors_count"`
	PointsCount         uint64                            `json:"points_count"`
	SegmentsCount       int                               `json:"segments_count"`
	Config              collectionConfigJSON              `json:"config"`
	PayloadSchema       map[string]amber.PayloadIndexInfo `json:"payload_schema"`
}

// collectionConfigJSON is Qdrant's CollectionConfig.
type collectionConfigJSON struct {
	Params       collectionParamsJSON `json:"params"`
	HNSW         amber.HNSWConfig     `json:"hnsw_config"`
	Optimizer    map[string]any       `json:"optimizer_config"`
	WAL          map[string]any       `json:"wal_config"`
	Quantization any                  `json:"quantization_config"`
	Metadata     json.RawMessage      `json:"metadata,omitempty"`
}

type collectionParamsJSON struct {
	Vectors                amber.VectorsConfig `json:"vectors"`
	ShardNumber            int                 `json:"shard_number"`
	ReplicationFactor      int                 `json:"replication_factor"`
	WriteConsistencyFactor int                 `json:"write_consistency_factor"`
	OnDiskPayload          bool                `json:"on_disk_payload"`
}

// Qdrant's defaults (config/config.yaml), shown when a collection was
// created without its own values.
func defaultOptimizerConfig() map[string]any {
	return map[string]any{
		"deleted_threshold": 0.2, "vacuum_min_vector_number": 1000, "default_segment_number": 0,
		"max_segment_size": nil, "memmap_threshold": nil, "indexing_threshold": 10000,
		"flush_interval_sec": 5, "max_optimization_threads": nil,
	}
}

func defaultWALConfig() map[string]any {
	return map[string]any{"wal_capacity_mb": 32, "wal_segments_ahead": 0, "wal_retain_closed": 1}
}

// overlay returns defaults with the keys of raw (a JSON object) on top.
func overlay(defaults map[string]any, raw json.RawMessage) map[string]any {
	if isNull(raw) {
		return defaults
	}
	var given map[string]any
	if err := unmarshal(raw, &given); err != nil {
		return defaults // stored configs were checked on create
	}
	for k, v := range given {
		defaults[k] = v
	}
	return defaults
}

func atLeastOne(n int) int { return max(n, 1) }

func renderInfo(info amber.CollectionInfo) collectionInfoJSON {
	cfg := info.Config
	schema := info.PayloadSchema
	if schema == nil {
		schema = map[string]amber.PayloadIndexInfo{}
	}
	out := collectionInfoJSON{
		Status:              info.Status,
		OptimizerStatus:     info.OptimizerStatus,
		IndexedVectorsCount: info.IndexedVectorsCount,
		PointsCount:         info.PointsCount,
		SegmentsCount:       info.SegmentsCount,
		PayloadSchema:       schema,
		Config: collectionConfigJSON{
			Params: collectionParamsJSON{
				Vectors:                cfg.Vectors,
				ShardNumber:            atLeastOne(cfg.ShardNumber),
				ReplicationFactor:      atLeastOne(cfg.ReplicationFactor),
				WriteConsistencyFactor: atLeastOne(cfg.WriteConsistencyFactor),
				OnDiskPayload:          cfg.OnDiskPayload,
			},
			HNSW:      cfg.HNSW,
			Optimizer: overlay(defaultOptimizerConfig(), cfg.Optimizers),
			WAL:       overlay(defaultWALConfig(), cfg.WAL),
		},
	}
	if !isNull(cfg.Metadata) {
		out.Config.Metadata = cfg.Metadata
	}
	return out
}
