package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/amberdb/amber/engine/index"
)

// The floors: the least work a figure could cost, measured in the same run
// on the same machine and disk, so a figure is read as a ratio to its floor.

// shellFloor runs `src | tee out | sha256sum > out.sha256 && sync out`,
// removes the files and returns the wall time and the bytes written.
func shellFloor(ctx context.Context, src, out string) (time.Duration, int64, error) {
	script := fmt.Sprintf("set -o pipefail; %s | tee %q | sha256sum > %q && sync %q", src, out, out+".sha256", out)
	t0 := time.Now()
	b, err := exec.CommandContext(ctx, "bash", "-c", script).CombinedOutput()
	d := time.Since(t0)
	defer os.Remove(out + ".sha256")
	defer os.Remove(out)
	if err != nil {
		return 0, 0, fmt.Errorf("floor %q: %w: %s", script, err, b)
	}
	fi, err := os.Stat(out)
	if err != nil {
		return 0, 0, err
	}
	return d, fi.Size(), nil
}

// goFloor copies what src produces into out through crypto/sha256 (the
// hash the server uses) in one pass, fsyncs and removes out. With args, src
// is ignored and the bytes are the stdout of that command.
func goFloor(ctx context.Context, src string, args []string, out string) (time.Duration, int64, error) {
	t0 := time.Now()
	var r io.Reader
	var cmd *exec.Cmd
	if len(args) > 0 {
		cmd = exec.CommandContext(ctx, args[0], args[1:]...)
		pipe, err := cmd.StdoutPipe()
		if err != nil {
			return 0, 0, err
		}
		if err := cmd.Start(); err != nil {
			return 0, 0, err
		}
		r = pipe
	} else {
		f, err := os.Open(src)
		if err != nil {
			return 0, 0, err
		}
		defer f.Close()
		r = f
	}
	w, err := os.Create(out)
	if err != nil {
		return 0, 0, err
	}
	defer os.Remove(out)
	defer w.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(w, h), r, make([]byte, 1<<20))
	if cmd != nil {
		if werr := cmd.Wait(); err == nil {
			err = werr
		}
	}
	if err == nil {
		err = w.Sync()
	}
	h.Sum(nil)
	if err != nil {
		return 0, 0, fmt.Errorf("go floor %s: %w", out, err)
	}
	return time.Since(t0), n, nil
}

// hashRates measures SHA-256 over n bytes from memory: coreutils
// sha256sum (fed by head from /dev/zero) and Go's crypto/sha256, in MB/s.
func hashRates(ctx context.Context, n int64) (shell, goRate float64, err error) {
	t0 := time.Now()
	script := fmt.Sprintf("head -c %d /dev/zero | sha256sum > /dev/null", n)
	if b, err := exec.CommandContext(ctx, "bash", "-c", script).CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("%s: %w: %s", script, err, b)
	}
	shell = float64(n) / 1e6 / time.Since(t0).Seconds()
	buf := make([]byte, 1<<20)
	h := sha256.New()
	t0 = time.Now()
	for done := int64(0); done < n; done += int64(len(buf)) {
		h.Write(buf)
	}
	h.Sum(nil)
	return shell, float64(n) / 1e6 / time.Since(t0).Seconds(), nil
}

// scanner is the floor of exact search: the same vectors, unit length, in
// one flat slice in this process, scanned with a plain dot product on one
// core, no HTTP, no JSON, no locks.
type scanner struct {
	dim  int
	flat []float32
}

// newScanner regenerates the n vectors that ingest loaded with seed.
func newScanner(seed int64, n, dim int) *scanner {
	s := &scanner{dim: dim, flat: make([]float32, 0, n*dim)}
	src := newVectorSource(seed, dim)
	for range n {
		s.flat = append(s.flat, index.Normalize(src.next())...)
	}
	return s
}

// top10 returns the ids of the 10 vectors with the highest dot product
// with index.Normalize(q), best first.
func (s *scanner) top10(q []float32) []uint64 {
	q = index.Normalize(q)
	type hit struct {
		id    uint64
		score float32
	}
	var top [10]hit
	k := 0
	for id := 0; id*s.dim < len(s.flat); id++ {
		v := s.flat[id*s.dim : (id+1)*s.dim]
		var a0, a1, a2, a3 float32
		i := 0
		for ; i+4 <= len(q); i += 4 {
			a0 += q[i] * v[i]
			a1 += q[i+1] * v[i+1]
			a2 += q[i+2] * v[i+2]
			a3 += q[i+3] * v[i+3]
		}
		for ; i < len(q); i++ {
			a0 += q[i] * v[i]
		}
		sc := a0 + a1 + a2 + a3
		if k == len(top) && sc <= top[k-1].score {
			continue
		}
		j := min(k, len(top)-1)
		for j > 0 && top[j-1].score < sc {
			top[j] = top[j-1]
			j--
		}
		top[j] = hit{uint64(id), sc}
		k = min(k+1, len(top))
	}
	ids := make([]uint64, k)
	for i := range k {
		ids[i] = top[i].id
	}
	return ids
}
