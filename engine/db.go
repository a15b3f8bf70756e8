package engine

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/amberdb/amber"
)

// DB is the set of collections in one data folder, with their aliases.
type DB struct {
	opts    Options
	mu      sync.RWMutex
	cols    map[string]*Collection
	aliases map[string]string // alias -> collection
	nodeID  uint64
}

const (
	collectionsDir = "collections"
	tmpDir         = "tmp"
	aliasesFile    = "aliases.json"
	nodeFile       = "node.json"
)

// Open opens (or creates) the data folder and every collection in it.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	db := &DB{opts: opts, cols: map[string]*Collection{}, aliases: map[string]string{}}
	for _, d := range []string{opts.Dir, db.path(collectionsDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("open data dir: %w", err)
		}
	}
	if err := os.RemoveAll(db.path(tmpDir)); err != nil {
		return nil, fmt.Errorf("clean %s: %w", db.path(tmpDir), err)
	}
	if err := os.MkdirAll(db.path(tmpDir), 0o755); err != nil {
		return nil, err
	}
	if err := db.loadNode(); err != nil {
		return nil, err
	}
	if err := readJSONFile(db.path(aliasesFile), &db.aliases); err != nil && !isNotExist(err) {
		return nil, err
	}
	entries, err := os.ReadDir(db.path(collectionsDir))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c, err := openCollection(db.path(collectionsDir, e.Name()), e.Name(), &db.opts)
		if err != nil {
			db.Close(ctx)
			return nil, err
		}
		db.cols[e.Name()] = c
	}
	for a, c := range db.aliases {
		if _, ok := db.cols[c]; !ok {
			delete(db.aliases, a)
		}
	}
	return db, nil
}

func (db *DB) path(elem ...string) string {
	return filepath.Join(append([]string{db.opts.Dir}, elem...)...)
}

func (db *DB) loadNode() error {
	var node struct {
		PeerID uint64 `json:"peer_id"`
	}
	err := readJSONFile(db.path(nodeFile), &node)
	if isNotExist(err) {
		var b [8]byte
		rand.Read(b[:])
		node.PeerID = binary.LittleEndian.Uint64(b[:]) >> 12 // 52 bits, as a JSON number stays exact
		err = writeJSONFile(db.path(nodeFile), node)
	}
	db.nodeID = node.PeerID
	return err
}

// NodeID returns this node's persistent peer id, used in snapshot names.
func (db *DB) NodeID() uint64 { return db.nodeID }

// Dir returns the data folder.
func (db *DB) Dir() string { return db.opts.Dir }

// TempDir returns a folder on the data volume for work in progress; it is
// wiped at every start.
func (db *DB) TempDir() string { return db.path(tmpDir) }

// ValidateName checks a collection or alias name as Qdrant does.
func ValidateName(name string) error {
	if name == "" || len(name) > 255 {
		return amber.Errorf(amber.EUnprocessable, "Validation error in path parameters: [name: value %q invalid, must be from 1 to 255 chars]", name)
	}
	if name == "." || name == ".." || strings.ContainsAny(name, "<>:\"/\\|?*\x00\x1f") {
		return amber.Errorf(amber.EUnprocessable, "Validation error in path parameters: [name: collection name %q cannot contain \"/\", \"\\\", \"<\", \">\", \":\", \"\\\"\", \"|\", \"?\", \"*\", NUL or be \".\" or \"..\"]", name)
	}
	return nil
}

// Collection returns the collection called name or aliased so.
func (db *DB) Collection(name string) (*Collection, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.lookupLocked(name)
}

func (db *DB) lookupLocked(name string) (*Collection, error) {
	if target, ok := db.aliases[name]; ok {
		name = target
	}
	c, ok := db.cols[name]
	if !ok {
		return nil, amber.Errorf(amber.ENotFound, "Not found: Collection `%s` doesn't exist!", name)
	}
	return c, nil
}

// Names returns the collection names, sorted.
func (db *DB) Names() []string {
	db.mu.RLock()
	defer db.mu.RUnlock()
	names := make([]string, 0, len(db.cols))
	for n := range db.cols {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Create makes a new empty collection.
func (db *DB) Create(ctx context.Context, name string, cfg amber.CollectionConfig) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if _, ok := db.cols[name]; ok {
		return amber.Errorf(amber.EConflict, "Wrong input: Collection `%s` already exists!", name)
	}
	if _, ok := db.aliases[name]; ok {
		return amber.Errorf(amber.EConflict, "Wrong input: Alias with name `%s` already exists!", name)
	}
	staging, err := os.MkdirTemp(db.TempDir(), "create-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(staging)
	if err := writeJSONFile(filepath.Join(staging, configFile), cfg); err != nil {
		return err
	}
	c, err := db.install(staging, name)
	if err != nil {
		return err
	}
	db.cols[name] = c
	return nil
}

// install moves a prepared collection folder into place and opens it. The
// caller holds db.mu and has checked the name is free.
func (db *DB) install(staging, name string) (*Collection, error) {
	final := db.path(collectionsDir, name)
	if err := os.Rename(staging, final); err != nil {
		return nil, fmt.Errorf("install collection %s: %w", name, err)
	}
	if err := syncDir(db.path(collectionsDir)); err != nil {
		return nil, err
	}
	return openCollection(final, name, &db.opts)
}

// Drop deletes a collection and its aliases. It reports whether it existed.
func (db *DB) Drop(ctx context.Context, name string) (bool, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	c, ok := db.cols[name]
	if !ok {
		return false, nil
	}
	delete(db.cols, name)
	for a, target := range db.aliases {
		if target == name {
			delete(db.aliases, a)
		}
	}
	if err := db.saveAliasesLocked(); err != nil {
		return true, err
	}
	c.closeNoCheckpoint()
	return true, db.trash(c.dir)
}

// trash renames a folder into tmp/ (atomic) and then removes it.
func (db *DB) trash(dir string) error {
	gone, err := os.MkdirTemp(db.TempDir(), "trash-")
	if err != nil {
		return err
	}
	target := filepath.Join(gone, "c")
	if err := os.Rename(dir, target); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return err
	}
	return os.RemoveAll(gone)
}

// Close checkpoints and closes every collection.
func (db *DB) Close(ctx context.Context) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	var first error
	for _, c := range db.cols {
		if err := c.Close(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}
