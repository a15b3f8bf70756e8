package node

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/amberdb/amber/engine"
	"github.com/amberdb/amber/snapshot"
)

// Options configure a Node.
type Options struct {
	Engine       engine.Options
	SnapshotsDir string // default <data>/snapshots
	// KeepLast, when positive, keeps only the newest KeepLast snapshots of
	// each collection (and of full snapshots) after each create.
	KeepLast int
	// AllowURLRecovery permits recovery from http(s) URLs.
	AllowURLRecovery bool
	// MaxDownloadBytes bounds a snapshot fetched from a URL; 0 means 1 TiB.
	MaxDownloadBytes int64
	// StallTimeout fails a download that receives nothing for this long;
	// 0 means 60 s (as Qdrant).
	StallTimeout time.Duration
	// HTTPClient fetches snapshots from URLs; nil means a client with
	// connect and header timeouts (the body itself may take long).
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
}

// Node is a running database node.
type Node struct {
	DB    *engine.DB
	Store *snapshot.Store
	opts  Options
	log   *slog.Logger

	recoverMu sync.Mutex // one recovery at a time
	jobs      sync.WaitGroup
	stats     counters
}

// Go runs f in the background (a wait=false request); Close waits for it.
func (n *Node) Go(f func()) { n.jobs.Go(f) }

// Priority says how a recovered snapshot meets an existing collection.
type Priority string

// The priorities of Qdrant's recover API.
const (
	PrioritySnapshot Priority = "snapshot" // replace wholesale (the default)
	PriorityReplica  Priority = "replica"  // keep current points, add the missing
	PriorityNoSync   Priority = "no_sync"  // as snapshot on one node
)

// RecoverRequest is the body of PUT /collections/{c}/snapshots/recover.
type RecoverRequest struct {
	Location string   `json:"location"`
	Priority Priority `json:"priority,omitempty"`
	Checksum string   `json:"checksum,omitempty"`
	APIKey   string   `json:"api_key,omitempty"`
}

// Open opens the engine and the snapshots folder.
func Open(ctx context.Context, opts Options) (*Node, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxDownloadBytes <= 0 {
		opts.MaxDownloadBytes = 1 << 40
	}
	if opts.StallTimeout <= 0 {
		opts.StallTimeout = time.Minute
	}
	if opts.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = time.Minute
		opts.HTTPClient = &http.Client{Transport: tr}
	}
	if opts.Engine.Logger == nil {
		opts.Engine.Logger = opts.Logger
	}
	if opts.SnapshotsDir == "" {
		opts.SnapshotsDir = opts.Engine.Dir + "/snapshots"
	}
	db, err := engine.Open(ctx, opts.Engine)
	if err != nil {
		return nil, err
	}
	store, err := snapshot.OpenStore(opts.SnapshotsDir, opts.Now, opts.Logger)
	if err != nil {
		db.Close(ctx)
		return nil, fmt.Errorf("open snapshots folder: %w", err)
	}
	return &Node{DB: db, Store: store, opts: opts, log: opts.Logger}, nil
}

// Close waits for background jobs, then checkpoints and closes the engine.
func (n *Node) Close(ctx context.Context) error {
	n.jobs.Wait()
	return n.DB.Close(ctx)
}

// counters feed Stats.
type counters struct {
	created, createFailures, createNanos, createBytes      atomic.Uint64
	recovered, recoverFailures, recoverNanos, recoverBytes atomic.Uint64
	creating, recovering                                   atomic.Int64
	retentionDeleted                                       atomic.Uint64
	longestPinNanos                                        atomic.Uint64
}

// Stats are the node's snapshot counters, for metrics.
type Stats struct {
	SnapshotsCreated       uint64
	SnapshotCreateFailures uint64
	SnapshotCreateSeconds  float64
	SnapshotBytes          uint64
	SnapshotsInProgress    int64
	LongestPinSeconds      float64
	Recoveries             uint64
	RecoverFailures        uint64
	RecoverSeconds         float64
	RecoverBytes           uint64
	RecoveriesInProgress   int64
	RetentionDeleted       uint64
	Collections            []engine.CollectionStats
}

// Stats returns the node's counters.
func (n *Node) Stats() Stats {
	s := &n.stats
	return Stats{
		SnapshotsCreated: s.created.Load(), SnapshotCreateFailures: s.createFailures.Load(),
		SnapshotCreateSeconds: float64(s.createNanos.Load()) / 1e9, SnapshotBytes: s.createBytes.Load(),
		SnapshotsInProgress: s.creating.Load(), LongestPinSeconds: float64(s.longestPinNanos.Load()) / 1e9,
		Recoveries: s.recovered.Load(), RecoverFailures: s.recoverFailures.Load(),
		RecoverSeconds: float64(s.recoverNanos.Load()) / 1e9, RecoverBytes: s.recoverBytes.Load(),
		RecoveriesInProgress: s.recovering.Load(), RetentionDeleted: s.retentionDeleted.Load(),
		Collections: n.DB.Stats(),
	}
}

func (c *counters) notePin(d time.Duration) {
	for {
		cur := c.longestPinNanos.Load()
		if uint64(d) <= cur || c.longestPinNanos.CompareAndSwap(cur, uint64(d)) {
			return
		}
	}
}
