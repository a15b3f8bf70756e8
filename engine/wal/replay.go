package wal

import (
	"fmt"
	"io"
	"os"
	"slices"
)

// Replay calls fn, in seq order, for every durable record whose seq is
// above after; data is valid only during the call. It checks every record
// again and returns ErrCorrupt, naming file and offset, instead of handing
// out a bad one. It stops at the first error of fn and returns it wrapped.
//
// Replay sees the records that were durable when it started: those Open
// found and those whose group was fsynced since. It is meant for the start
// of a collection, before the first Write, but it is safe alongside Write,
// Rotate and Sync. It holds off TruncateBefore until it returns, so fn must
// not call TruncateBefore.
func (l *Log) Replay(after uint64, fn func(seq uint64, data []byte) error) error {
	if err := l.checkOpen(); err != nil {
		return fmt.Errorf("replay wal: %w", err)
	}
	l.truncMu.RLock()
	defer l.truncMu.RUnlock()

	// Sizes are updated before durable moves, so the sizes taken here hold
	// every record up to durable.
	l.segMu.Lock()
	segs := slices.Clone(l.segs)
	durable := l.durable
	l.segMu.Unlock()

	for i, s := range segs {
		if s.first > durable {
			break
		}
		// Skip segments that end at or before after.
		if i+1 < len(segs) && segs[i+1].first-1 <= after {
			continue
		}
		if err := l.replaySegment(s, after, durable, fn); err != nil {
			return err
		}
	}
	return nil
}

// replaySegment replays the records of s with seqs in (after, durable].
func (l *Log) replaySegment(s segment, after, durable uint64, fn func(uint64, []byte) error) error {
	path := l.path(s.first)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("replay wal: %w", err)
	}
	defer f.Close()

	sc := newScanner(f, s.size)
	for want := s.first; want <= durable; want++ {
		at := sc.off
		seq, data, bad, err := sc.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("replay wal %s: %w", path, err)
		}
		if bad == "" && seq != want {
			bad = fmt.Sprintf("record has seq %d, want %d", seq, want)
		}
		if bad != "" {
			return fmt.Errorf("replay wal: %w: %s at offset %d (seq %d): %s", ErrCorrupt, path, at, want, bad)
		}
		if seq <= after {
			continue
		}
		if err := fn(seq, data); err != nil {
			return fmt.Errorf("replay wal record %d: %w", seq, err)
		}
	}
	return nil
}
