package api

import (
	"encoding/json"
	"net/http"

	"github.com/amberdb/amber"
	"github.com/amberdb/amber/engine"
)

// collection resolves the {c} of the URL, a collection name or an alias.
// r.PathValue has already decoded %2F, so "a%2Fb" fails validation (422)
// rather than reaching the engine.
func (s *server) collection(r *http.Request) (*engine.Collection, error) {
	name := r.PathValue("c")
	if err := engine.ValidateName(name); err != nil {
		return nil, err
	}
	return s.db.Collection(name)
}

type collectionDescription struct {
	Name string `json:"name"`
}

func (s *server) handleListCollections(w http.ResponseWriter, r *http.Request) {
	names := s.db.Names()
	out := make([]collectionDescription, len(names))
	for i, n := range names {
		out[i] = collectionDescription{Name: n}
	}
	reply(w, r, map[string]any{"collections": out})
}

func (s *server) handleCollectionExists(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("c")
	if err := engine.ValidateName(name); err != nil {
		fail(w, r, err)
		return
	}
	_, err := s.db.Collection(name)
	if err != nil && amber.ErrorCodeOf(err) != amber.ENotFound {
		fail(w, r, err)
		return
	}
	reply(w, r, map[string]bool{"exists": err == nil})
}

// hnswDiff is HnswConfigDiff: the fields given replace the defaults.
type hnswDiff struct {
	M                  *int  `json:"m"`
	EfConstruct        *int  `json:"ef_construct"`
	FullScanThreshold  *int  `json:"full_scan_threshold"`
	MaxIndexingThreads *int  `json:"max_indexing_threads"`
	OnDisk             *bool `json:"on_disk"`
	PayloadM           *int  `json:"payload_m"`
}

func (d *hnswDiff) apply(c *amber.HNSWConfig) error {
	if d == nil {
		return nil
	}
	for _, f := range []struct {
		name string
		v    *int
		min  int
		dst  *int
	}{
		{"m", d.M, 0, &c.M},
		{"ef_construct", d.EfConstruct, 4, &c.EfConstruct},
		{"full_scan_threshold", d.FullScanThreshold, 10, &c.FullScanThreshold},
		{"max_indexing_threads", d.MaxIndexingThreads, 0, &c.MaxIndexingThreads},
	} {
		if f.v == nil {
			continue
		}
		if *f.v < f.min {
			return errValidation("[hnsw_config.%s: value %d invalid, must be %d or greater]", f.name, *f.v, f.min)
		}
		*f.dst = *f.v
	}
	if d.OnDisk != nil {
		c.OnDisk = *d.OnDisk
	}
	if d.PayloadM != nil {
		m := *d.PayloadM
		c.PayloadM = &m
	}
	return nil
}

// createCollectionRequest is CreateCollection. Fields Amber cannot honour
// are refused when set; unknown fields are ignored, as in Qdrant.
type createCollectionRequest struct {
	Vectors                json.RawMessage `json:"vectors"`
	ShardNumber            *int            `json:"shard_number"`
	ShardingMethod         *string         `json:"sharding_method"`
	ReplicationFactor      *int            `json:"replication_factor"`
	WriteConsistencyFactor *int            `json:"write_consistency_factor"`
	OnDiskPayload          *bool           `json:"on_disk_payload"`
	HNSWConfig             *hnswDiff       `json:"hnsw_config"`
	WALConfig              json.RawMessage `json:"wal_config"`
	OptimizersConfig       json.RawMessage `json:"optimizers_config"`
	QuantizationConfig     json.RawMessage `json:"quantization_config"`
	SparseVectors          json.RawMessage `json:"sparse_vectors"`
	StrictModeConfig       json.RawMessage `json:"strict_mode_config"`
	InitFrom               json.RawMessage `json:"init_from"`
	Metadata               json.RawMessage `json:"metadata"`
}

func (req *createCollectionRequest) config() (amber.CollectionConfig, error) {
	for _, f := range []struct {
		raw  json.RawMessage
		what string
	}{
		{req.SparseVectors, "sparse_vectors"},
		{req.QuantizationConfig, "quantization_config"},
		{req.InitFrom, "init_from"},
		{req.StrictModeConfig, "strict_mode_config"},
	} {
		if err := rejectSet(f.raw, f.what); err != nil {
			return amber.CollectionConfig{}, err
		}
	}
	if req.ShardingMethod != nil && *req.ShardingMethod != "auto" {
		return amber.CollectionConfig{}, errUnsupported("sharding_method " + *req.ShardingMethod)
	}
	cfg := amber.CollectionConfig{
		ShardNumber: 1, ReplicationFactor: 1, WriteConsistencyFactor: 1,
		OnDiskPayload: true, HNSW: amber.DefaultHNSWConfig(),
	}
	if !isNull(req.Vectors) {
		if err := checkVectorParams(req.Vectors); err != nil {
			return cfg, err
		}
		if err := json.Unmarshal(req.Vectors, &cfg.Vectors); err != nil {
			return cfg, errFormat(err)
		}
	}
	for _, f := range []struct {
		name string
		v    *int
		dst  *int
	}{
		{"shard_number", req.ShardNumber, &cfg.ShardNumber},
		{"replication_factor", req.ReplicationFactor, &cfg.ReplicationFactor},
		{"write_consistency_factor", req.WriteConsistencyFactor, &cfg.WriteConsistencyFactor},
	} {
		if f.v == nil {
			continue
		}
		if *f.v < 1 {
			return cfg, errValidation("[%s: value %d invalid, must be 1 or greater]", f.name, *f.v)
		}
		*f.dst = *f.v
	}
	if req.OnDiskPayload != nil {
		cfg.OnDiskPayload = *req.OnDiskPayload
	}
	if err := req.HNSWConfig.apply(&cfg.HNSW); err != nil {
		return cfg, err
	}
	var err error
	if cfg.Optimizers, err = objectOrNull(req.OptimizersConfig, "optimizers_config"); err != nil {
		return cfg, err
	}
	if cfg.WAL, err = objectOrNull(req.WALConfig, "wal_config"); err != nil {
		return cfg, err
	}
	if cfg.Metadata, err = objectOrNull(req.Metadata, "metadata"); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// checkVectorParams refuses per-vector options that Amber would otherwise
// drop: its own HNSW or quantization settings, multivectors, and storage
// datatypes other than float32.
func checkVectorParams(raw json.RawMessage) error {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return errFormat(err)
	}
	params := map[string]json.RawMessage{"": raw}
	if _, single := probe["size"]; !single {
		params = probe
	}
	for _, name := range sortedNames(params) {
		var p struct {
			HNSW         json.RawMessage `json:"hnsw_config"`
			Quantization json.RawMessage `json:"quantization_config"`
			Multivector  json.RawMessage `json:"multivector_config"`
			Datatype     *string         `json:"datatype"`
		}
		if err := json.Unmarshal(params[name], &p); err != nil {
			return errFormat(err)
		}
		for _, f := range []struct {
			raw  json.RawMessage
			what string
		}{
			{p.HNSW, "per-vector hnsw_config"},
			{p.Quantization, "quantization_config"},
			{p.Multivector, "multivector_config"},
		} {
			if err := rejectSet(f.raw, f.what); err != nil {
				return err
			}
		}
		if p.Datatype != nil && *p.Datatype != "float32" {
			return errUnsupported("datatype " + *p.Datatype)
		}
	}
	return nil
}

// objectOrNull returns raw when it is a JSON object, nil when absent or
// null, and an error otherwise.
func objectOrNull(raw json.RawMessage, what string) (json.RawMessage, error) {
	if isNull(raw) {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, errFormat(err)
	}
	return raw, nil
}

func (s *server) handleCreateCollection(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("c")
	if err := engine.ValidateName(name); err != nil {
		fail(w, r, err)
		return
	}
	if err := checkParams(r); err != nil {
		fail(w, r, err)
		return
	}
	var req createCollectionRequest
	if err := decodeBody(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		fail(w, r, err)
		return
	}
	cfg, err := req.config()
	if err != nil {
		fail(w, r, err)
		return
	}
	if err := s.db.Create(r.Context(), name, cfg); err != nil {
		fail(w, r, err)
		return
	}
	reply(w, r, true)
}

// updateCollectionRequest is UpdateCollection. Amber has no optimizer or
// quantization to retune and cannot change vectors in place; it accepts
// the tuning sections and refuses the rest.
type updateCollectionRequest struct {
	Vectors            json.RawMessage `json:"vectors"`
	OptimizersConfig   json.RawMessage `json:"optimizers_config"`
	Params             json.RawMessage `json:"params"`
	HNSWConfig         *hnswDiff       `json:"hnsw_config"`
	QuantizationConfig json.RawMessage `json:"quantization_config"`
	SparseVectors      json.RawMessage `json:"sparse_vectors"`
	StrictModeConfig   json.RawMessage `json:"strict_mode_config"`
	Metadata           json.RawMessage `json:"metadata"`
}

func (s *server) handleUpdateCollection(w http.ResponseWriter, r *http.Request) {
	c, err := s.collection(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	if err := checkParams(r); err != nil {
		fail(w, r, err)
		return
	}
	var req updateCollectionRequest
	if err := decodeBody(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		fail(w, r, err)
		return
	}
	if !isNull(req.Vectors) {
		fail(w, r, errInput("changing vector parameters of an existing collection is not supported by Amber: create a new collection and re-upsert"))
		return
	}
	for _, f := range []struct {
		raw  json.RawMessage
		what string
	}{
		{req.QuantizationConfig, "quantization_config"},
		{req.SparseVectors, "sparse_vectors"},
		{req.StrictModeConfig, "strict_mode_config"},
	} {
		if err := rejectSet(f.raw, f.what); err != nil {
			fail(w, r, err)
			return
		}
	}
	hnsw := c.Config().HNSW
	if err := req.HNSWConfig.apply(&hnsw); err != nil {
		fail(w, r, err)
		return
	}
	for _, f := range []struct {
		raw  json.RawMessage
		what string
	}{{req.OptimizersConfig, "optimizers_config"}, {req.Params, "params"}, {req.Metadata, "metadata"}} {
		if _, err := objectOrNull(f.raw, f.what); err != nil {
			fail(w, r, err)
			return
		}
	}
	err = c.UpdateConfig(r.Context(), func(cfg *amber.CollectionConfig) error {
		cfg.HNSW = hnsw
		if !isNull(req.OptimizersConfig) {
			cfg.Optimizers = req.OptimizersConfig
		}
		if !isNull(req.Metadata) {
			cfg.Metadata = req.Metadata
		}
		return nil
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	reply(w, r, true)
}

func (s *server) handleDeleteCollection(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("c")
	if err := engine.ValidateName(name); err != nil {
		fail(w, r, err)
		return
	}
	if err := checkParams(r); err != nil {
		fail(w, r, err)
		return
	}
	existed, err := s.db.Drop(r.Context(), name)
	if err != nil {
		fail(w, r, err)
		return
	}
	reply(w, r, existed)
}

func (s *server) handleGetCollection(w http.ResponseWriter, r *http.Request) {
	c, err := s.collection(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	reply(w, r, renderInfo(c.Info()))
}

func (s *server) handleUpdateAliases(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r); err != nil {
		fail(w, r, err)
		return
	}
	var req struct {
		Actions []amber.AliasAction `json:"actions"`
	}
	if err := decodeBody(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		fail(w, r, err)
		return
	}
	if req.Actions == nil {
		fail(w, r, errFormat(errMissing("actions")))
		return
	}
	if err := s.db.UpdateAliases(req.Actions); err != nil {
		fail(w, r, err)
		return
	}
	reply(w, r, true)
}

func (s *server) handleListAliases(w http.ResponseWriter, r *http.Request) {
	reply(w, r, map[string]any{"aliases": s.db.Aliases("")})
}

func (s *server) handleCollectionAliases(w http.ResponseWriter, r *http.Request) {
	c, err := s.collection(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	reply(w, r, map[string]any{"aliases": s.db.Aliases(c.Name())})
}
