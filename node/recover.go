package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/amberdb/amber"
	"github.com/amberdb/amber/engine"
	"github.com/amberdb/amber/snapshot"
)

// Recover restores a collection from a snapshot at a file:// URL inside the
// snapshots folder or an http(s) URL. The archive is hashed and unpacked in
// one pass into the data volume's temp folder, checked against the checksum
// and its manifest, opened, and only then swapped in: a failure at any step
// leaves the current collection serving.
func (n *Node) Recover(ctx context.Context, collection string, req RecoverRequest) error {
	if err := engine.ValidateName(collection); err != nil {
		return err
	}
	prio, err := parsePriority(req.Priority)
	if err != nil {
		return err
	}
	src, where, err := n.openLocation(ctx, req)
	if err != nil {
		return err
	}
	defer src.Close()
	n.log.Info("recovering collection", "collection", collection, "location", where, "priority", prio)
	return n.recoverStream(ctx, collection, src, prio, req.Checksum)
}

// openLocation opens a recover request's location: a file:// URL inside the
// snapshots folder or an http(s) URL. It also returns the location with
// credentials removed, for logs.
func (n *Node) openLocation(ctx context.Context, req RecoverRequest) (io.ReadCloser, string, error) {
	u, err := url.Parse(req.Location)
	if err != nil || u.Scheme == "" {
		return nil, "", amber.Errorf(amber.EBadRequest, "Bad request: location %q is not a URL", req.Location)
	}
	var src io.ReadCloser
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, "", amber.Errorf(amber.EBadRequest, "Bad request: Invalid snapshot URI, file path must be absolute or on localhost")
		}
		src, err = n.openLocal(u.Path)
	case "http", "https":
		if !n.opts.AllowURLRecovery {
			return nil, "", amber.Errorf(amber.EForbidden, "Forbidden: Snapshot recovery from remote URLs is disabled in the configuration")
		}
		src, err = n.fetch(ctx, u, req.APIKey)
	default:
		err = amber.Errorf(amber.EBadRequest, "Bad request: URL %s with scheme %s is not supported", redactURL(u), u.Scheme)
	}
	return src, redactURL(u), err
}

// openLocal opens a file:// location, which must lie inside the snapshots
// folder.
func (n *Node) openLocal(path string) (io.ReadCloser, error) {
	real, err := n.Store.Resolve(path)
	switch {
	case errors.Is(err, snapshot.ErrOutsideStore):
		return nil, amber.Errorf(amber.EForbidden, "Forbidden: Snapshot file path must be inside the snapshots directory %q", n.Store.Dir())
	case errors.Is(err, snapshot.ErrNotExist):
		return nil, amber.Errorf(amber.EBadRequest, "Bad request: Snapshot file %q does not exist", path)
	case err != nil:
		return nil, err
	}
	return os.Open(real)
}

// fetch starts a download; the body is streamed by the caller, bounded by
// MaxDownloadBytes and by a stall timeout.
func (n *Node) fetch(ctx context.Context, u *url.URL, apiKey string) (io.ReadCloser, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		cancel(nil)
		return nil, amber.Errorf(amber.EBadRequest, "Bad request: %v", err)
	}
	fail := func(err error) (io.ReadCloser, error) {
		cancel(nil)
		return nil, err
	}
	if apiKey != "" {
		req.Header.Set("api-key", apiKey)
	}
	resp, err := n.opts.HTTPClient.Do(req)
	if err != nil {
		return fail(amber.Errorf(amber.EBadRequest, "Bad request: download snapshot from %s: %v", redactURL(u), err))
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return fail(amber.Errorf(amber.EBadRequest, "Bad request: download snapshot from %s: HTTP %s", redactURL(u), resp.Status))
	}
	if resp.ContentLength > n.opts.MaxDownloadBytes {
		resp.Body.Close()
		return fail(amber.Errorf(amber.ETooLarge, "snapshot at %s is %d bytes, over the limit of %d", redactURL(u), resp.ContentLength, n.opts.MaxDownloadBytes))
	}
	stall := n.opts.StallTimeout
	b := &downloadBody{r: io.LimitReader(resp.Body, n.opts.MaxDownloadBytes+1), c: resp.Body, max: n.opts.MaxDownloadBytes, cancel: cancel, stall: stall}
	b.timer = time.AfterFunc(stall, func() {
		cancel(fmt.Errorf("snapshot download from %s stalled: no data for %s", redactURL(u), stall))
	})
	b.ctx = ctx
	return b, nil
}

// downloadBody bounds a download's size and fails it when no data arrives
// for the stall timeout.
type downloadBody struct {
	r      io.Reader
	c      io.Closer
	n, max int64
	ctx    context.Context
	cancel context.CancelCauseFunc
	timer  *time.Timer
	stall  time.Duration
}

func (b *downloadBody) Read(p []byte) (int, error) {
	k, err := b.r.Read(p)
	if k > 0 {
		b.timer.Reset(b.stall)
	}
	b.n += int64(k)
	if b.n > b.max {
		return k, amber.Errorf(amber.ETooLarge, "snapshot download exceeds the limit of %d bytes", b.max)
	}
	if err != nil && err != io.EOF {
		if cause := context.Cause(b.ctx); cause != nil && cause != context.Canceled {
			err = amber.Errorf(amber.EBadRequest, "Bad request: %v", cause)
		}
	}
	return k, err
}

func (b *downloadBody) Close() error {
	b.timer.Stop()
	b.cancel(nil)
	return b.c.Close()
}

func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	return c.String()
}

func parsePriority(p Priority) (Priority, error) {
	switch p {
	case "":
		return PrioritySnapshot, nil
	case PrioritySnapshot, PriorityReplica, PriorityNoSync:
		return p, nil
	}
	return "", amber.Errorf(amber.EBadRequest, "Bad request: unknown priority %q: expected snapshot, replica or no_sync", p)
}

// unpack hashes and extracts an archive into a new folder in the engine's
// temp folder, and checks the whole-file checksum when one is given.
func (n *Node) unpack(ctx context.Context, src io.Reader, checksum string) (dir string, m snapshot.Manifest, size int64, err error) {
	dir, err = os.MkdirTemp(n.DB.TempDir(), "recover-")
	if err != nil {
		return "", m, 0, err
	}
	h := sha256.New()
	cr := &countingHash{r: src, h: h}
	m, err = snapshot.Extract(ctx, cr, filepath.Join(dir, "x"), snapshot.Limits{})
	if err == nil {
		_, err = io.Copy(io.Discard, cr) // tar padding after the manifest is part of the file
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", m, cr.n, archiveErr(err)
	}
	actual := hex.EncodeToString(h.Sum(nil))
	if checksum != "" && !strings.EqualFold(strings.TrimSpace(checksum), actual) {
		os.RemoveAll(dir)
		return "", m, cr.n, amber.Errorf(amber.EChecksum, "Checksum mismatch: expected %s, actual %s", strings.ToLower(strings.TrimSpace(checksum)), actual)
	}
	return filepath.Join(dir, "x"), m, cr.n, nil
}

type countingHash struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (c *countingHash) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.h.Write(p[:k])
	c.n += int64(k)
	return k, err
}

// archiveErr turns archive errors into a 400 with the reason.
func archiveErr(err error) error {
	var ae *amber.Error
	if errors.As(err, &ae) {
		return err
	}
	for _, s := range []error{snapshot.ErrFormat, snapshot.ErrUnsafeEntry, snapshot.ErrTruncated, snapshot.ErrManifest} {
		if errors.Is(err, s) {
			return amber.Errorf(amber.EInvalid, "Wrong input: invalid snapshot: %v", err)
		}
	}
	return err
}

// recoverStream unpacks an archive and installs it as collection.
func (n *Node) recoverStream(ctx context.Context, collection string, src io.Reader, prio Priority, checksum string) (err error) {
	n.recoverMu.Lock()
	defer n.recoverMu.Unlock()
	start := time.Now()
	n.stats.recovering.Add(1)
	defer n.stats.recovering.Add(-1)
	var size int64
	defer func() {
		if err != nil {
			n.stats.recoverFailures.Add(1)
			n.log.Error("recover failed", "collection", collection, "err", err)
			return
		}
		n.stats.recovered.Add(1)
		n.stats.recoverNanos.Add(uint64(time.Since(start)))
		n.stats.recoverBytes.Add(uint64(size))
	}()
	dir, m, size, err := n.unpack(ctx, src, checksum)
	if err != nil {
		return err
	}
	defer os.RemoveAll(filepath.Dir(dir))
	if m.Kind != snapshot.KindCollection {
		return amber.Errorf(amber.EInvalid, "Wrong input: %s is a %s snapshot; recover it with PUT /snapshots/recover", "archive", m.Kind)
	}
	return n.install(ctx, collection, dir, prio, start)
}

// install stages an extracted collection and swaps or merges it in.
func (n *Node) install(ctx context.Context, collection, dir string, prio Priority, start time.Time) error {
	staged, err := n.DB.Stage(dir, collection)
	if err != nil {
		return err
	}
	defer staged.Discard()
	if prio == PriorityReplica {
		if c, err := n.DB.Collection(collection); err == nil {
			added, err := n.DB.Merge(ctx, c, staged)
			n.log.Info("collection recovered", "collection", collection, "priority", prio, "added", added, "duration", time.Since(start).String())
			return err
		}
	}
	if err := n.DB.Install(ctx, staged); err != nil {
		return err
	}
	n.log.Info("collection recovered", "collection", collection, "priority", prio, "points", staged.Points(), "duration", time.Since(start).String())
	return nil
}

// RecoverUpload restores a collection from an uploaded archive, streamed to
// the snapshots folder while it is hashed. The upload stays listed there, as
// in Qdrant.
func (n *Node) RecoverUpload(ctx context.Context, collection, filename string, r io.Reader, priority Priority, checksum string) error {
	if err := engine.ValidateName(collection); err != nil {
		return err
	}
	prio, err := parsePriority(priority)
	if err != nil {
		return err
	}
	if filename == "" || !strings.HasSuffix(filename, snapshot.Ext) {
		filename = fmt.Sprintf("%s-upload-%s%s", collection, n.opts.Now().UTC().Format("2006-01-02-15-04-05"), snapshot.Ext)
	}
	info, tmp, err := n.Store.Import(ctx, collection, filepath.Base(filename), r)
	if err != nil {
		return amber.Errorf(amber.EBadRequest, "Bad request: receive upload: %v", err)
	}
	defer os.Remove(tmp)
	if checksum != "" && !strings.EqualFold(strings.TrimSpace(checksum), info.Checksum) {
		return amber.Errorf(amber.EChecksum, "Checksum mismatch: expected %s, actual %s", strings.ToLower(strings.TrimSpace(checksum)), info.Checksum)
	}
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := n.recoverStream(ctx, collection, f, prio, info.Checksum); err != nil {
		return err
	}
	if _, err := n.Store.Adopt(collection, tmp, info.Name, info.Checksum); err != nil {
		n.log.Warn("keep uploaded snapshot", "collection", collection, "err", err)
	}
	return nil
}

// RecoverFull restores every collection and alias of a full snapshot from a
// file:// or http(s) location (an Amber extension: Qdrant does this only at
// start-up). Collections not in the snapshot are left alone.
func (n *Node) RecoverFull(ctx context.Context, req RecoverRequest) error {
	src, where, err := n.openLocation(ctx, req)
	if err != nil {
		return err
	}
	defer src.Close()
	n.log.Info("recovering full snapshot", "location", where)
	return n.recoverFull(ctx, src, req.Checksum, true)
}

// RecoverFullFile restores a full snapshot from a local file at start-up
// (amber serve --restore-snapshot). Without force, a collection that exists
// already is an error and nothing is changed.
func (n *Node) RecoverFullFile(ctx context.Context, path string, force bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return n.recoverFull(ctx, f, "", force)
}

func (n *Node) recoverFull(ctx context.Context, src io.Reader, checksum string, force bool) error {
	n.recoverMu.Lock()
	defer n.recoverMu.Unlock()
	start := time.Now()
	dir, m, _, err := n.unpack(ctx, src, checksum)
	if err != nil {
		return err
	}
	defer os.RemoveAll(filepath.Dir(dir))
	if m.Kind != snapshot.KindFull {
		return amber.Errorf(amber.EInvalid, "Wrong input: this is a %s snapshot; recover it with PUT /collections/{name}/snapshots/recover", m.Kind)
	}
	var list []fullCollection
	var aliases map[string]string
	if err := readJSON(filepath.Join(dir, fullCollectionsEntry), &list); err != nil {
		return err
	}
	if err := readJSON(filepath.Join(dir, fullAliasesEntry), &aliases); err != nil {
		return err
	}
	if !force {
		for _, fc := range list {
			if _, err := n.DB.Collection(fc.Name); err == nil {
				return amber.Errorf(amber.EConflict, "Wrong input: Collection `%s` already exists! (use --force-snapshot to replace it)", fc.Name)
			}
		}
	}
	for _, fc := range list {
		sub := filepath.Join(dir, filepath.FromSlash(fc.Dir))
		if !strings.HasPrefix(sub, dir+string(filepath.Separator)) {
			return amber.Errorf(amber.EInvalid, "Wrong input: invalid snapshot: collection folder %q escapes the archive", fc.Dir)
		}
		if err := n.install(ctx, fc.Name, sub, PrioritySnapshot, start); err != nil {
			return fmt.Errorf("recover collection %s: %w", fc.Name, err)
		}
	}
	if err := n.DB.SetAliases(aliases); err != nil {
		return err
	}
	n.stats.recovered.Add(1)
	n.log.Info("full snapshot recovered", "collections", len(list), "aliases", len(aliases), "duration", time.Since(start).String())
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return amber.Errorf(amber.EInvalid, "Wrong input: invalid snapshot: %s missing", filepath.Base(path))
	}
	if err := json.Unmarshal(b, v); err != nil {
		return amber.Errorf(amber.EInvalid, "Wrong input: invalid snapshot: %s: %v", filepath.Base(path), err)
	}
	return nil
}
