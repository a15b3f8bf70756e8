// Package wal is the write-ahead log of Amber's storage engine: one log per
// collection, in a directory of its own, holding framed and checksummed
// records numbered by a contiguous sequence number (seq).
//
// # Use
//
//	l, err := wal.Open(wal.Options{Dir: dir})
//	err = l.Replay(checkpoint, apply)   // before the first Write
//	p, err := l.Write(record)           // queued, returns at once
//	err = p.Wait(ctx)                   // durable: written and fsynced
//	err = l.Rotate()                    // after a flush of the engine...
//	err = l.TruncateBefore(flushedSeq)  // ...drop segments it no longer needs
//	err = l.Close()
//
// # Group commit
//
// Write assigns the next seq and appends the framed record to an in-memory
// group; it never touches the disk. One background goroutine takes the whole
// group, writes it with one write call (two if it crosses a segment
// boundary), fsyncs once and then wakes every waiter of the group. While it
// fsyncs, new records gather in the next group, so concurrent writers share
// fsyncs. Wait returning nil means the record and every record before it is
// durable. A write or fsync error makes the log fail-stop: the waiters of
// that group and of every group queued behind it, and every later Write,
// Sync and Rotate, get an error wrapping ErrFailed and the cause; the log
// must be closed and reopened, which recovers whatever reached the disk.
// Records are queued in memory without bound; writers that Wait keep the
// queue to about one record each.
//
// # Directory layout
//
//	<Dir>/
//	  00000000000000000001.wal   seqs 1 .. 4711        (closed, fsynced)
//	  00000000000000004712.wal   seqs 4712 .. 9000     (closed, fsynced)
//	  00000000000000009001.wal   seqs 9001 .. LastSeq  (current, appended to)
//
// A segment file is named %020d.wal after the seq of its first record. Seqs
// are contiguous within and across segments, so the name of the next segment
// is one past the last seq of the previous one. The current segment always
// exists; when it is empty (a new log, or right after Rotate) its name alone
// says where the log continues, so seqs never restart even if TruncateBefore
// removed every older segment. A segment is closed once its size reaches
// Options.SegmentSize (it may overshoot by at most one record) or on Rotate.
// Files are appended to, never pre-allocated or padded. The directory is
// fsynced after every creation and deletion of a segment. Files not named
// like a segment are ignored.
//
// # Record format
//
// A segment is a plain concatenation of records, all integers little-endian:
//
//	 0       4       8                16              16+length
//	+-------+-------+----------------+----------------+
//	|length |  crc  |      seq       |    payload     |
//	|  u32  |  u32  |      u64       | length bytes   |
//	+-------+-------+----------------+----------------+
//
//	length  payload length in bytes, at most MaxRecordSize (256 MiB)
//	crc     CRC-32C (Castagnoli) over the 8 seq bytes followed by the payload
//	seq     the record's sequence number; the first record of a log is 1
//
// # Recovery on Open
//
// Open reads and checks every record of every segment and fsyncs the last one.
// In the last segment, a bad final record (a short header, a short payload, a
// length above the maximum or a checksum mismatch) is a torn tail: the process
// died while writing. The file is truncated at the end of the last good
// record and fsynced, a warning gives the bytes dropped, and
// Stats.TornTailsDropped counts it. Such records were never acknowledged,
// because Wait returns only after the fsync that covers them.
//
// A bad record is corruption, reported as ErrCorrupt with the file and
// offset, and Open refuses the log, when it is in any segment but the last,
// when a record carries the wrong seq (a gap or a repeat), or when it is in the
// last segment but a well-formed record (correct checksum, a seq at or after
// the bad record's) appears anywhere after it: a torn write can only lose the
// tail, so later good data means the damage is not from a crash. The check
// scans the dropped bytes once, testing only offsets whose seq field is in
// range, so it costs little. Its limits: a file system that persists the
// pages of one unsynced write out of order could in principle leave such a
// record behind after a crash (Open then refuses rather than guess), and a
// payload that embeds a valid record of this very log with a plausible seq
// would look like one.
//
// Replay rechecks every checksum and never hands out the data of a torn or
// corrupt record.
package wal
