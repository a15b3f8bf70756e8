// Command bench measures the real amber binary over HTTP and prints Markdown
// tables, so figures can be pasted into docs/benchmarks.md as they came out.
//
//	go run ./tests/bench                         # both suites, default sizes
//	go run ./tests/bench -suite server -points 100000 -clients 2
//	go run ./tests/bench -suite snapshot -sizes 1000,100000,1000000 -dir /mnt/disk
//
// The binary is -bin, else $AMBER_BIN, else bin/amber, which is built with
// `go build -o bin/amber ./cmd/amber` when it is missing. Each suite starts
// its own server on 127.0.0.1 with a data folder inside a temporary folder
// under -dir (default os.TempDir()), so -dir picks the disk measured. The
// folder is removed at the end unless -keep is given or the run failed; the
// server logs are in it. Progress goes to stderr, the tables to stdout.
//
// Suites:
//
//   - server: ingest points/s (batches of 256, wait=true, -clients at once);
//     query QPS, p50 and p99, exact and HNSW, sequential and with -clients
//     at once; recall@10 of HNSW against exact search over the same queries,
//     at the server's default hnsw_ef and at each of -ef-sweep; exact search
//     beside its floor, a plain dot-product scan of the same vectors in this
//     process; RSS after load; restart time after kill -9 (WAL replay) and
//     after SIGTERM (checkpointed).
//   - snapshot: for each of -sizes, create and recover time and size, beside
//     floors that push the same bytes through SHA-256 onto the same disk and
//     fsync them (with coreutils, and with Go's crypto/sha256 as the server
//     uses), and the ratios; then, at the largest size, write and read
//     latency for -phase without a snapshot and for -phase while snapshots
//     are taken back to back, and amber_snapshot_longest_pin_seconds.
//
// Vectors are uniform random in [-1, 1) from math/rand with -seed, so runs are
// repeatable; they are not a real embedding distribution. Uniform data in
// 384 dimensions is the hardest case for HNSW: expect low recall at the
// default hnsw_ef, from any HNSW.
//
// Timings are wall clock, client and server on the same CPUs; run twice and
// compare before trusting a difference under ~10%.
package main
