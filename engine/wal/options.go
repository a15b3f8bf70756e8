package wal

import (
	"errors"
	"fmt"
	"log/slog"
)

const (
	// DefaultSegmentSize is the segment size used when Options.SegmentSize is 0.
	DefaultSegmentSize = 64 << 20

	// MaxRecordSize is the largest payload a record may carry, in bytes.
	MaxRecordSize = 256 << 20
)

// Sentinel errors. Callers branch on them with errors.Is.
var (
	// ErrClosed is returned by every method called after Close.
	ErrClosed = errors.New("wal: closed")

	// ErrCorrupt means a segment holds a bad record that a crash cannot
	// explain (see the package doc). Open refuses such a log; the message
	// names the file and the offset.
	ErrCorrupt = errors.New("wal: corrupt")

	// ErrFailed means a write or fsync failed and the log stopped: nothing
	// more is accepted. The error also wraps the original cause.
	ErrFailed = errors.New("wal: log failed")

	// ErrTooLarge is returned by Write for a payload above MaxRecordSize.
	ErrTooLarge = errors.New("wal: record too large")
)

// Options configure a Log. The zero value of every field but Dir is valid.
type Options struct {
	// Dir is the log's folder; it is created if missing. Each log needs a
	// folder of its own.
	Dir string

	// SegmentSize is the size at which the current segment file is closed
	// and later records go to a new one. 0 means DefaultSegmentSize.
	SegmentSize int64

	// Logger receives warnings such as a dropped torn tail. Nil discards.
	Logger *slog.Logger
}

// DefaultOptions returns Options for dir with every default filled in.
func DefaultOptions(dir string) Options {
	return Options{Dir: dir, SegmentSize: DefaultSegmentSize}
}

// Validate reports whether the options can be used to open a log.
func (o Options) Validate() error {
	if o.Dir == "" {
		return errors.New("validate wal options: dir is empty")
	}
	if o.SegmentSize < 0 {
		return fmt.Errorf("validate wal options: segment size %d is negative", o.SegmentSize)
	}
	return nil
}

// withDefaults returns o with zero fields replaced by their defaults.
func (o Options) withDefaults() Options {
	if o.SegmentSize == 0 {
		o.SegmentSize = DefaultSegmentSize
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
