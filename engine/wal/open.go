package wal

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Open opens the log in opts.Dir, creating the folder and the first segment
// if needed. It reads and checks every record, truncates a torn tail of the
// last segment (see the package doc) and returns an error wrapping
// ErrCorrupt, naming the file and offset, for damage a crash cannot explain.
// The records it finds are durable: it fsyncs the last segment and the
// folder before it returns.
func Open(opts Options) (*Log, error) {
	return open(opts, osFileOps)
}

// open is Open with the file calls of the committer injected.
func open(opts Options, ops fileOps) (*Log, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("open wal: %w", err)
	}
	opts = opts.withDefaults()
	if err := makeDir(opts.Dir); err != nil {
		return nil, fmt.Errorf("open wal: %w", err)
	}
	l := &Log{
		dir:     opts.Dir,
		segSize: opts.SegmentSize,
		logger:  opts.Logger,
		ops:     ops,
		kick:    make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	if err := l.recover(); err != nil {
		return nil, fmt.Errorf("open wal: %w", err)
	}
	l.cur = l.newGroupLocked()
	go l.run()
	return l, nil
}

// makeDir creates dir if it is missing and makes its name durable.
func makeDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("make dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("make dir: %w", err)
	}
	return syncDir(filepath.Dir(filepath.Clean(dir)))
}

// recover checks the segments on disk and prepares the current one for
// appending. It sets every field the committer starts from.
func (l *Log) recover() error {
	segs, err := listSegments(l.dir)
	if err != nil {
		return err
	}
	if len(segs) == 0 {
		f, err := createSegment(l.dir, 1)
		if err != nil {
			return err
		}
		l.f, l.curFirst, l.segs = f, 1, []segment{{first: 1}}
		return nil
	}

	// Check the segments in order. Each one must start where the one
	// before it ended.
	next := segs[0].first
	if next == 0 {
		return fmt.Errorf("%w: %s: seqs start at 1", ErrCorrupt, l.path(0))
	}
	for i := range segs {
		s := &segs[i]
		if s.first != next {
			return fmt.Errorf("%w: %s starts at seq %d, but %s ends at seq %d",
				ErrCorrupt, l.path(s.first), s.first, l.path(segs[i-1].first), next-1)
		}
		last := i == len(segs)-1
		n, size, err := l.checkSegment(s.first, s.size, last)
		if err != nil {
			return err
		}
		next += n
		s.size = size
	}

	// Append to the last segment, and make what it holds durable.
	cur := segs[len(segs)-1]
	f, err := os.OpenFile(l.path(cur.first), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("open segment: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", l.path(cur.first), err)
	}
	if err := syncDir(l.dir); err != nil {
		f.Close()
		return err
	}
	l.f, l.curFirst, l.curSize = f, cur.first, cur.size
	l.segs = segs
	l.lastSeq, l.written, l.durable = next-1, next-1, next-1
	return nil
}

// checkSegment reads every record of the segment starting at seq first and
// returns how many good records it holds and the size they take. In the last
// segment it truncates a torn tail; anything else bad is ErrCorrupt.
func (l *Log) checkSegment(first uint64, size int64, last bool) (uint64, int64, error) {
	path := l.path(first)
	flag := os.O_RDONLY
	if last {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return 0, 0, fmt.Errorf("check segment: %w", err)
	}
	defer f.Close()

	sc := newScanner(f, size)
	seq := first
	for {
		at := sc.off
		got, _, bad, err := sc.next()
		if err == io.EOF {
			return seq - first, size, nil
		}
		if err != nil {
			return 0, 0, fmt.Errorf("check %s: %w", path, err)
		}
		if bad == "" && got != seq {
			return 0, 0, fmt.Errorf("%w: %s at offset %d: record has seq %d, want %d",
				ErrCorrupt, path, at, got, seq)
		}
		if bad == "" {
			seq++
			continue
		}
		if !last {
			return 0, 0, fmt.Errorf("%w: %s at offset %d (seq %d): %s", ErrCorrupt, path, sc.off, seq, bad)
		}
		if err := l.dropTornTail(f, path, sc.off, size, seq, bad); err != nil {
			return 0, 0, err
		}
		return seq - first, sc.off, nil
	}
}

// dropTornTail truncates the last segment at off, where a bad record with
// seq should start, unless a good record follows it: then the damage is
// not a torn write and it returns ErrCorrupt.
func (l *Log) dropTornTail(f *os.File, path string, off, size int64, seq uint64, bad string) error {
	// Records take at least headerSize bytes, which bounds the seqs that
	// can follow.
	hi := seq + uint64((size-off)/headerSize)
	at, found, err := findRecord(f, off+1, size, seq, hi)
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if found {
		return fmt.Errorf("%w: %s at offset %d (seq %d): %s, but a good record follows at offset %d",
			ErrCorrupt, path, off, seq, bad, at)
	}
	if err := f.Truncate(off); err != nil {
		return fmt.Errorf("drop torn tail: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("drop torn tail: sync %s: %w", path, err)
	}
	dropped := size - off
	l.tornTails++
	l.tornBytes += dropped
	l.logger.Warn("wal torn tail dropped", "file", path, "offset", off,
		"bytes_dropped", dropped, "seq", seq, "reason", bad)
	return nil
}

// path returns the path of the segment whose first seq is first.
func (l *Log) path(first uint64) string {
	return filepath.Join(l.dir, segmentName(first))
}
