// Package e2e runs the real amber binary and talks to it over HTTP, the way
// users and Qdrant clients do.
//
// The binary is $AMBER_BIN when set (scripts/test.sh builds bin/amber and sets
// it); otherwise TestMain builds ./cmd/amber once into a temporary folder.
// While cmd/amber has no Go files yet, every test is skipped with a message
// saying so; any other build failure fails the run.
//
// Each test starts its own server on a free port with its own data folder:
//
//	s := startServer(t)                                   // temp data dir
//	s := startServer(t, withDir(dir), withFlags("--api-key", "k"))
//	s.Kill9()                                             // SIGKILL, wait
//	s.Restart(t)                                          // same dir, same port
//
// The server's stderr (JSON logs) is kept in memory and printed when the test
// fails. Cleanup sends SIGTERM, waits up to 10 s, then SIGKILLs; a server that
// does not exit cleanly on SIGTERM fails the test.
package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	readyTimeout = 15 * time.Second
	stopTimeout  = 10 * time.Second
)

var (
	// amberBin is the binary under test, set by TestMain.
	amberBin string
	// skipReason, when set, makes every startServer call skip its test.
	skipReason string
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if bin := os.Getenv("AMBER_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err == nil {
			_, err = os.Stat(abs)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e: AMBER_BIN=%s: %v\n", bin, err)
			return 1
		}
		amberBin = abs
		return m.Run()
	}

	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	if !hasGoFiles(filepath.Join(root, "cmd", "amber")) {
		skipReason = "cmd/amber has no Go files yet: nothing to build, skipping the end-to-end tests"
		fmt.Fprintln(os.Stderr, "e2e: "+skipReason)
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "amber-e2e-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	amberBin = filepath.Join(dir, "amber")
	build := exec.Command("go", "build", "-o", amberBin, "./cmd/amber")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/amber: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// moduleRoot is the folder holding go.mod, found with `go env GOMOD`.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module")
	}
	return filepath.Dir(gomod), nil
}

// hasGoFiles reports whether dir holds a non-test .go file.
func hasGoFiles(dir string) bool {
	matches, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, m := range matches {
		if !strings.HasSuffix(m, "_test.go") {
			return true
		}
	}
	return false
}

// server is one running `amber serve` process.
type server struct {
	URL  string // http://127.0.0.1:PORT
	Dir  string // --data folder
	Port int

	args   []string // everything after the binary name
	cmd    *exec.Cmd
	done   chan struct{} // closed when cmd has exited
	err    error         // cmd.Wait's result, valid after done
	ended  bool          // we stopped or killed it: its exit is expected
	logs   *lockedBuffer // stdout and stderr of every run, restarts included
	client *http.Client
}

type serverConfig struct {
	dir      string
	flags    []string
	logLevel string
}

type serverOption func(*serverConfig)

// withDir uses dir as the data folder instead of a fresh t.TempDir().
func withDir(dir string) serverOption { return func(c *serverConfig) { c.dir = dir } }

// withFlags appends flags to `amber serve`, e.g. withFlags("--api-key", "k").
func withFlags(flags ...string) serverOption {
	return func(c *serverConfig) { c.flags = append(c.flags, flags...) }
}

// withLogLevel sets --log-level (default debug, so failures come with detail).
func withLogLevel(level string) serverOption { return func(c *serverConfig) { c.logLevel = level } }

// startServer starts amber on a free port and waits for GET /readyz to answer
// 200. The server is stopped when the test ends.
func startServer(t *testing.T, opts ...serverOption) *server {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	cfg := serverConfig{logLevel: "debug"}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.dir == "" {
		cfg.dir = t.TempDir()
	}
	port := freePort(t)
	s := &server{
		URL:  "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Dir:  cfg.dir,
		Port: port,
		args: append([]string{"serve",
			"--host", "127.0.0.1",
			"--port", strconv.Itoa(port),
			"--data", cfg.dir,
			"--log-level", cfg.logLevel,
		}, cfg.flags...),
		logs:   &lockedBuffer{},
		client: &http.Client{Timeout: 30 * time.Second},
	}
	t.Cleanup(func() {
		s.stop(t)
		if t.Failed() {
			t.Logf("amber %s log:\n%s", s.URL, s.logs.String())
		}
	})
	s.start(t)
	return s
}

// freePort asks the kernel for a free port on 127.0.0.1 and releases it.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (s *server) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(amberBin, s.args...)
	cmd.Stdout = s.logs
	cmd.Stderr = s.logs
	fmt.Fprintf(s.logs, "### %s %s\n", amberBin, strings.Join(s.args, " "))
	if err := cmd.Start(); err != nil {
		t.Fatalf("start amber: %v", err)
	}
	done := make(chan struct{})
	s.cmd, s.done, s.ended = cmd, done, false
	go func() {
		s.err = cmd.Wait()
		close(done)
	}()
	s.waitReady(t)
}

func (s *server) waitReady(t *testing.T) {
	t.Helper()
	probe := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	last := "no answer yet"
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			s.ended = true // reported here, not again at cleanup
			t.Fatalf("amber exited before it was ready: %v (log follows)", s.err)
		default:
		}
		resp, err := probe.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = "GET /readyz answered " + resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("amber not ready after %s (%s; log follows)", readyTimeout, last)
}

func (s *server) running() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and waits; after stopTimeout it sends SIGKILL. A server
// that needs the SIGKILL, exits with an error, or had already exited without
// being told to, fails the test.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if !s.running() {
		if s.cmd != nil && !s.ended {
			s.ended = true
			t.Errorf("amber exited on its own: %v", s.err)
		}
		return
	}
	s.ended = true
	s.client.CloseIdleConnections()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("send SIGTERM to amber: %v", err)
	}
	select {
	case <-s.done:
		if s.err != nil {
			t.Errorf("amber did not exit cleanly on SIGTERM: %v", s.err)
		}
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.done
		t.Errorf("amber still running %s after SIGTERM; killed it", stopTimeout)
	}
}

// Kill9 kills the server with SIGKILL, as a crash would, and waits for it.
func (s *server) Kill9() {
	if !s.running() {
		return
	}
	s.ended = true
	s.client.CloseIdleConnections()
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// Restart stops the server if it still runs (SIGTERM, checked like at
// cleanup), then starts it again on the same port with the same data folder
// and flags, and waits until it is ready.
func (s *server) Restart(t *testing.T) {
	t.Helper()
	s.stop(t)
	s.client.CloseIdleConnections()
	s.start(t)
}

// lockedBuffer is a bytes.Buffer safe for the process's writers and the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The smoke tests below check the harness against the real API: they need
// nothing from the server beyond what Qdrant's REST API documents.

func TestServer_Root(t *testing.T) {
	s := startServer(t)
	var info struct {
		Title   string `json:"title"`
		Version string `json:"version"`
	}
	status := s.getJSON(t, "/", &info)
	if status != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", status)
	}
	// Qdrant clients read a top-level version (not inside "result") and
	// warn unless it is within one minor of theirs.
	if !strings.HasPrefix(info.Version, "1.19") {
		t.Errorf("GET / version = %q, want 1.19.x", info.Version)
	}
	if info.Title == "" {
		t.Error("GET / has no title")
	}
}

func TestServer_Health(t *testing.T) {
	s := startServer(t)
	for _, tc := range []struct{ path, want string }{
		{"/healthz", "healthz check passed"},
		{"/livez", "healthz check passed"},
		{"/readyz", "all shards are ready"},
	} {
		path, want := tc.path, tc.want
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			status, ctype, body := s.getText(t, path)
			if status != http.StatusOK {
				t.Fatalf("GET %s = %d, want 200", path, status)
			}
			if !strings.HasPrefix(ctype, "text/plain") {
				t.Errorf("GET %s Content-Type = %q, want text/plain", path, ctype)
			}
			if body != want {
				t.Errorf("GET %s body = %q, want %q", path, body, want)
			}
		})
	}
}

func TestServer_Restart(t *testing.T) {
	s := startServer(t)
	createCollection(t, s, "smoke", 4, "Cosine")
	upsertPoints(t, s, "smoke", []point{
		{ID: 1, Vector: []float32{1, 0, 0, 0}, Payload: map[string]any{"city": "Berlin"}},
		{ID: 2, Vector: []float32{0, 1, 0, 0}, Payload: map[string]any{"city": "London"}},
		{ID: 3, Vector: []float32{0, 0, 1, 0}},
	})
	if n := count(t, s, "smoke", nil); n != 3 {
		t.Fatalf("count = %d, want 3", n)
	}

	t.Run("Graceful", func(t *testing.T) {
		s.Restart(t)
		if n := count(t, s, "smoke", nil); n != 3 {
			t.Errorf("count after restart = %d, want 3", n)
		}
	})

	t.Run("Kill9", func(t *testing.T) {
		// A write acknowledged with wait=true must survive a crash.
		upsertPoints(t, s, "smoke", []point{{ID: 4, Vector: []float32{0, 0, 0, 1}}})
		s.Kill9()
		s.Restart(t)
		if n := count(t, s, "smoke", nil); n != 4 {
			t.Errorf("count after kill -9 = %d, want 4", n)
		}
		filter := map[string]any{"must": []any{map[string]any{"key": "city", "match": map[string]any{"value": "London"}}}}
		if n := count(t, s, "smoke", filter); n != 1 {
			t.Errorf("count city=London after kill -9 = %d, want 1", n)
		}
	})
}
