package snapshot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Time layouts of snapshot names and of Info.CreationTime (UTC, no zone, as
// Qdrant writes them).
const (
	NameTimeLayout     = "2006-01-02-15-04-05"
	CreationTimeLayout = "2006-01-02T15:04:05"
)

// beforeSidecar is a failpoint for tests: it runs after a snapshot is
// placed and before its sidecar is written, and an error it returns is
// treated as a sidecar failure.
var beforeSidecar = func(folder, name string) error { return nil }

// maxBaseName leaves room in a 255-byte file name for the timestamp, a
// collision suffix, ".snapshot" and ".checksum".
const maxBaseName = 200

// Store is the snapshots folder: full snapshots at the top, one folder per
// collection, and tmp/ for files being written. Snapshot files only ever
// appear in a listed folder complete and fsynced; see Create.
//
// A Store is safe for concurrent use, and concurrent Creates never overwrite
// each other. Only one process should open a given directory: OpenStore wipes
// tmp/. The directory must support hard links.
type Store struct {
	dir string // absolute, symlinks resolved
	tmp string // dir/tmp
	now func() time.Time
	log *slog.Logger
}

// Info describes one snapshot file, as Qdrant's SnapshotDescription.
type Info struct {
	Name string `json:"name"`
	// CreationTime is the file's mtime, which Create sets to the creation
	// time, in CreationTimeLayout (UTC).
	CreationTime *string `json:"creation_time"`
	Size         int64   `json:"size"`
	// Checksum is the SHA-256 from the sidecar, omitted without one.
	Checksum string `json:"checksum,omitempty"`
	// Created is CreationTime at full precision, for sorting and retention.
	Created time.Time `json:"-"`
}

// OpenStore opens the snapshots folder dir, creating dir and dir/tmp if
// needed, and wipes whatever an earlier process left in dir/tmp. now is the
// clock (nil means time.Now); logger may be nil.
func OpenStore(dir string, now func() time.Time, logger *slog.Logger) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open snapshot store %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("open snapshot store: %w", err)
	}
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return nil, fmt.Errorf("open snapshot store: %w", err)
	}
	s := &Store{dir: abs, tmp: filepath.Join(abs, "tmp"), now: now, log: logger}
	if err := os.Mkdir(s.tmp, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("open snapshot store: %w", err)
	}
	if fi, err := os.Lstat(s.tmp); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("open snapshot store: %s is not a directory", s.tmp)
	}

	// Wipe leftovers of interrupted writes.
	leftovers, err := os.ReadDir(s.tmp)
	if err != nil {
		return nil, fmt.Errorf("open snapshot store: %w", err)
	}
	for _, e := range leftovers {
		if err := os.RemoveAll(filepath.Join(s.tmp, e.Name())); err != nil {
			return nil, fmt.Errorf("open snapshot store: wipe tmp: %w", err)
		}
	}
	if len(leftovers) > 0 {
		logger.Info("wiped leftovers in snapshots tmp dir", "dir", s.tmp, "count", len(leftovers))
	}
	if err := s.completeSidecars(); err != nil {
		return nil, fmt.Errorf("open snapshot store: %w", err)
	}
	return s, nil
}

// completeSidecars writes the sidecar of every snapshot that lacks one: a
// crash between placing a snapshot (complete and fsynced by then) and
// writing its sidecar leaves exactly that. The file is hashed again.
func (s *Store) completeSidecars() error {
	folders := []string{s.dir}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != "tmp" {
			folders = append(folders, filepath.Join(s.dir, e.Name()))
		}
	}
	for _, folder := range folders {
		files, err := os.ReadDir(folder)
		if err != nil {
			return err
		}
		for _, f := range files {
			name := f.Name()
			if !f.Type().IsRegular() || !strings.HasSuffix(name, Ext) {
				continue
			}
			if _, err := os.Lstat(filepath.Join(folder, name+SidecarExt)); !errors.Is(err, fs.ErrNotExist) {
				continue
			}
			sum, err := HashFile(filepath.Join(folder, name))
			if err != nil {
				return err
			}
			if err := s.writeSidecar(folder, name, sum); err != nil {
				return err
			}
			s.log.Warn("wrote missing checksum sidecar of a snapshot interrupted at its last step", "file", filepath.Join(folder, name), "checksum", sum)
		}
	}
	return nil
}

// Dir returns the store's directory (absolute, symlinks resolved).
func (s *Store) Dir() string { return s.dir }

// TempDir returns dir/tmp, for scratch files and directories of the caller
// (recovery, downloads). It is wiped at the next OpenStore.
func (s *Store) TempDir() string { return s.tmp }

// Create writes a snapshot. write produces the file's bytes (typically via a
// Writer); they are spooled to a temp file in tmp/ and hashed in the same
// pass. The file is then fsynced, given mtime now(), and hard-linked as
// sub/<baseName>-<YYYY-MM-DD-HH-MM-SS>.snapshot (sub "" is the top level).
// If that name is taken, "-2", "-3", ... is added before ".snapshot". Last
// comes the sidecar <name>.checksum; if it cannot be written, the snapshot is
// removed. A crash at any point leaves at most a complete snapshot without a
// sidecar in the folder, and leftovers in tmp/; the next OpenStore completes
// the one and wipes the other.
//
// The folder sub is created if needed. Errors from write are returned
// wrapped; a cancelled ctx stops the copy.
func (s *Store) Create(ctx context.Context, sub, baseName string, write func(w io.Writer) error) (Info, error) {
	folder, err := s.folder(sub)
	if err != nil {
		return Info{}, err
	}
	if err := checkElement(baseName); err != nil || len(baseName) > maxBaseName {
		return Info{}, fmt.Errorf("%w: base name %q", ErrInvalidName, baseName)
	}
	created := s.now()
	stem := baseName + "-" + created.UTC().Format(NameTimeLayout)
	if err := mkdirAllSync(s.dir, sub); err != nil {
		return Info{}, fmt.Errorf("create snapshot %s: %w", stem, err)
	}

	// Spool and hash, then place without clobbering, then the sidecar.
	tmpPath, size, sum, err := s.spool(ctx, baseName+"-*.tmp", created, write)
	if err != nil {
		return Info{}, fmt.Errorf("create snapshot %s: %w", stem, err)
	}
	defer os.Remove(tmpPath)
	return s.adopt(folder, tmpPath, stem, size, sum, created)
}

func (s *Store) adopt(folder, tmpPath, stem string, size int64, sum string, created time.Time) (Info, error) {
	name, err := place(tmpPath, folder, stem)
	if err != nil {
		return Info{}, fmt.Errorf("place snapshot %s: %w", stem, err)
	}
	err = beforeSidecar(folder, name)
	if err == nil {
		err = s.writeSidecar(folder, name, sum)
	}
	if err != nil {
		os.Remove(filepath.Join(folder, name))
		if serr := syncDir(folder); serr != nil {
			s.log.Warn("fsync after removing snapshot without sidecar", "dir", folder, "err", serr)
		}
		return Info{}, fmt.Errorf("write checksum of %s: %w", name, err)
	}
	return newInfo(name, created, size, sum), nil
}

// List returns the snapshots in folder sub ("" is the top level): regular
// files ending in ".snapshot", oldest first (by creation time, then name,
// with "-2" after its base name). A missing folder gives an empty list.
func (s *Store) List(sub string) ([]Info, error) {
	folder, err := s.folder(sub)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(folder)
	if errors.Is(err, fs.ErrNotExist) {
		return []Info{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	infos := []Info{}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), Ext) {
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("list snapshots: %w", err)
		}
		infos = append(infos, s.info(folder, fi))
	}
	slices.SortFunc(infos, compareInfo)
	return infos, nil
}

// Open opens a snapshot for reading (for http.ServeContent). The caller
// closes the file.
func (s *Store) Open(sub, name string) (*os.File, Info, error) {
	path, err := s.Path(sub, name)
	if err != nil {
		return nil, Info{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, Info{}, fmt.Errorf("open snapshot %q: %w", name, notExist(err))
	}
	fi, err := f.Stat()
	lfi, lerr := os.Lstat(path)
	if err != nil || lerr != nil || !os.SameFile(fi, lfi) { // replaced meanwhile
		f.Close()
		return nil, Info{}, fmt.Errorf("open snapshot %q: %w", name, ErrNotExist)
	}
	return f, s.info(filepath.Dir(path), fi), nil
}

// Path returns the path of an existing snapshot.
func (s *Store) Path(sub, name string) (string, error) {
	folder, err := s.folder(sub)
	if err != nil {
		return "", err
	}
	if err := checkSnapshotName(name); err != nil {
		return "", err
	}
	path := filepath.Join(folder, name)
	if filepath.Dir(path) != folder {
		return "", fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return "", fmt.Errorf("snapshot %q: %w", name, notExist(err))
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("snapshot %q: not a regular file: %w", name, ErrNotExist)
	}
	return path, nil
}

// Delete removes a snapshot, then its sidecar (a missing sidecar is logged).
func (s *Store) Delete(sub, name string) error {
	path, err := s.Path(sub, name)
	if err != nil {
		return err
	}
	return s.remove(path)
}

func (s *Store) remove(path string) error {
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("delete snapshot: %w", notExist(err))
	}
	if err := os.Remove(path + SidecarExt); errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("snapshot had no checksum file", "path", path)
	} else if err != nil {
		return fmt.Errorf("delete snapshot checksum: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// Keep deletes all but the newest keepLast snapshots of folder sub (by
// creation time, then name), with their sidecars, and returns the names
// removed. It touches nothing else.
func (s *Store) Keep(sub string, keepLast int) (removed []string, err error) {
	if keepLast < 0 {
		return nil, fmt.Errorf("keep snapshots: negative count %d", keepLast)
	}
	infos, err := s.List(sub)
	if err != nil || len(infos) <= keepLast {
		return nil, err
	}
	folder, _ := s.folder(sub)
	var errs []error
	for _, in := range infos[:len(infos)-keepLast] {
		if err := s.remove(filepath.Join(folder, in.Name)); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, in.Name)
	}
	return removed, errors.Join(errs...)
}

// folder validates sub and returns its path. sub is "" or a slash path whose
// first element is not "tmp".
func (s *Store) folder(sub string) (string, error) {
	if sub == "" {
		return s.dir, nil
	}
	if err := checkName(sub); err != nil || sub == "tmp" || strings.HasPrefix(sub, "tmp/") {
		return "", fmt.Errorf("%w: folder %q", ErrInvalidName, sub)
	}
	return filepath.Join(s.dir, filepath.FromSlash(sub)), nil
}

func (s *Store) info(folder string, fi fs.FileInfo) Info {
	sum, err := ReadChecksum(filepath.Join(folder, fi.Name()))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("unreadable snapshot checksum", "snapshot", fi.Name(), "err", err)
	}
	return newInfo(fi.Name(), fi.ModTime(), fi.Size(), sum)
}

func newInfo(name string, created time.Time, size int64, sum string) Info {
	ct := created.UTC().Format(CreationTimeLayout)
	return Info{Name: name, CreationTime: &ct, Size: size, Checksum: sum, Created: created}
}

// checkElement accepts a single file name.
func checkElement(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if strings.Contains(name, "/") {
		return errors.New("path separator in name")
	}
	return nil
}

func checkSnapshotName(name string) error {
	if checkElement(name) != nil || len(name) <= len(Ext) || !strings.HasSuffix(name, Ext) ||
		len(name) > maxElementLen-len(SidecarExt) {
		return fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	return nil
}

func notExist(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotExist
	}
	return err
}

// collisionSuffix matches a name Create made unique with "-N".
var collisionSuffix = regexp.MustCompile(`^(.*-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)-(\d+)\.snapshot$`)

// compareInfo orders by creation time, then by name, putting "x-2.snapshot"
// after "x.snapshot".
func compareInfo(a, b Info) int {
	if c := a.Created.Compare(b.Created); c != 0 {
		return c
	}
	as, an := nameKey(a.Name)
	bs, bn := nameKey(b.Name)
	return cmp.Or(strings.Compare(as, bs), cmp.Compare(an, bn))
}

func nameKey(name string) (string, int) {
	if m := collisionSuffix.FindStringSubmatch(name); m != nil {
		if n, err := strconv.Atoi(m[2]); err == nil {
			return m[1], n
		}
	}
	return strings.TrimSuffix(name, Ext), 1
}
