// Package api is Amber's Qdrant-compatible REST server.
//
// NewServer returns an http.Handler that speaks the subset of Qdrant 1.19's
// REST API that Amber implements: collections, aliases, points (write, read,
// search), payload indexes, snapshots, and the service probes. Clients built
// for Qdrant, the official JS client first, work unchanged.
//
// Every JSON answer is wrapped in Qdrant's envelope:
//
//	200 {"result": <T>, "status": "ok", "time": <seconds>}
//	202 {"status": "accepted", "time": <seconds>}         (wait=false on snapshots)
//	4xx {"status": {"error": "<message>"}, "time": <seconds>}
//	5xx {"status": {"error": "Service internal error: internal error"}, "time": …}
//
// except GET / (bare version info), the text probes /healthz, /livez and
// /readyz, /metrics (Prometheus text), the 401 answers (plain text, as
// Qdrant), and snapshot downloads (application/octet-stream).
//
// Errors are amber.Error values whose messages already carry Qdrant's prefix
// ("Wrong input: ", "Not found: " …); envelope.go maps their codes to HTTP
// status in one table. Anything else is an internal error: it is logged in
// full and the client sees "internal error".
//
// Request bodies are decoded with json.Decoder.UseNumber, so payload integers
// and point ids above 2^53 keep their exact value, and are bounded by
// Options.MaxBodyBytes (413 beyond). Snapshot uploads are exempt: they are
// streamed part by part into the node, never buffered.
//
// Files by noun: server.go (routes, middleware, probes), envelope.go
// (replies, the error table, body decoding), auth.go, metrics.go,
// collections.go and info.go (collections and aliases), points.go (writes),
// query.go and search.go (reads), convert.go and projection.go (JSON <->
// amber types, with_payload / with_vector) and snapshots.go.
package api
