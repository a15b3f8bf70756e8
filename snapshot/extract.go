package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Verify reads a whole archive, discarding the bodies, and returns its
// manifest once every file's size and SHA-256 have been checked. Errors are
// those of Reader.Next.
func Verify(r io.Reader, lim Limits) (Manifest, error) {
	sr := NewReader(r, lim)
	for {
		_, _, body, err := sr.Next()
		if err == io.EOF {
			return sr.Manifest()
		}
		if err != nil {
			return Manifest{}, err
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return Manifest{}, err
		}
	}
}

// Extract writes every file of the archive under dir and returns the checked
// manifest. dir is created (mode 0755) if it does not exist; its parent must.
// Files are created with O_EXCL and mode 0644, parents with mode 0755; an
// existing file, or an existing non-directory where a parent should be, is an
// error. All file operations go through an os.Root on dir, and every path is
// re-checked to stay under dir after filepath.Join and Clean.
//
// The files and directories written are fsynced before Extract returns. On
// any error, including a manifest mismatch found after the last file or a
// cancelled ctx, Extract removes everything it created (and dir itself if it
// created it) and returns the error. The metadata entries are not written.
func Extract(ctx context.Context, r io.Reader, dir string, lim Limits) (m Manifest, err error) {
	x, err := openExtractor(dir)
	if err != nil {
		return Manifest{}, fmt.Errorf("extract snapshot to %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, x.undo())
		}
		x.root.Close()
	}()

	// Write the files as they stream past; the manifest check comes last.
	sr := NewReader(r, lim)
	for {
		if err := ctx.Err(); err != nil {
			return Manifest{}, err
		}
		name, _, body, err := sr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Manifest{}, err
		}
		if err := x.file(ctx, name, body); err != nil {
			return Manifest{}, fmt.Errorf("extract %q: %w", name, err)
		}
	}
	if m, err = sr.Manifest(); err != nil {
		return Manifest{}, err
	}

	// Make the new directory entries durable.
	if err := x.syncDirs(); err != nil {
		return Manifest{}, fmt.Errorf("extract snapshot to %s: %w", dir, err)
	}
	return m, nil
}

// extractor remembers what Extract created so that it can be undone.
type extractor struct {
	dir        string // absolute, cleaned
	root       *os.Root
	createdDir bool
	files      []string        // relative OS paths, in creation order
	dirs       []string        // relative OS paths, parents before children
	known      map[string]bool // directories known to exist
}

func openExtractor(dir string) (*extractor, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	x := &extractor{dir: abs, known: map[string]bool{}}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.Mkdir(abs, 0o755); err != nil {
			return nil, err
		}
		x.createdDir = true
	case err != nil:
		return nil, err
	case !fi.IsDir():
		return nil, fmt.Errorf("%s is not a directory", abs)
	}
	if x.root, err = os.OpenRoot(abs); err != nil {
		if x.createdDir {
			os.Remove(abs)
		}
		return nil, err
	}
	return x, nil
}

// file writes one entry at its place under dir.
func (x *extractor) file(ctx context.Context, name string, body io.Reader) error {
	rel, err := filepath.Localize(name)
	if err != nil {
		return fmt.Errorf("%w: %q: %v", ErrUnsafeEntry, name, err)
	}
	full := filepath.Join(x.dir, rel)
	if !strings.HasPrefix(full, x.dir+string(filepath.Separator)) {
		return fmt.Errorf("%w: %q: resolves outside %s", ErrUnsafeEntry, name, x.dir)
	}
	rel = full[len(x.dir)+1:]
	if err := x.mkdirs(filepath.Dir(rel)); err != nil {
		return err
	}
	f, err := x.root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	x.files = append(x.files, rel)
	_, err = io.Copy(f, ctxReader{ctx, body})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// mkdirs creates rel and its missing parents, remembering what it created.
func (x *extractor) mkdirs(rel string) error {
	if rel == "." || x.known[rel] {
		return nil
	}
	if err := x.mkdirs(filepath.Dir(rel)); err != nil {
		return err
	}
	err := x.root.Mkdir(rel, 0o755)
	switch {
	case err == nil:
		x.dirs = append(x.dirs, rel)
	case errors.Is(err, fs.ErrExist):
		fi, err := x.root.Lstat(rel)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s exists and is not a directory", filepath.Join(x.dir, rel))
		}
	default:
		return err
	}
	x.known[rel] = true
	return nil
}

// syncDirs fsyncs every directory that gained an entry.
func (x *extractor) syncDirs() error {
	touched := map[string]bool{".": true}
	for _, p := range append(append([]string(nil), x.files...), x.dirs...) {
		touched[filepath.Dir(p)] = true
	}
	for d := range touched {
		if err := syncRootDir(x.root, d); err != nil {
			return err
		}
	}
	if x.createdDir {
		return syncDir(filepath.Dir(x.dir))
	}
	return nil
}

// undo removes what Extract created, children before parents.
func (x *extractor) undo() error {
	var errs []error
	for i := len(x.files) - 1; i >= 0; i-- {
		if err := x.root.Remove(x.files[i]); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	for i := len(x.dirs) - 1; i >= 0; i-- {
		if err := x.root.Remove(x.dirs[i]); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if x.createdDir {
		if err := os.Remove(x.dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("clean up extracted files: %w", errors.Join(errs...))
	}
	return nil
}

func syncRootDir(root *os.Root, rel string) error {
	d, err := root.Open(rel)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// ctxReader stops a copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
