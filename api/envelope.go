package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/amberdb/amber"
)

// statusOf maps an error code to its HTTP status: the one table.
var statusOf = map[amber.ErrorCode]int{
	amber.EInvalid:       http.StatusBadRequest,
	amber.EBadRequest:    http.StatusBadRequest,
	amber.EChecksum:      http.StatusBadRequest,
	amber.ENotFound:      http.StatusNotFound,
	amber.EConflict:      http.StatusConflict,
	amber.EUnprocessable: http.StatusUnprocessableEntity,
	amber.EForbidden:     http.StatusForbidden,
	amber.ETooLarge:      http.StatusRequestEntityTooLarge,
	amber.EUnavailable:   http.StatusServiceUnavailable,
	amber.EInternal:      http.StatusInternalServerError,
}

// internalMessage is all a client learns about an internal error.
const internalMessage = "Service internal error: internal error"

// statusCode returns the HTTP status for err.
func statusCode(err error) int {
	if s, ok := statusOf[amber.ErrorCodeOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// clientMessage returns what the client may see of err.
func clientMessage(err error) string {
	if amber.ErrorCodeOf(err) == amber.EInternal {
		return internalMessage
	}
	return amber.ErrorMessage(err)
}

// Error constructors for the API's own messages, with Qdrant's prefixes.

func errInput(format string, args ...any) error {
	return amber.Errorf(amber.EInvalid, "Wrong input: "+format, args...)
}

func errUnsupported(what string) error {
	return amber.Errorf(amber.EInvalid, "Wrong input: %s is not supported by Amber", what)
}

func errFormat(err error) error {
	return amber.Errorf(amber.EInvalid, "Format error in JSON body: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func errQueryParam(format string, args ...any) error {
	return amber.Errorf(amber.EInvalid, "Deserialize error in query parameters: "+format, args...)
}

func errValidation(format string, args ...any) error {
	return amber.Errorf(amber.EUnprocessable, "Validation error in JSON body: "+format, args...)
}

// requestState travels in the request context from the outer middleware to
// the handlers: the start time for the envelope's "time" and the error for
// the request log.
type requestState struct {
	start time.Time
	err   error
}

type stateKey struct{}

func stateOf(r *http.Request) *requestState {
	if st, ok := r.Context().Value(stateKey{}).(*requestState); ok {
		return st
	}
	return &requestState{start: time.Now()}
}

func withState(ctx context.Context, st *requestState) context.Context {
	return context.WithValue(ctx, stateKey{}, st)
}

func elapsed(r *http.Request) float64 { return time.Since(stateOf(r).start).Seconds() }

type okEnvelope struct {
	Result any     `json:"result"`
	Status string  `json:"status"`
	Time   float64 `json:"time"`
}

type statusEnvelope struct {
	Status any     `json:"status"`
	Time   float64 `json:"time"`
}

type errorStatus struct {
	Error string `json:"error"`
}

// reply writes a 200 envelope around result.
func reply(w http.ResponseWriter, r *http.Request, result any) {
	writeJSON(w, http.StatusOK, okEnvelope{Result: result, Status: "ok", Time: elapsed(r)})
}

// accepted writes the 202 answer to a wait=false request.
func accepted(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusAccepted, statusEnvelope{Status: "accepted", Time: elapsed(r)})
}

// fail writes the error envelope for err and records err for the request
// log, which prints the full error of internal ones.
func fail(w http.ResponseWriter, r *http.Request, err error) {
	stateOf(r).err = err
	writeJSON(w, statusCode(err), statusEnvelope{Status: errorStatus{Error: clientMessage(err)}, Time: elapsed(r)})
}

// writeJSON writes v as a JSON body. HTML characters are left unescaped so
// that payload strings come back byte for byte.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away; nothing left to tell it
}

// writeText writes a plain-text body, as Qdrant does for probes and 401s.
func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, text)
}

// decodeBody reads the JSON request body into v. The body is bounded by
// limit; an empty body decodes as {}. Numbers inside interface values stay
// json.Number.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if r.ContentLength > limit {
		return tooLarge(r.ContentLength, limit)
	}
	// JSON bodies are bounded, so they are read whole: that lets invalid
	// UTF-8 be refused, as serde does, instead of silently replaced.
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err == nil && !utf8.Valid(b) {
		return errFormat(errors.New("invalid UTF-8 in the request body"))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err == nil {
		err = dec.Decode(v)
	}
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err == nil {
		// Anything but white space after the value is an error, as in serde.
		var extra json.RawMessage
		if err = dec.Decode(&extra); errors.Is(err, io.EOF) {
			return nil
		}
		if err == nil {
			err = errors.New("trailing characters after the JSON value")
		}
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tooLarge(r.ContentLength, limit)
	}
	var ae *amber.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errFormat(errors.New("EOF while parsing a value"))
	}
	return errFormat(err)
}

func tooLarge(n, limit int64) error {
	size := fmt.Sprintf("%d bytes", n)
	if n < 0 {
		size = fmt.Sprintf("more than %d bytes", limit)
	}
	return amber.Errorf(amber.ETooLarge, "Payload error: JSON payload (%s) is larger than allowed (limit: %d bytes).", size, limit)
}

// unmarshal decodes a fragment of a body already read, keeping numbers
// exact. Errors are client errors.
func unmarshal(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var ae *amber.Error
		if errors.As(err, &ae) {
			return err
		}
		return errFormat(err)
	}
	return nil
}

// errMissing is the detail for a required field that is absent.
func errMissing(field string) error { return fmt.Errorf("missing field `%s`", field) }
