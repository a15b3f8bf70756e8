package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	Suite   string        // server, snapshot or all
	Bin     string        // amber binary; "" means $AMBER_BIN or bin/amber
	Dir     string        // parent of the temporary data folders
	Keep    bool          // keep the data folders
	Seed    int64         // math/rand seed of the vectors
	Dim     int           // dimensions
	Clients int           // concurrent connections for ingest and queries
	Points  int           // server suite: collection size
	Queries int           // query vectors
	Ef      int           // hnsw_ef for HNSW queries; 0 is the server's default
	EfSweep []int         // server suite: more hnsw_ef values for the recall table
	Sizes   []int         // snapshot suite: collection sizes
	Phase   time.Duration // snapshot suite: length of each pause phase
	Writers int           // snapshot suite: writers in the pause experiment
	Readers int           // snapshot suite: readers in the pause experiment
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Suite, "suite", "all", "server, snapshot or all")
	fs.StringVar(&o.Bin, "bin", "", "amber binary (default $AMBER_BIN, else bin/amber, built if missing)")
	fs.StringVar(&o.Dir, "dir", os.TempDir(), "folder on the disk to measure; data folders are made inside it")
	fs.BoolVar(&o.Keep, "keep", false, "keep the data folders and server logs")
	fs.Int64Var(&o.Seed, "seed", 1, "math/rand seed of the vectors")
	fs.IntVar(&o.Dim, "dim", 384, "vector dimensions")
	fs.IntVar(&o.Clients, "clients", 2, "concurrent connections for ingest and the concurrent query runs")
	fs.IntVar(&o.Points, "points", 100000, "server suite: points in the collection")
	fs.IntVar(&o.Queries, "queries", 1000, "query vectors per run")
	fs.IntVar(&o.Ef, "ef", 0, "hnsw_ef of HNSW queries (0: the server's default)")
	sweep := fs.String("ef-sweep", "200,400,800", "server suite: further hnsw_ef values to measure recall at (\"\" for none)")
	sizes := fs.String("sizes", "1000,100000", "snapshot suite: collection sizes, comma-separated (1M: 1000,100000,1000000)")
	fs.DurationVar(&o.Phase, "phase", 20*time.Second, "snapshot suite: length of each phase of the pause experiment")
	fs.IntVar(&o.Writers, "writers", 1, "snapshot suite: writers (upserts of 16 points) in the pause experiment")
	fs.IntVar(&o.Readers, "readers", 1, "snapshot suite: readers (HNSW queries) in the pause experiment")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.Sizes, err = parseInts("-sizes", *sizes); err != nil {
		return o, err
	}
	if len(o.Sizes) == 0 {
		return o, errors.New("-sizes: give at least one size")
	}
	if o.EfSweep, err = parseInts("-ef-sweep", *sweep); err != nil {
		return o, err
	}
	switch {
	case o.Suite != "server" && o.Suite != "snapshot" && o.Suite != "all":
		return o, fmt.Errorf("-suite %q: want server, snapshot or all", o.Suite)
	case o.Dim <= 0 || o.Clients <= 0 || o.Points <= 0 || o.Queries <= 0 || o.Writers <= 0 || o.Readers <= 0:
		return o, errors.New("-dim, -clients, -points, -queries, -writers and -readers must be positive")
	case o.Ef < 0:
		return o, errors.New("-ef must not be negative")
	}
	return o, nil
}

// parseInts reads a comma-separated list of positive integers.
func parseInts(flagName, list string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%s: %q is not a positive integer", flagName, f)
		}
		out = append(out, n)
	}
	return out, nil
}

func main() {
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// env is what every suite gets: the binary, a scratch folder, the output.
type env struct {
	bin  string
	root string // temporary folder on the measured disk
	out  io.Writer
}

// progress reports on stderr; the tables on stdout stay clean.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context, o options, out io.Writer) (err error) {
	bin, err := resolveBin(ctx, o.Bin)
	if err != nil {
		return err
	}
	root, err := os.MkdirTemp(o.Dir, "amber-bench-")
	if err != nil {
		return err
	}
	defer func() {
		if o.Keep || err != nil {
			progress("data and server logs kept in %s", root)
			return
		}
		os.RemoveAll(root)
	}()
	e := &env{bin: bin, root: root, out: out}
	printMachine(ctx, e)
	if o.Suite == "server" || o.Suite == "all" {
		if err := runServerSuite(ctx, e, o); err != nil {
			return fmt.Errorf("server suite: %w", err)
		}
	}
	if o.Suite == "snapshot" || o.Suite == "all" {
		if err := runSnapshotSuite(ctx, e, o); err != nil {
			return fmt.Errorf("snapshot suite: %w", err)
		}
	}
	return nil
}

// printMachine prints what the figures were measured on.
func printMachine(ctx context.Context, e *env) {
	sh := func(name string, args ...string) string {
		b, err := exec.CommandContext(ctx, name, args...).Output()
		if err != nil {
			return "?"
		}
		return strings.TrimSpace(string(b))
	}
	model, mem := "?", "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			kib, _ := strconv.ParseInt(f[1], 10, 64)
			mem = fmtBytes(kib << 10)
		}
	}
	fsType := "?"
	if f := strings.Fields(sh("df", "--output=fstype,source", e.root)); len(f) >= 4 {
		fsType = f[2] + " on " + f[3]
	}
	commit := sh("git", "rev-parse", "--short", "HEAD")
	if sh("git", "status", "--porcelain", "--untracked-files=no") != "" {
		commit += " with uncommitted changes in the work tree"
	}
	binGo := sh("go", "version", e.bin)
	if _, v, ok := strings.Cut(binGo, ": "); ok {
		binGo = v
	}
	built := "?"
	if fi, err := os.Stat(e.bin); err == nil {
		built = fi.ModTime().UTC().Format("2006-01-02 15:04 UTC")
		// The binary carries no VCS stamp (GOFLAGS may hold -buildvcs=false),
		// so say when it cannot have been built from this commit.
		if ct, err := strconv.ParseInt(sh("git", "log", "-1", "--format=%ct"), 10, 64); err == nil && fi.ModTime().Unix() < ct {
			built += "; older than the commit below, so built from an earlier tree"
		}
	}
	t := table{Title: "Machine", Head: []string{"", ""}}
	t.add("CPU", fmt.Sprintf("%s × %s", sh("nproc"), model))
	t.add("Memory", mem)
	t.add("Data disk", fmt.Sprintf("%s (%s)", filepath.Dir(e.root), fsType))
	t.add("Go", fmt.Sprintf("bench %s, binary %s", runtime.Version(), binGo))
	t.add("Binary", fmt.Sprintf("%s (built %s)", e.bin, built))
	t.add("Work tree", commit)
	t.add("Run at", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	t.print(e.out)
}
