package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/amberdb/amber/api"
	"github.com/amberdb/amber/engine"
	"github.com/amberdb/amber/metrics"
	"github.com/amberdb/amber/node"
)

func runServeCommand(ctx context.Context, args []string, stderr io.Writer) error {
	sf := newServeFlags()
	sf.fs.SetOutput(stderr)
	if err := sf.fs.Parse(args); err != nil {
		return err
	}
	if sf.fs.NArg() > 0 {
		return usageError{fmt.Sprintf("serve takes no arguments, got %q", sf.fs.Args())}
	}
	cfg, err := sf.resolve(os.Getenv)
	if err != nil {
		return usageError{err.Error()}
	}
	return runServe(ctx, cfg, serveOptions{RestoreSnapshot: sf.restoreSnapshot, ForceSnapshot: sf.forceSnapshot}, stderr)
}

type serveOptions struct {
	RestoreSnapshot string
	ForceSnapshot   bool
	// Ready, if set, receives the listening address once the server accepts.
	Ready func(addr string)
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	level, _ := parseLevel(cfg.LogLevel)
	ho := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, ho))
	}
	return slog.New(slog.NewJSONHandler(w, ho))
}

// runServe runs the database until ctx ends, then shuts down gracefully:
// stop accepting, finish requests, checkpoint and close every collection.
func runServe(ctx context.Context, cfg Config, so serveOptions, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	allowURL := cfg.Snapshots.AllowURLRecovery == nil || *cfg.Snapshots.AllowURLRecovery
	eo := engine.DefaultOptions(cfg.Data)
	eo.Logger = log
	start := time.Now()
	n, err := node.Open(ctx, node.Options{
		Engine: eo, SnapshotsDir: cfg.SnapshotsDir(), KeepLast: cfg.Snapshots.KeepLast,
		AllowURLRecovery: allowURL, MaxDownloadBytes: cfg.Snapshots.MaxDownloadBytes, Logger: log,
	})
	if err != nil {
		return fmt.Errorf("open node: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := n.Close(closeCtx); err != nil {
			log.Error("close", "err", err)
		}
		log.Info("stopped")
	}()
	if so.RestoreSnapshot != "" {
		if err := n.RecoverFullFile(ctx, so.RestoreSnapshot, so.ForceSnapshot); err != nil {
			return fmt.Errorf("restore %s: %w", so.RestoreSnapshot, err)
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics.RegisterNode(reg, n)
	handler := api.NewServer(api.Options{
		Node: n, APIKey: cfg.APIKey, ReadOnlyAPIKey: cfg.ReadOnlyAPIKey, MaxBodyBytes: cfg.MaxBodyBytes,
		Registerer: reg, Gatherer: reg, Logger: log,
	})
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("amber serving", "addr", ln.Addr().String(), "data", cfg.Data, "snapshots", cfg.SnapshotsDir(),
		"collections", len(n.DB.Names()), "auth", cfg.APIKey != "", "startup", time.Since(start).String(), "version", Version)
	if so.Ready != nil {
		so.Ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("shutdown", "err", err)
	}
	return nil
}
