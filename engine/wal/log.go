package wal

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
)

// Log is the write-ahead log of one collection, kept in one directory. Open
// it with Open and Close it when done. All methods are safe for concurrent
// use; only one Log may have a directory open at a time.
type Log struct {
	dir     string
	segSize int64
	logger  *slog.Logger
	ops     fileOps

	kick chan struct{} // wakes the committer; capacity 1
	done chan struct{} // closed when the committer has exited

	mu        sync.Mutex // guards the fields down to spareEnds
	cur       *group     // records queued for the next commit; never nil
	flight    *group     // the group the committer took most recently
	lastSeq   uint64
	closed    bool
	failed    error // set once; wraps ErrFailed and the cause
	rotates   []chan error
	spare     []byte // buffers of a committed group, kept for the next one
	spareEnds []int

	segMu   sync.Mutex // guards segs and durable
	segs    []segment  // live segments, oldest first; the last is current
	durable uint64     // last seq written and fsynced

	truncMu sync.RWMutex // Replay holds it shared, TruncateBefore exclusive

	// Owned by the committer goroutine once Open has returned.
	f        *os.File // the current segment, opened for appending
	curFirst uint64   // first seq of the current segment
	curSize  int64    // bytes in the current segment
	written  uint64   // last seq written to a segment
	dirty    bool     // f has bytes that are not fsynced yet
	closeErr error    // from closing f; read by Close after done

	records, bytes, syncs, groups atomic.Uint64
	tornTails                     uint64 // set by Open only
	tornBytes                     int64
}

// group is the unit of group commit: the records queued between two turns
// of the committer, framed back to back in buf.
type group struct {
	buf   []byte
	ends  []int  // end offset in buf of each record
	first uint64 // seq of the first record
	done  chan struct{}
	err   error // set before done is closed
}

// Pending is a record that Write has queued. Wait tells when it is durable.
type Pending struct {
	seq uint64
	g   *group
}

// Seq returns the record's sequence number.
func (p *Pending) Seq() uint64 { return p.seq }

// Wait blocks until the record and every record before it are written and
// fsynced, and returns nil then. If that failed, it returns the error, which
// wraps ErrFailed and the cause; the records may or may not be on disk. If
// ctx ends first it returns ctx.Err(), and the record may still become
// durable later. Wait may be called any number of times, also after Close.
func (p *Pending) Wait(ctx context.Context) error {
	select {
	case <-p.g.done:
		return p.g.err
	default:
	}
	select {
	case <-p.g.done:
		return p.g.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Write queues data as the next record and returns at once; Wait on the
// result to know it is durable. It assigns the seq LastSeq()+1, starting at 1
// in a new log. The order of Write calls is the order of seqs and of records
// on disk; callers that need their own ordering hold their own lock around
// Write. Write copies data, so the caller may reuse it right away. It
// returns ErrTooLarge for a payload above MaxRecordSize, ErrClosed after
// Close and an error wrapping ErrFailed once the log has failed.
func (l *Log) Write(data []byte) (*Pending, error) {
	if len(data) > MaxRecordSize {
		return nil, fmt.Errorf("write wal record: %w: %d bytes, maximum %d", ErrTooLarge, len(data), MaxRecordSize)
	}
	l.mu.Lock()
	if err := l.stateErrLocked(); err != nil {
		l.mu.Unlock()
		return nil, fmt.Errorf("write wal record: %w", err)
	}
	l.lastSeq++
	seq := l.lastSeq
	g := l.cur
	if len(g.ends) == 0 {
		g.first = seq
	}
	g.buf = appendRecord(g.buf, seq, data)
	g.ends = append(g.ends, len(g.buf))
	l.mu.Unlock()
	l.wake()
	return &Pending{seq: seq, g: g}, nil
}

// Sync waits until every record written so far is durable. It returns what
// Wait would return for the last of them.
func (l *Log) Sync(ctx context.Context) error {
	l.mu.Lock()
	if err := l.stateErrLocked(); err != nil {
		l.mu.Unlock()
		return fmt.Errorf("sync wal: %w", err)
	}
	g := l.cur
	if len(g.ends) == 0 {
		g = l.flight
	}
	l.mu.Unlock()
	if g == nil {
		return nil
	}
	return (&Pending{g: g}).Wait(ctx)
}

// LastSeq returns the seq of the last record written, or of the last
// record found on disk by Open if none was written since; 0 for a new log.
func (l *Log) LastSeq() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastSeq
}

// Size returns the bytes on disk over all live segment files. Bytes of
// queued records count once they are written.
func (l *Log) Size() int64 {
	l.segMu.Lock()
	defer l.segMu.Unlock()
	var n int64
	for _, s := range l.segs {
		n += s.size
	}
	return n
}

// Stats are counters of a Log since Open.
type Stats struct {
	Records          uint64 // records written and fsynced
	Bytes            uint64 // bytes of those records, headers included
	Syncs            uint64 // fsyncs of segment files
	Groups           uint64 // commit groups, each one write and one fsync
	Segments         int    // live segment files
	TornTailsDropped uint64 // torn tails that Open truncated (0 or 1)
	TornBytesDropped int64  // bytes that truncation dropped
}

// Stats returns the log's counters.
func (l *Log) Stats() Stats {
	l.segMu.Lock()
	segs := len(l.segs)
	l.segMu.Unlock()
	return Stats{
		Records:          l.records.Load(),
		Bytes:            l.bytes.Load(),
		Syncs:            l.syncs.Load(),
		Groups:           l.groups.Load(),
		Segments:         segs,
		TornTailsDropped: l.tornTails,
		TornBytesDropped: l.tornBytes,
	}
}

// Close writes and fsyncs every queued record, stops the committer and
// closes the segment file. Pending records stay waitable. Later calls of
// other methods return ErrClosed; a second Close returns nil. If the log had
// failed, Close returns that error.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	l.wake()
	<-l.done

	l.mu.Lock()
	err := l.failed
	l.mu.Unlock()
	if err != nil {
		return fmt.Errorf("close wal: %w", err)
	}
	return l.closeErr
}

// stateErrLocked returns ErrClosed or the failure, if any. l.mu must be held.
func (l *Log) stateErrLocked() error {
	if l.closed {
		return ErrClosed
	}
	return l.failed
}

// checkOpen returns ErrClosed after Close.
func (l *Log) checkOpen() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	return nil
}

// wake tells the committer there is work, without blocking.
func (l *Log) wake() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}
