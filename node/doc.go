// Package node wires one Amber node together: the storage engine and the
// snapshots folder. It creates collection and full snapshots from pinned
// engine views and recovers collections from archives found on disk, at a
// URL or in an upload, swapping them in atomically.
package node
