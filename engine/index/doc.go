// Package index finds the vectors nearest to a query for Amber's storage
// engine: Exact scans candidates one by one, HNSW walks a hierarchical
// navigable small world graph (Malkov & Yashunin, with hnswlib's neighbour
// selection heuristic and per-node locks).
//
// The engine stores vectors itself, in slots: dense uint32 numbers from 0,
// never reused while an index lives. The index refers to slots only and reads
// vectors through the Vectors interface. Cosine vectors must be stored
// normalised (Normalize); the index then scores them by dot product, as
// Qdrant does. Scores follow Qdrant: dot product for Cosine and Dot (higher is
// better), Euclidean and L1 distance for Euclid and Manhattan (lower is
// better).
//
// Deleting a point is the engine's business: it passes an accept function
// that rejects deleted slots, and the graph keeps them as waypoints.
//
// # Snapshot
//
// The engine calls HNSW.Freeze(limit) to fix which slots below limit the
// file holds (those whose insertion has finished), puts Frozen.Size in the
// tar header, then calls Frozen.WriteTo while inserts go on. ReadHNSW loads
// the file; slots it holds as absent must be inserted again.
//
// # File format
//
// All integers are little-endian. The size depends only on limit, M and the
// level of each frozen node, so it is known before the links are read:
//
//	size = 40 + 4 + 2*absent + sum over present nodes of (4 + 8M + level*(2 + 4M))
//
//	header, 40 bytes
//	+---------------+-----------+------+-------+-------+
//	| magic         | version   | dist | top   | zero  |
//	| "AMBHNSW1" 8  | u32 = 1   | u8   | u8    | 2     |
//	+---------------+-----------+------+-------+-------+
//	| dim u32 | M u32 | efConstruct u32 | limit u32 | entry u32 | crc u32 |
//	+---------+-------+-----------------+-----------+-----------+---------+
//	  dist:  amber.Distance (1 Cosine, 2 Dot, 3 Euclid, 4 Manhattan)
//	  top:   level of the entry point, 0 when empty
//	  entry: slot searches start from, 0xFFFFFFFF when no node is present
//	  crc:   CRC-32C (Castagnoli) of the 36 bytes before it
//
//	then one record for each slot 0 .. limit-1
//	absent:   | 0 u8 | 0 u8 |                                    2 bytes
//	present:  | 1 u8 | level u8 | links 0 | links 1 | ... | links level |
//	links 0:  | count u16 | 2M x slot u32 |                      2 + 8M bytes
//	links l:  | count u16 |  M x slot u32 |   (l >= 1)           2 + 4M bytes
//	  the first count slots are neighbours, the rest 0xFFFFFFFF
//
//	trailer, 4 bytes
//	| crc u32 |  CRC-32C of every byte before it, header included
//
// Every neighbour is a present slot below limit whose level is at least the
// level of the list it is in; the entry point is a present node on level
// top and no node is above it.
//
// # Memory
//
// Per node, besides the engine's vector: the node (about 100 bytes with its
// locks), 8 bytes in the slot directory, and one list per level holding the
// neighbours actually linked (up to 2M slots on level 0, M above) at 4 bytes
// a slot plus a 24-byte header. Measured: about 220 bytes per node at M=16,
// 260 at M=32. The file takes 4 + 8M + level*(2+4M) bytes per node, 136 at
// M=16. Each concurrent search borrows a visited array of 4 bytes per slot
// from a pool.
package index
