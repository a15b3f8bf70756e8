package api

import (
	"encoding/json"

	"github.com/amberdb/amber/engine"
)

// The legacy search endpoints: gone from Qdrant 1.19's spec and its JS
// client, still routed by its server, and still used by older clients.

// searchRequest is the legacy SearchRequest (Qdrant ≤ 1.18's spec, still
// routed by 1.19): "vector" is an array or {"name", "vector"}.
type searchRequest struct {
	Vector json.RawMessage `json:"vector"`
	searchOptions
}

func (s *server) runSearch(c *engine.Collection, req *searchRequest) ([]scoredJSON, error) {
	q, p, err := req.query(c)
	if err != nil {
		return nil, err
	}
	raw := req.Vector
	if firstByte(raw) == '{' {
		var named struct {
			Name   string          `json:"name"`
			Vector json.RawMessage `json:"vector"`
		}
		if err := json.Unmarshal(raw, &named); err != nil {
			return nil, errFormat(err)
		}
		q.Using, raw = named.Name, named.Vector
	}
	if isNull(raw) {
		return nil, errFormat(errMissing("vector"))
	}
	if q.Vector, err = parseDense(raw); err != nil {
		return nil, err
	}
	hits, err := c.Search(q)
	if err != nil {
		return nil, err
	}
	return p.scored(hits), nil
}
