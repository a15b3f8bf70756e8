package snapshot

import (
	"errors"
	"io/fs"
	"time"
)

// Names and numbers fixed by the archive format. See the package
// documentation for the layout.
const (
	// FormatName is the "format" field of the version entry and the manifest.
	FormatName = "amber-snapshot"
	// FormatVersion is the only version this package writes and reads.
	FormatVersion = 1
	// VersionEntry is the first entry of every archive.
	VersionEntry = "amber-snapshot.json"
	// ManifestEntry is the last entry of every archive.
	ManifestEntry = "manifest.json"
	// Ext ends the name of every snapshot file in a Store.
	Ext = ".snapshot"
	// SidecarExt is appended to a snapshot file's name to name its sidecar,
	// which holds the SHA-256 of the whole snapshot file.
	SidecarExt = ".checksum"
)

// Kind says what an archive holds.
type Kind string

// The kinds of archive.
const (
	KindCollection Kind = "collection" // one collection
	KindFull       Kind = "full"       // every collection plus node-wide state
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == KindCollection || k == KindFull }

// Manifest is the last entry of an archive. The Writer fills Format, Version,
// Kind and Files; the caller provides the rest.
type Manifest struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	Kind       Kind      `json:"kind"`
	Created    time.Time `json:"created"`
	Collection string    `json:"collection,omitempty"`
	PointCount uint64    `json:"point_count"`
	// Extra is free-form engine metadata. It goes through encoding/json, so
	// numbers come back as float64.
	Extra map[string]any `json:"extra,omitempty"`
	// Files lists every entry between the version entry and the manifest, in
	// archive order. The two metadata entries are not listed.
	Files []FileEntry `json:"files"`
}

// FileEntry describes one entry of an archive.
type FileEntry struct {
	Name   string `json:"name"`   // slash path inside the archive
	Size   int64  `json:"size"`   // bytes
	SHA256 string `json:"sha256"` // 64 lowercase hex chars
}

// versionInfo is the body of the VersionEntry.
type versionInfo struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Kind    Kind   `json:"kind"`
}

// Sentinel errors. Errors returned by this package wrap at most one of them
// (plus an *fs.PathError or similar cause); branch with errors.Is.
var (
	// ErrFormat: the input is not an Amber snapshot archive this build can
	// read (not a tar, first entry is not amber-snapshot.json, unknown
	// version or kind, corrupt tar header).
	ErrFormat = errors.New("snapshot: not a supported snapshot archive")
	// ErrUnsafeEntry: an archive entry was refused: unsafe or invalid name,
	// not a regular file, duplicate, name conflict, or over a Limits value.
	// The message names the entry.
	ErrUnsafeEntry = errors.New("snapshot: unsafe archive entry")
	// ErrTruncated: the archive ends early (before manifest.json).
	ErrTruncated = errors.New("snapshot: archive truncated")
	// ErrManifest: manifest.json is malformed or disagrees with the entries
	// read (missing, extra, wrong size or SHA-256). The message names the file.
	ErrManifest = errors.New("snapshot: manifest mismatch")
	// ErrInvalidName: a snapshot name or folder name given to a Store is not
	// acceptable (path separator, "..", not ending in ".snapshot", ...).
	// The API reports it as "not found".
	ErrInvalidName = errors.New("snapshot: invalid snapshot name")
	// ErrNotExist: the snapshot (or file) does not exist. It wraps
	// fs.ErrNotExist, so errors.Is(err, fs.ErrNotExist) holds too.
	ErrNotExist = &notExistError{}
	// ErrOutsideStore: Resolve was given a path that is not a regular file
	// inside the store (outside it, in tmp/, or a symlink).
	ErrOutsideStore = errors.New("snapshot: path is outside the snapshots directory")
	// ErrChecksum: a checksum sidecar does not hold 64 hex characters.
	ErrChecksum = errors.New("snapshot: malformed checksum")
)

type notExistError struct{}

func (*notExistError) Error() string { return "snapshot: does not exist" }
func (*notExistError) Unwrap() error { return fs.ErrNotExist }

// Limits bound what a Reader accepts. Zero fields take the defaults.
type Limits struct {
	// MaxEntrySize caps the size of one entry (default DefaultMaxEntrySize).
	MaxEntrySize int64
	// MaxEntries caps the number of entries, not counting the two metadata
	// entries (default DefaultMaxEntries).
	MaxEntries int
	// MaxHeaderBytes caps the bytes held in memory for each metadata entry,
	// amber-snapshot.json and manifest.json (default DefaultMaxHeaderBytes).
	MaxHeaderBytes int64
}

// Default limits.
const (
	DefaultMaxEntrySize   int64 = 1 << 40 // 1 TiB
	DefaultMaxEntries           = 100_000
	DefaultMaxHeaderBytes int64 = 64 << 20 // room for a manifest of DefaultMaxEntries files
)

// withDefaults replaces zero or negative fields with the defaults.
func (l Limits) withDefaults() Limits {
	if l.MaxEntrySize <= 0 {
		l.MaxEntrySize = DefaultMaxEntrySize
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return l
}
