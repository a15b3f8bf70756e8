package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/amberdb/amber"
	"github.com/amberdb/amber/engine"
)

// This file holds the reads: retrieve, count, scroll, query and the legacy
// search, each with its batch form where Qdrant has one.

const defaultLimit = 10

// readRequest is the common start of a read: the collection, the query
// parameters and the body.
func (s *server) readRequest(w http.ResponseWriter, r *http.Request, body any) (*engine.Collection, error) {
	c, err := s.collection(r)
	if err != nil {
		return nil, err
	}
	if err := checkParams(r); err != nil {
		return nil, err
	}
	if err := decodeBody(w, r, s.opts.MaxBodyBytes, body); err != nil {
		return nil, err
	}
	return c, nil
}

// checkLimit applies the default and Qdrant's minimum of 1.
func checkLimit(limit *int) (int, error) {
	if limit == nil {
		return defaultLimit, nil
	}
	if *limit < 1 {
		return 0, errValidation("[limit: value %d invalid, must be 1 or greater]", *limit)
	}
	return *limit, nil
}

func checkOffset(offset *int) (int, error) {
	if offset == nil {
		return 0, nil
	}
	if *offset < 0 {
		return 0, errFormat(errors.New("offset must be a non-negative integer"))
	}
	return *offset, nil
}

func (s *server) handleRetrieve(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IDs         []amber.PointID `json:"ids"`
		WithPayload payloadSelector `json:"with_payload"`
		WithVector  vectorSelector  `json:"with_vector"`
		ShardKey    json.RawMessage `json:"shard_key"`
	}
	c, err := s.readRequest(w, r, &req)
	if err == nil && req.IDs == nil {
		err = errFormat(errMissing("ids"))
	}
	if err == nil {
		err = rejectSet(req.ShardKey, "shard_key")
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	p := newProjection(c, req.WithPayload, true, req.WithVector)
	reply(w, r, p.records(c.Get(req.IDs, p.payload.wanted(), p.vector.wanted())))
}

func (s *server) handleGetPoint(w http.ResponseWriter, r *http.Request) {
	c, err := s.collection(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	id, err := parsePathID(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	recs := c.Get([]amber.PointID{id}, true, true)
	if len(recs) == 0 {
		fail(w, r, amber.Errorf(amber.ENotFound, "Not found: No point with id %s found", id))
		return
	}
	p := newProjection(c, payloadSelector{mode: selectAll}, true, vectorSelector{mode: selectAll})
	reply(w, r, p.records(recs)[0])
}

func (s *server) handleCount(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Filter   *amber.Filter   `json:"filter"`
		Exact    *bool           `json:"exact"` // counts are always exact
		ShardKey json.RawMessage `json:"shard_key"`
	}
	c, err := s.readRequest(w, r, &req)
	if err == nil {
		err = rejectSet(req.ShardKey, "shard_key")
	}
	if err == nil {
		err = checkFilter(req.Filter)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	reply(w, r, map[string]uint64{"count": c.Count(req.Filter)})
}

// scrollPage is ScrollResult; next_page_offset is null on the last page.
type scrollPage struct {
	Points         []recordJSON   `json:"points"`
	NextPageOffset *amber.PointID `json:"next_page_offset"`
}

func (s *server) handleScroll(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Offset      *amber.PointID  `json:"offset"`
		Limit       *int            `json:"limit"`
		Filter      *amber.Filter   `json:"filter"`
		WithPayload payloadSelector `json:"with_payload"`
		WithVector  vectorSelector  `json:"with_vector"`
		OrderBy     json.RawMessage `json:"order_by"`
		ShardKey    json.RawMessage `json:"shard_key"`
	}
	c, err := s.readRequest(w, r, &req)
	var limit int
	if err == nil {
		limit, err = checkLimit(req.Limit)
	}
	if err == nil {
		err = firstErr(rejectSet(req.OrderBy, "order_by"), rejectSet(req.ShardKey, "shard_key"))
	}
	if err == nil {
		err = checkFilter(req.Filter)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	p := newProjection(c, req.WithPayload, true, req.WithVector)
	recs, next := c.Scroll(amber.ScrollRequest{
		Filter: req.Filter, Limit: limit, Offset: req.Offset,
		WithPayload: p.payload.wanted(), WithVector: p.vector.wanted(),
	})
	reply(w, r, scrollPage{Points: p.records(recs), NextPageOffset: next})
}

// firstErr returns the first error that is not nil: the client sees one
// message with its own status.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// searchParams is SearchParams. Only exact and hnsw_ef change anything in
// Amber; quantization, indexed_only and acorn are hints without effect.
type searchParams struct {
	HNSWEf *int `json:"hnsw_ef"`
	Exact  bool `json:"exact"`
}

// searchOptions are the fields query and the legacy search share.
type searchOptions struct {
	Filter         *amber.Filter   `json:"filter"`
	Params         *searchParams   `json:"params"`
	ScoreThreshold *float32        `json:"score_threshold"`
	Limit          *int            `json:"limit"`
	Offset         *int            `json:"offset"`
	WithVector     vectorSelector  `json:"with_vector"`
	WithPayload    payloadSelector `json:"with_payload"`
	ShardKey       json.RawMessage `json:"shard_key"`
}

// query builds the engine query (without its vector) and the projection.
// with_payload defaults to false for searches.
func (o *searchOptions) query(c *engine.Collection) (amber.Query, projection, error) {
	var q amber.Query
	p := newProjection(c, o.WithPayload, false, o.WithVector)
	if err := rejectSet(o.ShardKey, "shard_key"); err != nil {
		return q, p, err
	}
	if err := checkFilter(o.Filter); err != nil {
		return q, p, err
	}
	limit, err := checkLimit(o.Limit)
	if err != nil {
		return q, p, err
	}
	offset, err := checkOffset(o.Offset)
	if err != nil {
		return q, p, err
	}
	q = amber.Query{
		Filter: o.Filter, Limit: limit, Offset: offset, ScoreThreshold: o.ScoreThreshold,
		WithPayload: p.payload.wanted(), WithVector: p.vector.wanted(),
	}
	if o.Params != nil {
		q.Exact = o.Params.Exact
		if o.Params.HNSWEf != nil {
			if *o.Params.HNSWEf < 0 {
				return q, p, errFormat(errors.New("params.hnsw_ef must be a non-negative integer"))
			}
			q.HNSWEf = *o.Params.HNSWEf
		}
	}
	return q, p, nil
}

// queryRequest is QueryRequest without prefetch, fusion and the other
// query kinds, which Amber refuses by name.
type queryRequest struct {
	Prefetch   json.RawMessage `json:"prefetch"`
	Query      json.RawMessage `json:"query"`
	Using      *string         `json:"using"`
	LookupFrom json.RawMessage `json:"lookup_from"`
	searchOptions
}

// queryResponse is QueryResponse.
type queryResponse struct {
	Points []scoredJSON `json:"points"`
}

func (s *server) runQuery(c *engine.Collection, req *queryRequest) (queryResponse, error) {
	if err := firstErr(rejectSet(req.Prefetch, "prefetch"), rejectSet(req.LookupFrom, "lookup_from")); err != nil {
		return queryResponse{}, err
	}
	q, p, err := req.query(c)
	if err != nil {
		return queryResponse{}, err
	}
	if req.Using != nil {
		q.Using = *req.Using
	}
	vec, id, err := parseQueryInput(req.Query)
	if err != nil {
		return queryResponse{}, err
	}
	if vec == nil && id == nil {
		return queryResponse{Points: byIDOrder(c, q, p)}, nil
	}
	q.Vector, q.ByID = vec, id
	hits, err := c.Search(q)
	if err != nil {
		return queryResponse{}, err
	}
	return queryResponse{Points: p.scored(hits)}, nil
}

// byIDOrder answers a query without "query": points in id order, score 0,
// as Qdrant does.
func byIDOrder(c *engine.Collection, q amber.Query, p projection) []scoredJSON {
	recs, _ := c.Scroll(amber.ScrollRequest{Filter: q.Filter, Limit: q.Limit + q.Offset, WithPayload: q.WithPayload, WithVector: q.WithVector})
	if q.Offset >= len(recs) {
		return []scoredJSON{}
	}
	recs = recs[q.Offset:]
	hits := make([]amber.ScoredPoint, len(recs))
	for i, rec := range recs {
		hits[i] = amber.ScoredPoint{Record: rec}
	}
	return p.scored(hits)
}

// parseQueryInput reads QueryRequest.query: a vector, a point id, or
// {"nearest": either}. A missing query returns nil, nil.
func parseQueryInput(raw json.RawMessage) ([]float32, *amber.PointID, error) {
	switch firstByte(raw) {
	case 0, 'n':
		return nil, nil, nil
	case '[':
		v, err := parseDense(raw)
		return v, nil, err
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, nil, errFormat(err)
		}
		nearest, ok := obj["nearest"]
		if !ok {
			for _, kind := range sortedNames(obj) {
				switch kind {
				case "recommend", "discover", "context", "order_by", "fusion", "rrf", "formula", "sample", "relevance_feedback":
					return nil, nil, errUnsupported("query type `" + kind + "`")
				}
			}
			_, err := parseDense(raw) // names sparse vectors and documents
			return nil, nil, err
		}
		if err := rejectSet(obj["mmr"], "mmr"); err != nil {
			return nil, nil, err
		}
		if b := firstByte(nearest); b == '{' || b == 0 || b == 'n' {
			_, err := parseDense(nearest)
			return nil, nil, err
		}
		return parseQueryInput(nearest)
	default:
		var id amber.PointID
		if err := json.Unmarshal(raw, &id); err != nil {
			return nil, nil, errFormat(err)
		}
		return nil, &id, nil
	}
}

// searchOne serves a search endpoint: decode Req, run it on the collection,
// reply with its result.
func searchOne[Req, Res any](s *server, run func(*engine.Collection, *Req) (Res, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req Req
		c, err := s.readRequest(w, r, &req)
		if err != nil {
			fail(w, r, err)
			return
		}
		res, err := run(c, &req)
		if err != nil {
			fail(w, r, err)
			return
		}
		reply(w, r, res)
	}
}

// searchBatch serves a batch endpoint {"searches":[Req…]}: every search runs
// on the same collection, and the first error fails the whole batch.
func searchBatch[Req, Res any](s *server, run func(*engine.Collection, *Req) (Res, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Searches []Req `json:"searches"`
		}
		c, err := s.readRequest(w, r, &req)
		if err == nil && req.Searches == nil {
			err = errFormat(errMissing("searches"))
		}
		if err != nil {
			fail(w, r, err)
			return
		}
		out := make([]Res, len(req.Searches))
		for i := range req.Searches {
			if out[i], err = run(c, &req.Searches[i]); err != nil {
				fail(w, r, err)
				return
			}
		}
		reply(w, r, out)
	}
}
