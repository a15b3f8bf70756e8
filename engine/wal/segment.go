package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

const segmentExt = ".wal"

// segment is one live segment file. first is the seq of its first record
// and the number in its name; size is the number of bytes written to it.
type segment struct {
	first uint64
	size  int64
}

// segmentName returns the file name of the segment whose first seq is first.
func segmentName(first uint64) string {
	return fmt.Sprintf("%020d%s", first, segmentExt)
}

// parseSegmentName returns the first seq encoded in a segment file name.
func parseSegmentName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, segmentExt)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	first, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, false
	}
	return first, true
}

// listSegments returns the segments in dir, oldest first, with their sizes.
// Files not named like a segment are ignored.
func listSegments(dir string) ([]segment, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list segments: %w", err)
	}
	var segs []segment
	for _, e := range entries {
		first, ok := parseSegmentName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("list segments: %w", err)
		}
		segs = append(segs, segment{first: first, size: info.Size()})
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].first < segs[j].first })
	return segs, nil
}

// createSegment creates the empty segment file for first, opened for
// appending, and fsyncs the directory so the new name is durable.
func createSegment(dir string, first uint64) (*os.File, error) {
	path := filepath.Join(dir, segmentName(first))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create segment: %w", err)
	}
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, fmt.Errorf("create segment %s: %w", path, err)
	}
	return f, nil
}

// syncDir fsyncs a directory so that names created or removed in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	if err := d.Close(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}

// Rotate waits until the records queued so far are written, then fsyncs
// and closes the current segment, so that later records go to a new
// segment file. The new file is created right away, empty and named after
// the next seq. Rotate of an empty current segment does nothing. It returns
// ErrClosed after Close and an error wrapping ErrFailed once the log failed.
func (l *Log) Rotate() error {
	l.mu.Lock()
	if err := l.stateErrLocked(); err != nil {
		l.mu.Unlock()
		return fmt.Errorf("rotate wal: %w", err)
	}
	ch := make(chan error, 1)
	l.rotates = append(l.rotates, ch)
	l.mu.Unlock()
	l.wake()
	if err := <-ch; err != nil {
		return fmt.Errorf("rotate wal: %w", err)
	}
	return nil
}

// TruncateBefore deletes the segment files all of whose records have a seq
// at or below seq, oldest first, and fsyncs the directory. The current
// segment is never deleted, so call Rotate first to make all of it eligible.
// Deleted records are gone for Replay. It waits for a running Replay to end,
// so it must not be called from Replay's fn.
func (l *Log) TruncateBefore(seq uint64) error {
	if err := l.checkOpen(); err != nil {
		return fmt.Errorf("truncate wal: %w", err)
	}
	l.truncMu.Lock()
	defer l.truncMu.Unlock()

	// Segment i ends one seq before segment i+1 starts; the last one is
	// current and stays. Only this method removes segments, and only from
	// the front, so the prefix counted here stays put while files go.
	l.segMu.Lock()
	var doomed []segment
	for i := 0; i+1 < len(l.segs) && l.segs[i+1].first-1 <= seq; i++ {
		doomed = append(doomed, l.segs[i])
	}
	l.segMu.Unlock()
	if len(doomed) == 0 {
		return nil
	}

	// Delete oldest first: a crash part-way leaves a prefix deleted, which
	// Open accepts.
	removed := 0
	var err error
	for _, s := range doomed {
		path := filepath.Join(l.dir, segmentName(s.first))
		if err = os.Remove(path); err != nil && !os.IsNotExist(err) {
			break
		}
		err = nil
		removed++
	}
	l.segMu.Lock()
	l.segs = append(l.segs[:0], l.segs[removed:]...)
	next := l.segs[0].first
	l.segMu.Unlock()
	if err != nil {
		return fmt.Errorf("truncate wal: %w", err)
	}
	if err := syncDir(l.dir); err != nil {
		return fmt.Errorf("truncate wal: %w", err)
	}
	l.logger.Debug("wal segments deleted", "dir", l.dir, "segments", removed, "through_seq", next-1)
	return nil
}
