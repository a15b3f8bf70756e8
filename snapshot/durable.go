package snapshot

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// maxCollisions bounds the "-2", "-3", ... suffixes tried for one name.
const maxCollisions = 1000

// spool writes what write produces to a new file in tmp/, hashing it in the
// same pass, sets its mtime, fsyncs and closes it. On error the file is
// removed. It returns the file's path, size and SHA-256.
func (s *Store) spool(ctx context.Context, pattern string, mtime time.Time, write func(io.Writer) error) (path string, size int64, sum string, err error) {
	f, err := os.CreateTemp(s.tmp, pattern)
	if err != nil {
		return "", 0, "", err
	}
	defer func() { // also runs if write panics
		if err != nil || path == "" {
			f.Close()
			os.Remove(f.Name())
		}
	}()

	// Tee the bytes through SHA-256 while they are produced.
	h := sha256.New()
	cw := &countWriter{ctx: ctx, w: io.MultiWriter(f, h)}
	bw := bufio.NewWriterSize(cw, 1<<20)
	if err := write(bw); err != nil {
		return "", 0, "", err
	}
	if err := bw.Flush(); err != nil {
		return "", 0, "", err
	}

	// Record the creation time, then make data and metadata durable.
	if err := os.Chtimes(f.Name(), mtime, mtime); err != nil {
		return "", 0, "", err
	}
	if err := f.Sync(); err != nil {
		return "", 0, "", fmt.Errorf("fsync %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return "", 0, "", err
	}
	return f.Name(), cw.n, hex.EncodeToString(h.Sum(nil)), nil
}

// place links the file at src into folder as stem+".snapshot", or
// stem+"-2.snapshot", "-3", ... if taken: os.Link never replaces an existing
// name, so concurrent creators in the same second all keep their files. A
// name whose sidecar exists (an orphan) counts as taken. The folder is
// fsynced; src is left for the caller to remove.
func place(src, folder, stem string) (string, error) {
	for i := 1; i <= maxCollisions; i++ {
		name := stem + Ext
		if i > 1 {
			name = fmt.Sprintf("%s-%d%s", stem, i, Ext)
		}
		dst := filepath.Join(folder, name)
		if _, err := os.Lstat(dst + SidecarExt); err == nil {
			continue
		}
		err := os.Link(src, dst)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		if err := syncDir(folder); err != nil {
			os.Remove(dst)
			return "", err
		}
		return name, nil
	}
	return "", fmt.Errorf("%d snapshots named %s* already exist", maxCollisions, stem)
}

// writeSidecar writes <name>.checksum in folder by temp file in tmp/, fsync,
// rename and folder fsync.
func (s *Store) writeSidecar(folder, name, sum string) (err error) {
	f, err := os.CreateTemp(s.tmp, "sidecar-*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := io.WriteString(f, sum); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(folder, name+SidecarExt)); err != nil {
		return err
	}
	return syncDir(folder)
}

// mkdirAllSync creates the folders of the slash path sub under base, fsyncing
// each parent that gains an entry.
func mkdirAllSync(base, sub string) error {
	if sub == "" {
		return nil
	}
	dir := base
	for elem := range strings.SplitSeq(sub, "/") {
		parent := dir
		dir = filepath.Join(dir, elem)
		err := os.Mkdir(dir, 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := syncDir(parent); err != nil {
			return err
		}
	}
	return nil
}

// syncDir fsyncs a directory so that entries added, renamed or removed in
// it survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}

// ReadChecksum reads the sidecar of the snapshot file at path (path +
// ".checksum"; a path already ending in ".checksum" is read as is) and
// returns the SHA-256 as 64 lowercase hex characters. Surrounding whitespace
// and upper case, as written by hand or by other tools, are accepted. A
// missing sidecar gives an error wrapping fs.ErrNotExist; a malformed one,
// ErrChecksum.
func ReadChecksum(path string) (string, error) {
	if !strings.HasSuffix(path, SidecarExt) {
		path += SidecarExt
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read checksum: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 256))
	if err != nil {
		return "", fmt.Errorf("read checksum %s: %w", path, err)
	}
	sum := strings.ToLower(strings.TrimSpace(string(b)))
	if !isSHA256Hex(sum) {
		return "", fmt.Errorf("%w: %s does not hold 64 hex characters", ErrChecksum, path)
	}
	return sum, nil
}

// HashFile returns the SHA-256 of the file at path as 64 lowercase hex
// characters.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash file: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash file %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// countWriter counts bytes and stops when its context is done.
type countWriter struct {
	ctx context.Context
	w   io.Writer
	n   int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
