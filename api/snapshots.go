package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strings"

	"github.com/amberdb/amber"
	"github.com/amberdb/amber/engine"
	"github.com/amberdb/amber/node"
	"github.com/amberdb/amber/snapshot"
)

// Snapshot endpoints call the node. With wait=false, creation, deletion and
// recovery run in the background and the answer is 202 {"status":"accepted"}.
// Snapshot work always runs on a context detached from the request, so a
// client that goes away does not leave a recovery half done.

// snapshotNotFound is Qdrant's answer for an unknown or malformed name.
func snapshotNotFound(name string) error {
	return amber.Errorf(amber.ENotFound, "Not found: Snapshot %s not found", name)
}

// checkSnapshotName refuses names that could leave the snapshots folder;
// r.PathValue has decoded %2F, so "..%2Fx" arrives here as "../x".
func checkSnapshotName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
		return snapshotNotFound(name)
	}
	return nil
}

// snapshotErr turns a bare not-exist error from the file system into
// Qdrant's 404; amber errors pass through.
func snapshotErr(name string, err error) error {
	if amber.ErrorCodeOf(err) == amber.EInternal && errors.Is(err, fs.ErrNotExist) {
		return snapshotNotFound(name)
	}
	return err
}

// run does work now and replies with its result (wait=true), or starts it
// in the background and answers 202 (wait=false).
func (s *server) run(w http.ResponseWriter, r *http.Request, what string, work func(ctx context.Context) (any, error)) {
	wait, err := waitParam(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	ctx := context.WithoutCancel(r.Context())
	if !wait {
		s.node.Go(func() {
			if _, err := work(ctx); err != nil {
				s.log.Error("background snapshot operation", "op", what, "error", err)
			}
		})
		accepted(w, r)
		return
	}
	res, err := work(ctx)
	if err != nil {
		fail(w, r, err)
		return
	}
	reply(w, r, res)
}

// snapshotCollection resolves {c}, which must exist, to its real name.
func (s *server) snapshotCollection(r *http.Request) (string, error) {
	c, err := s.collection(r)
	if err != nil {
		return "", err
	}
	return c.Name(), nil
}

func listReply(w http.ResponseWriter, r *http.Request, list []snapshot.Info, err error) {
	if err != nil {
		fail(w, r, err)
		return
	}
	if list == nil {
		list = []snapshot.Info{}
	}
	reply(w, r, list)
}

func (s *server) handleListSnapshots(w http.ResponseWriter, r *http.Request) {
	name, err := s.snapshotCollection(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	list, err := s.node.ListSnapshots(name)
	listReply(w, r, list, err)
}

func (s *server) handleCreateSnapshot(w http.ResponseWriter, r *http.Request) {
	name, err := s.snapshotCollection(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	s.run(w, r, "create snapshot of "+name, func(ctx context.Context) (any, error) {
		return s.node.CreateSnapshot(ctx, name)
	})
}

func (s *server) handleDownloadSnapshot(w http.ResponseWriter, r *http.Request) {
	name, err := s.snapshotCollection(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	snap := r.PathValue("name")
	if err := checkSnapshotName(snap); err != nil {
		fail(w, r, err)
		return
	}
	f, info, err := s.node.OpenSnapshot(name, snap)
	s.serveSnapshot(w, r, snap, f, info, err)
}

func (s *server) handleDeleteSnapshot(w http.ResponseWriter, r *http.Request) {
	name, err := s.snapshotCollection(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	snap := r.PathValue("name")
	if err := checkSnapshotName(snap); err != nil {
		fail(w, r, err)
		return
	}
	s.run(w, r, "delete snapshot "+snap, func(context.Context) (any, error) {
		return true, snapshotErr(snap, s.node.DeleteSnapshot(name, snap))
	})
}

// decodeRecover reads and checks a SnapshotRecover body.
func (s *server) decodeRecover(w http.ResponseWriter, r *http.Request) (node.RecoverRequest, error) {
	var req node.RecoverRequest
	if err := decodeBody(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		return req, err
	}
	if req.Location == "" {
		return req, errFormat(errMissing("location"))
	}
	if err := checkPriority(string(req.Priority)); err != nil {
		return req, errFormat(err)
	}
	if req.Checksum != "" && !isSHA256(req.Checksum) {
		return req, errValidation("[checksum: must be a SHA-256 hash of 64 hexadecimal characters]")
	}
	return req, nil
}

func checkPriority(p string) error {
	switch node.Priority(p) {
	case "", node.PrioritySnapshot, node.PriorityReplica, node.PriorityNoSync:
		return nil
	}
	return fmt.Errorf("unknown variant `%s`, expected one of `no_sync`, `snapshot`, `replica`", p)
}

// isSHA256 accepts 64 hex digits of either case, spaces around ignored (the
// node compares case-insensitively, as Qdrant does).
func isSHA256(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

func (s *server) handleRecoverSnapshot(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("c")
	if err := engine.ValidateName(name); err != nil {
		fail(w, r, err)
		return
	}
	req, err := s.decodeRecover(w, r)
	if err != nil {
		fail(w, r, err)
		return
	}
	s.run(w, r, "recover "+name, func(ctx context.Context) (any, error) {
		return true, s.node.Recover(ctx, name, req)
	})
}

// handleUploadSnapshot streams the multipart field "snapshot" into the
// node: the body is never parsed into memory. Access was checked before
// any of it was read. With wait=false the upload is first copied to the
// data volume's temp folder, since the request body ends with the handler.
func (s *server) handleUploadSnapshot(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("c")
	if err := engine.ValidateName(name); err != nil {
		fail(w, r, err)
		return
	}
	q := r.URL.Query()
	priority, checksum := q.Get("priority"), q.Get("checksum")
	if err := checkPriority(priority); err != nil {
		fail(w, r, errQueryParam("priority: %v", err))
		return
	}
	if checksum != "" && !isSHA256(checksum) {
		fail(w, r, amber.Errorf(amber.EUnprocessable, "Validation error in query parameters: [checksum: must be a SHA-256 hash of 64 hexadecimal characters]"))
		return
	}
	wait, err := waitParam(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	part, err := snapshotPart(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	defer part.Close()
	ctx := context.WithoutCancel(r.Context())
	filename := part.FileName()
	restore := func(src io.Reader) error {
		return s.node.RecoverUpload(ctx, name, filename, src, node.Priority(priority), checksum)
	}
	if wait {
		if err := restore(part); err != nil {
			fail(w, r, err)
			return
		}
		reply(w, r, true)
		return
	}
	spool, err := s.spool(part)
	if err != nil {
		fail(w, r, err)
		return
	}
	go func() {
		defer os.Remove(spool.Name())
		defer spool.Close()
		if err := restore(spool); err != nil {
			s.log.Error("background snapshot upload recovery", "collection", name, "error", err)
		}
	}()
	accepted(w, r)
}

// snapshotPart returns the multipart part named "snapshot", skipping others.
func snapshotPart(r *http.Request) (*multipart.Part, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, amber.Errorf(amber.EBadRequest, "Bad request: expected a multipart/form-data body: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, amber.Errorf(amber.EBadRequest, "Bad request: multipart field `snapshot` is missing")
		}
		if err != nil {
			return nil, amber.Errorf(amber.EBadRequest, "Bad request: reading multipart body: %v", err)
		}
		if part.FormName() == "snapshot" {
			return part, nil
		}
		part.Close()
	}
}

// spool copies an upload to a temp file on the data volume, rewound.
func (s *server) spool(src io.Reader) (*os.File, error) {
	f, err := os.CreateTemp(s.db.TempDir(), "upload-*.snapshot")
	if err != nil {
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	if _, err := io.Copy(f, src); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, amber.Errorf(amber.EBadRequest, "Bad request: reading upload: %v", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	return f, nil
}

func (s *server) handleListFullSnapshots(w http.ResponseWriter, r *http.Request) {
	list, err := s.node.ListFullSnapshots()
	listReply(w, r, list, err)
}

func (s *server) handleCreateFullSnapshot(w http.ResponseWriter, r *http.Request) {
	s.run(w, r, "create full snapshot", func(ctx context.Context) (any, error) {
		return s.node.CreateFullSnapshot(ctx)
	})
}

func (s *server) handleDownloadFullSnapshot(w http.ResponseWriter, r *http.Request) {
	snap := r.PathValue("name")
	if err := checkSnapshotName(snap); err != nil {
		fail(w, r, err)
		return
	}
	f, info, err := s.node.OpenFullSnapshot(snap)
	s.serveSnapshot(w, r, snap, f, info, err)
}

func (s *server) handleDeleteFullSnapshot(w http.ResponseWriter, r *http.Request) {
	snap := r.PathValue("name")
	if err := checkSnapshotName(snap); err != nil {
		fail(w, r, err)
		return
	}
	s.run(w, r, "delete full snapshot "+snap, func(context.Context) (any, error) {
		return true, snapshotErr(snap, s.node.DeleteFullSnapshot(snap))
	})
}

// handleRecoverFull restores a full snapshot: an Amber extension, as
// Qdrant recovers full snapshots only at start-up.
func (s *server) handleRecoverFull(w http.ResponseWriter, r *http.Request) {
	req, err := s.decodeRecover(w, r)
	if err != nil {
		fail(w, r, err)
		return
	}
	s.run(w, r, "recover full snapshot", func(ctx context.Context) (any, error) {
		return true, s.node.RecoverFull(ctx, req)
	})
}

// serveSnapshot sends an open snapshot file with Range, Last-Modified and
// Content-Length support, and closes it.
func (s *server) serveSnapshot(w http.ResponseWriter, r *http.Request, name string, f *os.File, info snapshot.Info, err error) {
	if err != nil {
		fail(w, r, snapshotErr(name, err))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		fail(w, r, fmt.Errorf("stat snapshot %s: %w", name, err))
		return
	}
	if info.Name != "" {
		name = info.Name
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	http.ServeContent(w, r, name, st.ModTime(), f)
}
