// Package engine stores collections of points and searches them.
//
// Each collection lives in its own folder:
//
//	<data>/collections/<name>/
//	  config.json          collection config (amber.CollectionConfig)
//	  payload_index.json   payload index definitions {"schema":{"field":"keyword"}}
//	  CURRENT              name of the live checkpoint folder, replaced atomically
//	  ckpt-<seq>/          the state up to WAL record <seq>
//	    points.bin         every slot below the checkpoint's limit (see below)
//	    vector-<i>.hnsw    the HNSW graph of the i-th vector name (engine/index)
//	  wal/                 records after the checkpoint (engine/wal)
//
// Points live in memory in slots: a slot is immutable once published except
// for its deletion sequence number. An upsert or payload change writes a new
// slot and marks the old one deleted at the operation's sequence number, so a
// reader pinned at sequence S sees exactly the slots below its limit that were
// not deleted at or before S. That is how a snapshot or checkpoint pins a
// consistent point in time in microseconds and then writes while writes go on.
//
// points.bin (all integers little-endian):
//
//	header  "AMBPTS01" | u32 vector names | per name: u16 len, name, u32 dim
//	        | u64 slots | u64 seq
//	slot    u8 flags (1 = alive) | u64 version | u8 id kind (0 int, 1 uuid)
//	        | 16 bytes id (u64 + 8 zero bytes, or the UUID)
//	        | per vector name: u8 present, dim × f32
//	        | u32 payload length | payload JSON (empty for dead slots)
//
// Dead slots keep their vectors because the HNSW graph walks through them.
//
// Writes are ordered by the collection's write lock: the record is queued in
// the WAL and applied to memory under the lock, and the caller is answered
// once the WAL has fsynced it (group commit) and its vectors are indexed.
package engine
