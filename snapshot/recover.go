package snapshot

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Resolve checks a path given for recovery (a file:// location) and returns
// it with symlinks resolved. The path must name an existing regular file
// inside the store directory, not under tmp/, and its last element must not
// be a symlink (symlinks in parent directories are resolved, then the result
// is checked). A missing file gives ErrNotExist; anything else refused gives
// ErrOutsideStore.
func (s *Store) Resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", path, err)
	}
	lfi, err := os.Lstat(abs)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", path, notExist(err))
	}
	if lfi.Mode()&fs.ModeSymlink != 0 {
		return "", fmt.Errorf("%w: %s is a symlink", ErrOutsideStore, path)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", path, notExist(err))
	}
	rel, err := filepath.Rel(s.dir, real)
	if err != nil || rel == "." || rel == ".." || filepath.IsAbs(rel) ||
		strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%w: %s is not inside %s", ErrOutsideStore, path, s.dir)
	}
	if rel == "tmp" || strings.HasPrefix(rel, "tmp"+string(filepath.Separator)) {
		return "", fmt.Errorf("%w: %s is in the temporary directory", ErrOutsideStore, path)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", path, notExist(err))
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%w: %s is not a regular file", ErrOutsideStore, path)
	}
	return real, nil
}

// Import streams r into a new file in tmp/, computing its SHA-256 in the
// same pass, for upload and URL recovery. name (a single file name, such as
// the uploaded file's) is validated and returned in Info.Name; sub is
// validated as in Create. The caller owns the returned temp path: it
// removes it, or keeps it with Adopt. Limit r's size if it is untrusted.
func (s *Store) Import(ctx context.Context, sub, name string, r io.Reader) (Info, string, error) {
	if _, err := s.folder(sub); err != nil {
		return Info{}, "", err
	}
	if err := checkElement(name); err != nil || len(name) > maxElementLen-len(SidecarExt) {
		return Info{}, "", fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	created := s.now()
	tmpPath, size, sum, err := s.spool(ctx, "import-*.tmp", created, func(w io.Writer) error {
		_, err := io.Copy(w, r)
		return err
	})
	if err != nil {
		return Info{}, "", fmt.Errorf("import snapshot %q: %w", name, err)
	}
	return newInfo(name, created, size, sum), tmpPath, nil
}

// Adopt moves a file made by Import into the folder sub as name (which must
// end in ".snapshot"; "-2", "-3", ... is added if taken), with a sidecar
// holding checksum, as Create does. The temp file is removed.
func (s *Store) Adopt(sub, tmpPath, name, checksum string) (Info, error) {
	folder, err := s.folder(sub)
	if err != nil {
		return Info{}, err
	}
	if err := checkSnapshotName(name); err != nil {
		return Info{}, err
	}
	if filepath.Dir(tmpPath) != s.tmp {
		return Info{}, fmt.Errorf("adopt %s: %w", tmpPath, ErrOutsideStore)
	}
	checksum = strings.ToLower(checksum)
	if !isSHA256Hex(checksum) {
		return Info{}, fmt.Errorf("adopt %s: %w", name, ErrChecksum)
	}
	fi, err := os.Lstat(tmpPath)
	if err != nil || !fi.Mode().IsRegular() {
		return Info{}, fmt.Errorf("adopt %s: %w", tmpPath, ErrNotExist)
	}
	if err := mkdirAllSync(s.dir, sub); err != nil {
		return Info{}, fmt.Errorf("adopt %s: %w", name, err)
	}
	defer os.Remove(tmpPath)
	return s.adopt(folder, tmpPath, strings.TrimSuffix(name, Ext), fi.Size(), checksum, fi.ModTime())
}
