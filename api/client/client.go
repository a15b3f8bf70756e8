// Package client is a small Go client of the Qdrant REST API, enough for
// Amber's snapshot tools. It speaks to Amber and to a real Qdrant alike.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/amberdb/amber/snapshot"
)

// Client talks to one server.
type Client struct {
	BaseURL string
	APIKey  string
	HTTP    *http.Client
}

// New returns a client for baseURL (e.g. http://localhost:6333).
func New(baseURL, apiKey string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), APIKey: apiKey, HTTP: &http.Client{}}
}

// Error is a non-2xx answer.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message) }

// RecoverRequest is the body of a recover call.
type RecoverRequest struct {
	Location string `json:"location"`
	Priority string `json:"priority,omitempty"`
	Checksum string `json:"checksum,omitempty"`
	APIKey   string `json:"api_key,omitempty"`
}

func (c *Client) newRequest(ctx context.Context, method, path string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return nil, err
	}
	if c.APIKey != "" {
		req.Header.Set("api-key", c.APIKey)
	}
	return req, nil
}

// do sends a JSON request and decodes the envelope's result into out.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := c.newRequest(ctx, method, path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decode(resp, out)
}

func decode(resp *http.Response, out any) error {
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	var env struct {
		Result json.RawMessage `json:"result"`
		Status json.RawMessage `json:"status"`
	}
	jerr := json.Unmarshal(b, &env)
	if resp.StatusCode/100 != 2 {
		msg := strings.TrimSpace(string(b))
		var st struct {
			Error string `json:"error"`
		}
		if jerr == nil && json.Unmarshal(env.Status, &st) == nil && st.Error != "" {
			msg = st.Error
		}
		return &Error{Status: resp.StatusCode, Message: msg}
	}
	if jerr != nil {
		return fmt.Errorf("decode answer: %w", jerr)
	}
	if out == nil || len(env.Result) == 0 {
		return nil
	}
	return json.Unmarshal(env.Result, out)
}

func snapshotsPath(collection string) string {
	if collection == "" {
		return "/snapshots"
	}
	return "/collections/" + url.PathEscape(collection) + "/snapshots"
}

// CreateSnapshot creates a snapshot of collection, or a full snapshot when
// collection is "".
func (c *Client) CreateSnapshot(ctx context.Context, collection string) (snapshot.Info, error) {
	var info snapshot.Info
	err := c.do(ctx, http.MethodPost, snapshotsPath(collection)+"?wait=true", struct{}{}, &info)
	return info, err
}

// ListSnapshots lists a collection's snapshots, or full snapshots for "".
func (c *Client) ListSnapshots(ctx context.Context, collection string) ([]snapshot.Info, error) {
	var list []snapshot.Info
	err := c.do(ctx, http.MethodGet, snapshotsPath(collection), nil, &list)
	return list, err
}

// DeleteSnapshot deletes one snapshot.
func (c *Client) DeleteSnapshot(ctx context.Context, collection, name string) error {
	return c.do(ctx, http.MethodDelete, snapshotsPath(collection)+"/"+url.PathEscape(name)+"?wait=true", nil, nil)
}

// RecoverSnapshot recovers a collection from a location, or the whole node
// from a full snapshot when collection is "" (an Amber extension).
func (c *Client) RecoverSnapshot(ctx context.Context, collection string, r RecoverRequest) error {
	return c.do(ctx, http.MethodPut, snapshotsPath(collection)+"/recover?wait=true", r, nil)
}

// Download streams a snapshot into the file path (written beside it and
// renamed when complete) and returns its size. progress, if set, sees
// every chunk.
func (c *Client) Download(ctx context.Context, collection, name, path string, progress io.Writer) (int64, error) {
	req, err := c.newRequest(ctx, http.MethodGet, snapshotsPath(collection)+"/"+url.PathEscape(name), nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, decode(resp, nil)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".part-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	var w io.Writer = tmp
	if progress != nil {
		w = io.MultiWriter(tmp, progress)
	}
	n, err := io.Copy(w, resp.Body)
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = fmt.Errorf("download ended after %d of %d bytes", n, resp.ContentLength)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	return n, os.Rename(tmp.Name(), path)
}

// Upload streams a snapshot file to the upload-recover endpoint without
// holding it in memory.
func (c *Client) Upload(ctx context.Context, collection, path, priority, checksum string) error {
	if collection == "" {
		return errors.New("upload needs a collection")
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("snapshot", filepath.Base(path))
		if err == nil {
			_, err = io.Copy(part, f)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	q := url.Values{"wait": {"true"}}
	if priority != "" {
		q.Set("priority", priority)
	}
	if checksum != "" {
		q.Set("checksum", checksum)
	}
	req, err := c.newRequest(ctx, http.MethodPost, snapshotsPath(collection)+"/upload?"+q.Encode(), pr)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decode(resp, nil)
}
