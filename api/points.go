package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/amberdb/amber"
	"github.com/amberdb/amber/engine"
)

// This file holds the point writes: upsert, delete, payload updates and
// payload indexes. Each answers {"operation_id": N, "status": ...} with
// status "completed" after wait=true and "acknowledged" after wait=false,
// HTTP 200 in both cases (the JS client takes only 200 as success).

// writeRequest is the common start of a write: the collection, ?wait and
// the body.
func (s *server) writeRequest(w http.ResponseWriter, r *http.Request, body any) (*engine.Collection, bool, error) {
	c, err := s.collection(r)
	if err != nil {
		return nil, false, err
	}
	wait, err := waitParam(r)
	if err != nil {
		return nil, false, err
	}
	if err := checkParams(r); err != nil {
		return nil, false, err
	}
	if body != nil {
		if err := decodeBody(w, r, s.opts.MaxBodyBytes, body); err != nil {
			return nil, false, err
		}
	}
	return c, wait, nil
}

func replyUpdate(w http.ResponseWriter, r *http.Request, seq uint64, wait bool) {
	status := "completed"
	if !wait {
		status = "acknowledged"
	}
	reply(w, r, amber.UpdateResult{OperationID: seq, Status: status})
}

// pointJSON is PointStruct.
type pointJSON struct {
	ID      *amber.PointID `json:"id"`
	Vector  pointVectors   `json:"vector"`
	Payload amber.Payload  `json:"payload"`
}

// batchJSON is Batch: columns of ids, vectors and payloads.
type batchJSON struct {
	IDs      []amber.PointID `json:"ids"`
	Vectors  *batchVectors   `json:"vectors"`
	Payloads []amber.Payload `json:"payloads"`
}

// upsertRequest is PointInsertOperations: a list or a batch.
type upsertRequest struct {
	Points       []pointJSON     `json:"points"`
	Batch        *batchJSON      `json:"batch"`
	ShardKey     json.RawMessage `json:"shard_key"`
	UpdateFilter json.RawMessage `json:"update_filter"`
	UpdateMode   *string         `json:"update_mode"`
}

func (req *upsertRequest) points() ([]amber.Point, error) {
	if err := rejectSet(req.ShardKey, "shard_key"); err != nil {
		return nil, err
	}
	if err := rejectSet(req.UpdateFilter, "update_filter"); err != nil {
		return nil, err
	}
	if req.UpdateMode != nil && *req.UpdateMode != "upsert" {
		return nil, errUnsupported("update_mode " + *req.UpdateMode)
	}
	switch {
	case req.Points != nil && req.Batch != nil:
		return nil, errFormat(errors.New("give either `points` or `batch`, not both"))
	case req.Points != nil:
		out := make([]amber.Point, len(req.Points))
		for i, p := range req.Points {
			if p.ID == nil {
				return nil, errFormat(errMissing("id"))
			}
			out[i] = amber.Point{ID: *p.ID, Vectors: p.Vector.v, Payload: p.Payload}
		}
		return out, nil
	case req.Batch != nil:
		b := req.Batch
		if b.IDs == nil {
			return nil, errFormat(errMissing("ids"))
		}
		if b.Vectors == nil {
			return nil, errFormat(errMissing("vectors"))
		}
		vecs, err := b.Vectors.perPoint(len(b.IDs))
		if err != nil {
			return nil, err
		}
		if b.Payloads != nil && len(b.Payloads) != len(b.IDs) {
			return nil, errInput("batch has %d ids but %d payloads", len(b.IDs), len(b.Payloads))
		}
		out := make([]amber.Point, len(b.IDs))
		for i, id := range b.IDs {
			out[i] = amber.Point{ID: id, Vectors: vecs[i]}
			if b.Payloads != nil {
				out[i].Payload = b.Payloads[i]
			}
		}
		return out, nil
	}
	return nil, errFormat(errors.New("expected `points` or `batch`"))
}

func (s *server) handleUpsert(w http.ResponseWriter, r *http.Request) {
	var req upsertRequest
	c, wait, err := s.writeRequest(w, r, &req)
	if err != nil {
		fail(w, r, err)
		return
	}
	points, err := req.points()
	if err != nil {
		fail(w, r, err)
		return
	}
	seq, err := c.Upsert(r.Context(), points, wait)
	if err != nil {
		fail(w, r, err)
		return
	}
	replyUpdate(w, r, seq, wait)
}

func (s *server) handleDeletePoints(w http.ResponseWriter, r *http.Request) {
	var req pointsSelector
	c, wait, err := s.writeRequest(w, r, &req)
	if err == nil {
		err = req.check()
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	seq, err := c.Delete(r.Context(), req.Points, req.Filter, wait)
	if err != nil {
		fail(w, r, err)
		return
	}
	replyUpdate(w, r, seq, wait)
}

// setPayloadRequest is SetPayload, for both set (POST) and overwrite (PUT).
type setPayloadRequest struct {
	Payload amber.Payload `json:"payload"`
	Key     *string       `json:"key"`
	pointsSelector
}

func (s *server) handleSetPayload(w http.ResponseWriter, r *http.Request) {
	s.setPayload(w, r, amber.PayloadSet)
}

func (s *server) handleOverwritePayload(w http.ResponseWriter, r *http.Request) {
	s.setPayload(w, r, amber.PayloadOverwrite)
}

func (s *server) setPayload(w http.ResponseWriter, r *http.Request, kind amber.PayloadOpKind) {
	var req setPayloadRequest
	c, wait, err := s.writeRequest(w, r, &req)
	if err == nil && req.Payload == nil {
		err = errFormat(errMissing("payload"))
	}
	if err == nil {
		err = req.check()
	}
	op := amber.PayloadOp{Kind: kind, Payload: req.Payload, IDs: req.Points, Filter: req.Filter}
	if err == nil && req.Key != nil && *req.Key != "" {
		if kind == amber.PayloadOverwrite {
			err = errUnsupported("key with overwrite payload")
		}
		op.Key = *req.Key
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	s.updatePayload(w, r, c, op, wait)
}

func (s *server) handleDeletePayload(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Keys []string `json:"keys"`
		pointsSelector
	}
	c, wait, err := s.writeRequest(w, r, &req)
	if err == nil && req.Keys == nil {
		err = errFormat(errMissing("keys"))
	}
	if err == nil {
		err = req.check()
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	s.updatePayload(w, r, c, amber.PayloadOp{Kind: amber.PayloadDelete, Keys: req.Keys, IDs: req.Points, Filter: req.Filter}, wait)
}

func (s *server) handleClearPayload(w http.ResponseWriter, r *http.Request) {
	var req pointsSelector
	c, wait, err := s.writeRequest(w, r, &req)
	if err == nil {
		err = req.check()
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	s.updatePayload(w, r, c, amber.PayloadOp{Kind: amber.PayloadClear, IDs: req.Points, Filter: req.Filter}, wait)
}

func (s *server) updatePayload(w http.ResponseWriter, r *http.Request, c *engine.Collection, op amber.PayloadOp, wait bool) {
	seq, err := c.UpdatePayload(r.Context(), op, wait)
	if err != nil {
		fail(w, r, err)
		return
	}
	replyUpdate(w, r, seq, wait)
}

// parseFieldSchema reads CreateFieldIndex.field_schema: a type name or an
// object with "type" (its tuning parameters do not change answers and are
// not kept).
func parseFieldSchema(raw json.RawMessage) (amber.PayloadSchemaType, error) {
	var name string
	switch firstByte(raw) {
	case 0, 'n':
		return "", errInput("field_schema is required: Amber does not infer index types")
	case '"':
		if err := json.Unmarshal(raw, &name); err != nil {
			return "", errFormat(err)
		}
	case '{':
		var params struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(raw, &params); err != nil {
			return "", errFormat(err)
		}
		if params.Type == "" {
			return "", errFormat(errMissing("type"))
		}
		name = params.Type
	default:
		return "", errFormat(errors.New("field_schema must be a type name or an object with \"type\""))
	}
	return amber.ParsePayloadSchemaType(name)
}

func (s *server) handleCreateIndex(w http.ResponseWriter, r *http.Request) {
	var req struct {
		FieldName   *string         `json:"field_name"`
		FieldSchema json.RawMessage `json:"field_schema"`
	}
	c, wait, err := s.writeRequest(w, r, &req)
	if err == nil && req.FieldName == nil {
		err = errFormat(errMissing("field_name"))
	}
	var t amber.PayloadSchemaType
	if err == nil {
		t, err = parseFieldSchema(req.FieldSchema)
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	seq, err := c.CreateIndex(r.Context(), *req.FieldName, t)
	if err != nil {
		fail(w, r, err)
		return
	}
	replyUpdate(w, r, seq, wait)
}

func (s *server) handleDeleteIndex(w http.ResponseWriter, r *http.Request) {
	c, wait, err := s.writeRequest(w, r, nil)
	if err != nil {
		fail(w, r, err)
		return
	}
	seq, err := c.DeleteIndex(r.Context(), r.PathValue("field"))
	if err != nil {
		fail(w, r, err)
		return
	}
	replyUpdate(w, r, seq, wait)
}
