package api

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/amberdb/amber/engine"
	"github.com/amberdb/amber/node"
)

// Options configure the REST server.
type Options struct {
	// Node is the database node served. Required.
	Node *node.Node
	// APIKey, when set, is required on every route but /, /healthz, /livez
	// and /readyz, as header "api-key" or "Authorization: Bearer". It grants
	// everything.
	APIKey string
	// ReadOnlyAPIKey grants reads: GET routes, retrieve, count, scroll,
	// query and search, snapshot list and download.
	ReadOnlyAPIKey string
	// MaxBodyBytes bounds JSON request bodies (default 32 MiB). Snapshot
	// uploads are streamed and exempt.
	MaxBodyBytes int64
	// Registerer receives the request metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// Gatherer is served at /metrics; nil serves an empty registry.
	Gatherer prometheus.Gatherer
	// Logger receives one debug line per request, and warnings and errors;
	// nil discards.
	Logger *slog.Logger
	// Version is reported by GET / and /telemetry. Keep it 1.19.x: the
	// Qdrant JS client warns when the minor version differs by more than 1.
	Version string
}

// DefaultMaxBodyBytes is the default bound on JSON request bodies.
const DefaultMaxBodyBytes = 32 << 20

// DefaultVersion is the Qdrant version Amber reports being compatible with.
const DefaultVersion = "1.19.0"

type server struct {
	node    *node.Node
	db      *engine.DB
	opts    Options
	log     *slog.Logger
	keys    keyring
	metrics *httpMetrics
	mux     *http.ServeMux
}

// NewServer returns the REST API of opts.Node as an http.Handler.
func NewServer(opts Options) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Version == "" {
		opts.Version = DefaultVersion
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &server{
		node:    opts.Node,
		opts:    opts,
		log:     opts.Logger,
		keys:    newKeyring(opts.APIKey, opts.ReadOnlyAPIKey),
		metrics: newHTTPMetrics(opts.Registerer),
		mux:     http.NewServeMux(),
	}
	if opts.Node != nil {
		s.db = opts.Node.DB
	}
	s.routes()
	return s
}

// routes registers every endpoint with the access it needs.
func (s *server) routes() {
	s.handle("GET /{$}", accessOpen, s.handleRoot)
	s.handle("GET /healthz", accessOpen, textHandler("healthz check passed"))
	s.handle("GET /livez", accessOpen, textHandler("healthz check passed"))
	s.handle("GET /readyz", accessOpen, textHandler("all shards are ready"))
	s.handle("GET /metrics", accessRead, metricsHandler(s.opts.Gatherer).ServeHTTP)
	s.handle("GET /telemetry", accessRead, s.handleTelemetry)
	s.handle("GET /cluster", accessRead, s.handleCluster)

	s.handle("GET /collections", accessRead, s.handleListCollections)
	s.handle("GET /collections/{c}", accessRead, s.handleGetCollection)
	s.handle("PUT /collections/{c}", accessManage, s.handleCreateCollection)
	s.handle("PATCH /collections/{c}", accessManage, s.handleUpdateCollection)
	s.handle("DELETE /collections/{c}", accessManage, s.handleDeleteCollection)
	s.handle("GET /collections/{c}/exists", accessRead, s.handleCollectionExists)

	s.handle("POST /collections/aliases", accessManage, s.handleUpdateAliases)
	s.handle("GET /aliases", accessRead, s.handleListAliases)
	s.handle("GET /collections/{c}/aliases", accessRead, s.handleCollectionAliases)

	s.handle("PUT /collections/{c}/points", accessWrite, s.handleUpsert)
	s.handle("POST /collections/{c}/points/delete", accessWrite, s.handleDeletePoints)
	s.handle("POST /collections/{c}/points/payload", accessWrite, s.handleSetPayload)
	s.handle("PUT /collections/{c}/points/payload", accessWrite, s.handleOverwritePayload)
	s.handle("POST /collections/{c}/points/payload/delete", accessWrite, s.handleDeletePayload)
	s.handle("POST /collections/{c}/points/payload/clear", accessWrite, s.handleClearPayload)
	s.handle("PUT /collections/{c}/index", accessWrite, s.handleCreateIndex)
	s.handle("DELETE /collections/{c}/index/{field}", accessWrite, s.handleDeleteIndex)

	s.handle("POST /collections/{c}/points", accessRead, s.handleRetrieve)
	s.handle("GET /collections/{c}/points/{id}", accessRead, s.handleGetPoint)
	s.handle("POST /collections/{c}/points/count", accessRead, s.handleCount)
	s.handle("POST /collections/{c}/points/scroll", accessRead, s.handleScroll)
	s.handle("POST /collections/{c}/points/query", accessRead, searchOne(s, s.runQuery))
	s.handle("POST /collections/{c}/points/query/batch", accessRead, searchBatch(s, s.runQuery))
	s.handle("POST /collections/{c}/points/search", accessRead, searchOne(s, s.runSearch))
	s.handle("POST /collections/{c}/points/search/batch", accessRead, searchBatch(s, s.runSearch))

	s.handle("GET /collections/{c}/snapshots", accessRead, s.handleListSnapshots)
	s.handle("POST /collections/{c}/snapshots", accessManage, s.handleCreateSnapshot)
	s.handle("GET /collections/{c}/snapshots/{name}", accessRead, s.handleDownloadSnapshot)
	s.handle("DELETE /collections/{c}/snapshots/{name}", accessManage, s.handleDeleteSnapshot)
	s.handle("PUT /collections/{c}/snapshots/recover", accessManage, s.handleRecoverSnapshot)
	s.handle("POST /collections/{c}/snapshots/upload", accessManage, s.handleUploadSnapshot)
	s.handle("GET /snapshots", accessRead, s.handleListFullSnapshots)
	s.handle("POST /snapshots", accessManage, s.handleCreateFullSnapshot)
	s.handle("GET /snapshots/{name}", accessRead, s.handleDownloadFullSnapshot)
	s.handle("DELETE /snapshots/{name}", accessManage, s.handleDeleteFullSnapshot)
	s.handle("PUT /snapshots/recover", accessManage, s.handleRecoverFull)
}

// handle registers h under pattern behind the access check.
func (s *server) handle(pattern string, need access, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if s.authorize(w, r, need) {
			h(w, r)
		}
	})
}

// ServeHTTP trims a trailing slash as Qdrant does, routes the request, and
// records its metrics and log line.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := &requestState{start: time.Now()}
	r = r.WithContext(withState(r.Context(), st))
	if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		r.URL.Path = strings.TrimRight(p, "/")
		if r.URL.Path == "" {
			r.URL.Path = "/"
		}
		r.URL.RawPath = strings.TrimRight(r.URL.RawPath, "/")
	}
	rec := &statusRecorder{ResponseWriter: w}
	s.serveRecovering(rec, r)
	took := time.Since(st.start)
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	s.metrics.observe(r.Method, r.Pattern, status, took)
	s.logRequest(r, status, rec.bytes, took, st.err)
}

// serveRecovering turns a handler panic into a logged 500, so that one bad
// request never takes down the connection handling of the others.
func (s *server) serveRecovering(w *statusRecorder, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("handler panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			if w.status == 0 {
				fail(w, r, fmt.Errorf("panic: %v", v))
			}
		}
	}()
	s.mux.ServeHTTP(w, r)
}

func (s *server) logRequest(r *http.Request, status int, bytes int64, took time.Duration, err error) {
	level := slog.LevelDebug
	switch {
	case status >= 500:
		level = slog.LevelError
	case status >= 400:
		level = slog.LevelWarn
	}
	if !s.log.Enabled(r.Context(), level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("route", r.Pattern),
		slog.Int("status", status),
		slog.Int64("bytes", bytes),
		slog.Duration("took", took),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	s.log.LogAttrs(r.Context(), level, "http request", attrs...)
}

// statusRecorder remembers the status and size of a response. It keeps
// io.ReaderFrom so that snapshot downloads still use sendfile.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusRecorder) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err := rf.ReadFrom(src)
		w.bytes += n
		return n, err
	}
	n, err := io.Copy(struct{ io.Writer }{w.ResponseWriter}, src)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func textHandler(text string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeText(w, http.StatusOK, text) }
}

// handleRoot answers GET / with bare version info: the JS client reads
// "version" at the top level.
func (s *server) handleRoot(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{
		"title":   "amber - vector search engine (qdrant-compatible)",
		"version": s.opts.Version,
	})
}

// handleTelemetry answers a minimal TelemetryData. The id is derived from
// the node's persistent peer id, so it is stable across restarts.
func (s *server) handleTelemetry(w http.ResponseWriter, r *http.Request) {
	id := uuid.NewSHA1(uuid.NameSpaceOID, []byte("amber-node-"+strconv.FormatUint(s.db.NodeID(), 10)))
	reply(w, r, map[string]any{
		"id":          id.String(),
		"app":         map[string]string{"name": "amber", "version": s.opts.Version},
		"collections": map[string]int{"number_of_collections": len(s.db.Names())},
	})
}

// handleCluster reports a single node: distributed mode is off.
func (s *server) handleCluster(w http.ResponseWriter, r *http.Request) {
	reply(w, r, map[string]string{"status": "disabled"})
}
