// Package snapshot is Amber's snapshot archive format and the snapshots
// folder. It knows nothing about the storage engine: the engine hands a
// Writer named files of known size, each with a function that writes its
// bytes, and reads them back with a Reader, Verify or Extract.
//
// A Reader streams bodies before it can check them: the manifest comes last.
// Trust nothing read until Next has returned io.EOF; Extract removes all it
// wrote if the final check fails, so restore from an extracted directory.
//
// # Archive
//
// An archive is a POSIX tar (USTAR, or PAX for long names, as archive/tar
// chooses), uncompressed, written and read as a stream. It holds only
// regular files; directories are implied by the slash paths. The first entry
// names the format, the last one lists every other entry with its size and
// SHA-256:
//
//	collection archive (kind "collection"):
//	  amber-snapshot.json   {"format":"amber-snapshot","version":1,"kind":"collection"}   FIRST
//	  config.json           collection config                 \
//	  payload_index.json    payload index definitions          | written by the engine;
//	  data/...              points, vectors, payloads          | names and contents are
//	  index/...             the vector index                   / the engine's business
//	  manifest.json         {"format","version","kind","created","collection",
//	                         "point_count","extra",
//	                         "files":[{"name","size","sha256"},...]}                      LAST
//
//	full archive (kind "full"):
//	  amber-snapshot.json   {"format":"amber-snapshot","version":1,"kind":"full"}
//	  collections/<name>.snapshot   one nested collection archive each   \  the engine's
//	  aliases.json, node.json       node-wide state                       /  (illustrative)
//	  manifest.json
//
// Entry headers carry mode 0644, uid/gid 0 and mtime 0 (the Unix epoch), so
// equal content gives byte-identical archives. The Reader refuses absolute
// paths, "." and ".." elements, empty elements, backslashes, control
// characters, invalid UTF-8, links, devices, fifos, directories, sparse
// files, duplicates and file/directory conflicts (ErrUnsafeEntry); a first
// entry other than amber-snapshot.json version 1 (ErrFormat); an archive
// that ends before manifest.json (ErrTruncated); and any file whose size or
// SHA-256 disagrees with the manifest (ErrManifest). A reader of version 1
// ignores unknown JSON fields, so fields may be added without a new version.
//
// # Snapshots folder
//
//	<dir>/
//	  full-snapshot-2026-05-26-15-53-13.snapshot
//	  full-snapshot-2026-05-26-15-53-13.snapshot.checksum
//	  <collection>/
//	    <collection>-<peer id>-2026-05-26-15-54-12.snapshot
//	    <collection>-<peer id>-2026-05-26-15-54-12.snapshot.checksum
//	    <collection>-<peer id>-2026-05-26-15-54-12-2.snapshot     same second, kept
//	    <collection>-<peer id>-2026-05-26-15-54-12-2.snapshot.checksum
//	  tmp/                  files being written; wiped by OpenStore; never listed
//
//	<name>.snapshot.checksum: 64 lowercase hex chars, the SHA-256 of the whole
//	.snapshot file, no newline, no file name (as Qdrant writes it).
//
// Names and the sidecar follow Qdrant (UTC timestamps, second resolution),
// except that two snapshots created in the same second both survive: the
// second gets "-2" before ".snapshot" (Qdrant overwrites, issue 10554).
//
// Create follows hashicorp/raft's file snapshot store: spool to tmp/ while
// hashing, fsync, set mtime to the creation time, hard-link into the folder
// (os.Link never replaces a name), fsync the folder, and write the sidecar
// last (temp, fsync, rename, fsync folder). A crash leaves either nothing,
// or a complete snapshot without a sidecar, plus leftovers in tmp/;
// OpenStore wipes tmp/ and re-hashes such a snapshot to write its sidecar,
// so every listed snapshot has its checksum. The
// creation_time reported is the file's mtime (Qdrant uses the birth time,
// which some filesystems lack).
package snapshot
