package engine

import (
	"errors"
	"log/slog"
	"time"
)

// Options configure a DB.
type Options struct {
	// Dir is the data folder; collections live in Dir/collections.
	Dir string
	// CheckpointBytes is the WAL size past which a collection writes a
	// checkpoint and drops the WAL before it.
	CheckpointBytes int64
	// WALSegmentSize is passed to each collection's WAL.
	WALSegmentSize int64
	// Logger receives the engine's logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultOptions returns the defaults for a data folder.
func DefaultOptions(dir string) Options {
	return Options{Dir: dir, CheckpointBytes: 64 << 20, WALSegmentSize: 32 << 20}
}

// Validate reports whether the options can be used.
func (o *Options) Validate() error {
	if o.Dir == "" {
		return errors.New("engine options: data dir is empty")
	}
	if o.CheckpointBytes <= 0 {
		o.CheckpointBytes = 64 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}
