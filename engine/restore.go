package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/amberdb/amber"
)

// Staged is a collection built from an extracted archive in the data
// volume's temp folder, opened and therefore fully validated, but not yet
// serving.
type Staged struct {
	c      *Collection
	dir    string
	points uint64
}

// Points returns the staged collection's point count.
func (s *Staged) Points() uint64 { return s.points }

// Config returns the staged collection's config.
func (s *Staged) Config() amber.CollectionConfig { return s.c.cfg }

// Discard closes and removes a staged collection that was not installed.
func (s *Staged) Discard() {
	if s.c != nil {
		s.c.closeNoCheckpoint()
	}
	os.RemoveAll(s.dir)
}

// Stage turns dir, a folder holding an extracted collection archive
// (config.json, payload_index.json, data/points.bin, index/*.hnsw) inside
// TempDir, into a collection folder and opens it. The archive's graphs are
// loaded as they are, so the collection answers queries at once.
func (db *DB) Stage(dir, name string) (*Staged, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(dir, db.TempDir()+string(filepath.Separator)) {
		return nil, fmt.Errorf("stage %s: folder must be inside %s", dir, db.TempDir())
	}
	ckpt := filepath.Join(dir, "ckpt-0")
	if err := os.Mkdir(ckpt, 0o755); err != nil {
		return nil, err
	}
	if err := os.Rename(filepath.Join(dir, archiveData+pointsFile), filepath.Join(ckpt, pointsFile)); err != nil {
		return nil, amber.Errorf(amber.EInvalid, "Wrong input: snapshot has no %s%s", archiveData, pointsFile)
	}
	graphs, _ := os.ReadDir(filepath.Join(dir, archiveIndex))
	for _, g := range graphs {
		if err := os.Rename(filepath.Join(dir, archiveIndex, g.Name()), filepath.Join(ckpt, g.Name())); err != nil {
			return nil, err
		}
	}
	os.Remove(filepath.Join(dir, archiveIndex))
	os.Remove(filepath.Join(dir, archiveData))
	if err := writeJSONFile(filepath.Join(dir, currentFile), current{Dir: "ckpt-0"}); err != nil {
		return nil, err
	}
	var cfg amber.CollectionConfig
	if err := readJSONFile(filepath.Join(dir, configFile), &cfg); err != nil {
		return nil, amber.Errorf(amber.EInvalid, "Wrong input: snapshot config: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := openCollection(dir, name, &db.opts)
	if err != nil {
		return nil, amber.Errorf(amber.EInvalid, "Wrong input: snapshot data: %v", err)
	}
	return &Staged{c: c, dir: dir, points: uint64(len(c.ids))}, nil
}

// Install makes a staged collection serve under its name. An existing
// collection is swapped out atomically (its vector config must match) and
// removed; a crash at any moment leaves either the old or the new one.
func (db *DB) Install(ctx context.Context, s *Staged) error {
	name := s.c.name
	db.mu.Lock()
	defer db.mu.Unlock()
	final := db.path(collectionsDir, name)
	old, exists := db.cols[name]
	if !exists {
		if _, ok := db.aliases[name]; ok {
			return amber.Errorf(amber.EConflict, "Wrong input: Alias with name `%s` already exists!", name)
		}
	} else if !old.cfg.SameVectors(&s.c.cfg) {
		return amber.Errorf(amber.EInvalid, "Wrong input: Snapshot is not compatible with existing collection: Collection vectors: %s Snapshot Vectors: %s",
			mustJSON(old.cfg.Vectors), mustJSON(s.c.cfg.Vectors))
	}
	s.c.closeNoCheckpoint()
	s.c = nil
	if exists {
		old.closeNoCheckpoint()
		if err := exchange(s.dir, final); err != nil {
			reopened, rerr := openCollection(final, name, &db.opts)
			if rerr == nil {
				db.cols[name] = reopened
			}
			return fmt.Errorf("swap collection %s: %w", name, err)
		}
	} else if err := os.Rename(s.dir, final); err != nil {
		return fmt.Errorf("install collection %s: %w", name, err)
	}
	if err := syncDir(db.path(collectionsDir)); err != nil {
		return err
	}
	c, err := openCollection(final, name, &db.opts)
	if err != nil {
		delete(db.cols, name)
		return fmt.Errorf("open recovered collection %s: %w", name, err)
	}
	db.cols[name] = c
	os.RemoveAll(s.dir) // the old collection, after an exchange
	return nil
}

// exchange swaps two folders atomically (renameat2 RENAME_EXCHANGE).
func exchange(a, b string) error {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		return fmt.Errorf("the data volume does not support atomic folder exchange: %w", err)
	}
	return err
}

// Merge copies into c every point of s whose id c lacks (priority replica:
// the current data stays the source of truth). It returns how many points
// it added.
func (db *DB) Merge(ctx context.Context, c *Collection, s *Staged) (int, error) {
	if !c.cfg.SameVectors(&s.c.cfg) {
		return 0, amber.Errorf(amber.EInvalid, "Wrong input: Snapshot is not compatible with existing collection: Collection vectors: %s Snapshot Vectors: %s",
			mustJSON(c.cfg.Vectors), mustJSON(s.c.cfg.Vectors))
	}
	var batch []amber.Point
	added := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		ids := make([]amber.PointID, len(batch))
		for i, p := range batch {
			ids[i] = p.ID
		}
		present := map[amber.PointID]bool{}
		for _, r := range c.Get(ids, false, false) {
			present[r.ID] = true
		}
		missing := batch[:0]
		for _, p := range batch {
			if !present[p.ID] {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 {
			if _, err := c.Upsert(ctx, missing, true); err != nil {
				return err
			}
		}
		added += len(missing)
		batch = batch[:0]
		return nil
	}
	src := s.c
	src.mu.RLock()
	live := make([]uint32, 0, len(src.ids))
	for _, i := range src.ids {
		live = append(live, i)
	}
	src.mu.RUnlock()
	for _, i := range live {
		sl := src.slots.get(i)
		vecs := amber.Vectors{}
		for pos, n := range src.names {
			if sl.vecs[pos] != nil {
				vecs[n] = sl.vecs[pos]
			}
		}
		batch = append(batch, amber.Point{ID: sl.id, Vectors: vecs, Payload: sl.payload})
		if len(batch) == 256 {
			if err := flush(); err != nil {
				return added, err
			}
		}
	}
	return added, flush()
}
