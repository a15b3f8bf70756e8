package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	readyTimeout = 10 * time.Minute // a 1M-point WAL replay is slow
	stopTimeout  = 10 * time.Minute // a graceful stop checkpoints
)

// server is one `amber serve` process on 127.0.0.1. Restarts keep the data
// folder and the port.
type server struct {
	bin  string
	dir  string // --data
	log  string // stdout and stderr of every run, appended
	port int
	url  string

	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// newServer picks a free port; call start to run the process.
func newServer(bin, dataDir, logPath string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("pick a port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, err
	}
	return &server{bin: bin, dir: dataDir, log: logPath, port: port, url: "http://127.0.0.1:" + strconv.Itoa(port)}, nil
}

// start runs the binary and returns how long it took until GET /readyz
// answered 200.
func (s *server) start(ctx context.Context) (time.Duration, error) {
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(s.bin, "serve", "--host", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--data", s.dir, "--log-level", "warn")
	cmd.Dir = s.dir // so no ./amber.yaml from the caller's folder is read
	// If the bench dies (a closed pipe, a kill), the server goes with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stdout, cmd.Stderr = logf, logf
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return 0, fmt.Errorf("start %s: %w", s.bin, err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(s.done) }()

	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for {
		select {
		case <-s.done:
			return 0, s.failure(errors.New("server exited before it was ready"))
		case <-ctx.Done():
			return 0, ctx.Err()
		default:
		}
		if resp, err := hc.Get(s.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(t0), nil
			}
		}
		if time.Now().After(deadline) {
			return 0, s.failure(fmt.Errorf("not ready after %s", readyTimeout))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop sends SIGTERM and returns how long the graceful stop took.
func (s *server) stop() (time.Duration, error) {
	if !s.running() {
		return 0, nil
	}
	t0 := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, err
	}
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		s.kill9()
		return 0, s.failure(fmt.Errorf("no exit %s after SIGTERM; killed", stopTimeout))
	}
	d := time.Since(t0)
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		return d, s.failure(fmt.Errorf("exit status %d after SIGTERM", code))
	}
	return d, nil
}

// kill9 sends SIGKILL and waits for the process to go.
func (s *server) kill9() {
	if !s.running() {
		return
	}
	s.cmd.Process.Kill()
	<-s.done
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

// failure adds the tail of the server log to err, and says whether the
// process is gone, so a server bug reads as one.
func (s *server) failure(err error) error {
	if s.done != nil {
		select { // an EOF often arrives just before the exit is seen
		case <-s.done:
		case <-time.After(2 * time.Second):
		}
	}
	state := "still running"
	if !s.running() && s.cmd != nil && s.cmd.ProcessState != nil {
		state = "exited: " + s.cmd.ProcessState.String()
	}
	return fmt.Errorf("%w (server %s; log %s)\n%s", err, state, s.log, excerpt(s.log, 15))
}

// excerpt returns, indented, the first lines of a Go panic or fatal error in
// the log if there is one, else its last n lines.
func excerpt(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
			lines = lines[i:min(i+2*n, len(lines))]
			return "    " + strings.Join(lines, "\n    ")
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "    " + strings.Join(lines, "\n    ")
}

// memory reads VmRSS and VmHWM (peak RSS) of the process from /proc.
func (s *server) memory() (rss, peak int64, err error) {
	if !s.running() {
		return 0, 0, errors.New("server not running")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		kib, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kib << 10
		case "VmHWM:":
			peak = kib << 10
		}
	}
	return rss, peak, nil
}

// dirSize is the total size of the regular files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// resolveBin finds the binary: flag, then $AMBER_BIN, then bin/amber under
// the module root, built there when missing.
func resolveBin(ctx context.Context, flagBin string) (string, error) {
	bin := flagBin
	if bin == "" {
		bin = os.Getenv("AMBER_BIN")
	}
	if bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(abs); err != nil {
			return "", fmt.Errorf("binary: %w", err)
		}
		return abs, nil
	}
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin = filepath.Join(root, "bin", "amber")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	fmt.Fprintf(os.Stderr, "bench: building %s\n", bin)
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/amber")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/amber: %w\n%s", err, out)
	}
	return bin, nil
}
