package wal

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// fileOps are the calls the committer makes on a segment file. Tests
// replace them to inject write and fsync errors.
type fileOps struct {
	write func(f *os.File, p []byte) (int, error)
	sync  func(f *os.File) error
}

var osFileOps = fileOps{
	write: (*os.File).Write,
	sync:  (*os.File).Sync,
}

// maxSpare is the largest group buffer kept for reuse.
const maxSpare = 4 << 20

// run is the committer: the one goroutine that writes segment files. Each
// turn it takes every queued record as one group, writes and fsyncs the
// group, wakes its waiters and then serves the Rotate calls that came in
// before the turn. It exits after the turn that sees Close.
func (l *Log) run() {
	defer close(l.done)
	for {
		<-l.kick
		l.mu.Lock()
		g := l.cur
		if len(g.ends) > 0 {
			l.cur = l.newGroupLocked()
			l.flight = g
		} else {
			g = nil
		}
		rotates := l.rotates
		l.rotates = nil
		closed := l.closed
		l.mu.Unlock()

		if g != nil {
			l.commit(g)
		}
		for _, ch := range rotates {
			ch <- l.rotate()
		}
		if closed {
			l.shutdown()
			return
		}
	}
}

// newGroupLocked returns an empty group, reusing spare buffers. l.mu must be held.
func (l *Log) newGroupLocked() *group {
	g := &group{buf: l.spare, ends: l.spareEnds, done: make(chan struct{})}
	l.spare, l.spareEnds = nil, nil
	return g
}

// commit writes and fsyncs g, then wakes its waiters with the outcome.
func (l *Log) commit(g *group) {
	err := l.failedErr()
	if err == nil {
		err = l.writeGroup(g)
		if err == nil {
			err = l.syncCurrent()
		}
		if err != nil {
			err = l.fail(err)
		}
	}
	if err == nil {
		last := g.first + uint64(len(g.ends)) - 1
		l.written = last
		l.segMu.Lock()
		l.durable = last
		l.segMu.Unlock()
		l.records.Add(uint64(len(g.ends)))
		l.bytes.Add(uint64(len(g.buf)))
		l.groups.Add(1)
	}
	g.err = err
	close(g.done)

	// Hand the buffers to the next group.
	l.mu.Lock()
	if cap(g.buf) <= maxSpare && l.spare == nil {
		l.spare, l.spareEnds = g.buf[:0], g.ends[:0]
	}
	g.buf, g.ends = nil, nil
	l.mu.Unlock()
}

// writeGroup appends the records of g to the current segment, moving to a
// new segment before any record that would start in a full one.
func (l *Log) writeGroup(g *group) error {
	start, seq := 0, g.first
	for i := 0; i < len(g.ends); {
		if l.curSize >= l.segSize {
			if err := l.switchSegment(seq); err != nil {
				return err
			}
		}
		// Take records up to and including the one that fills the segment.
		j := i + 1
		for j < len(g.ends) && l.curSize+int64(g.ends[j-1]-start) < l.segSize {
			j++
		}
		chunk := g.buf[start:g.ends[j-1]]
		n, err := l.ops.write(l.f, chunk)
		if n > 0 {
			l.grow(int64(n))
		}
		if err == nil && n < len(chunk) {
			err = io.ErrShortWrite
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", l.curPath(), err)
		}
		seq += uint64(j - i)
		start, i = g.ends[j-1], j
	}
	return nil
}

// grow accounts for n bytes appended to the current segment.
func (l *Log) grow(n int64) {
	l.curSize += n
	l.dirty = true
	l.segMu.Lock()
	l.segs[len(l.segs)-1].size = l.curSize
	l.segMu.Unlock()
}

// syncCurrent fsyncs the current segment if it has unsynced bytes.
func (l *Log) syncCurrent() error {
	if !l.dirty {
		return nil
	}
	if err := l.ops.sync(l.f); err != nil {
		return fmt.Errorf("sync %s: %w", l.curPath(), err)
	}
	l.syncs.Add(1)
	l.dirty = false
	return nil
}

// switchSegment fsyncs and closes the current segment and starts a new one
// whose first record will be first.
func (l *Log) switchSegment(first uint64) error {
	if err := l.syncCurrent(); err != nil {
		return err
	}
	old := l.curPath()
	err := l.f.Close()
	l.f = nil
	if err != nil {
		return fmt.Errorf("close %s: %w", old, err)
	}
	f, err := createSegment(l.dir, first)
	if err != nil {
		return err
	}
	l.f, l.curFirst, l.curSize = f, first, 0
	l.segMu.Lock()
	l.segs = append(l.segs, segment{first: first})
	l.segMu.Unlock()
	l.logger.Debug("wal segment started", "dir", l.dir, "first_seq", first)
	return nil
}

// rotate serves one Rotate call: it starts a new segment unless the
// current one is still empty.
func (l *Log) rotate() error {
	if err := l.failedErr(); err != nil {
		return err
	}
	if l.curSize == 0 {
		return nil
	}
	if err := l.switchSegment(l.written + 1); err != nil {
		return l.fail(err)
	}
	return nil
}

// shutdown closes the current segment when the committer stops. Every
// group is fsynced already, so this normally only closes the file.
func (l *Log) shutdown() {
	if l.f == nil {
		return
	}
	failed := l.failedErr() != nil
	var err error
	if !failed {
		err = l.syncCurrent()
	}
	if cerr := l.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close %s: %w", l.curPath(), cerr)
	}
	l.f = nil
	if err != nil && !failed {
		l.closeErr = fmt.Errorf("close wal: %w", err)
	}
}

// fail makes the log fail-stop and returns the error that everyone gets
// from now on: it wraps ErrFailed and the first cause.
func (l *Log) fail(cause error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed == nil {
		l.failed = fmt.Errorf("%w: %w", ErrFailed, cause)
		l.logger.Error("wal failed; it accepts no more records until reopened", "dir", l.dir, "err", cause)
	}
	return l.failed
}

// failedErr returns the failure, if any.
func (l *Log) failedErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed
}

// curPath returns the path of the current segment.
func (l *Log) curPath() string {
	return filepath.Join(l.dir, segmentName(l.curFirst))
}
