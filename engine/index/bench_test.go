package index

import (
	"fmt"
	"math/rand"
	"sync"
	"testing"

	"github.com/amberdb/amber"
)

// The benchmarks run on 20,000 vectors of dimension 384 (a common
// sentence-embedding size) under Cosine, with default options. The vectors
// are embedding-like: a 32-dimensional Gaussian projected to 384 dimensions
// plus a little noise, since real embeddings have a low intrinsic dimension
// and uniform random vectors (the recall tests' worst case) do not.
const benchN, benchDim = 20000, 384

// embeddingVectors draws n unit vectors of dimension dim from a 32-dimensional
// latent space; the same seed and projection give the same space.
func embeddingVectors(seed int64, n, dim int) [][]float32 {
	const latent = 32
	proj := rand.New(rand.NewSource(42))
	basis := make([][]float32, latent)
	for i := range basis {
		basis[i] = make([]float32, dim)
		for j := range basis[i] {
			basis[i][j] = float32(proj.NormFloat64())
		}
	}
	rng := rand.New(rand.NewSource(seed))
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dim)
		for _, b := range basis {
			z := float32(rng.NormFloat64())
			for j := range v {
				v[j] += z * b[j]
			}
		}
		for j := range v {
			v[j] += float32(rng.NormFloat64()) * 2
		}
		out[i] = Normalize(v)
	}
	return out
}

// benchVectors is storage that a single-goroutine benchmark may extend.
type benchVectors struct{ v [][]float32 }

func (b *benchVectors) Vector(slot uint32) []float32 { return b.v[slot] }

var bench struct {
	once sync.Once
	vecs *benchVectors
	h    *HNSW
}

// benchGraph builds the shared graph over the first benchN vectors once.
// BenchmarkHNSW_Insert adds to it, so it runs after BenchmarkHNSW_Search.
func benchGraph(b *testing.B) (*benchVectors, *HNSW) {
	bench.once.Do(func() {
		bench.vecs = &benchVectors{v: embeddingVectors(1, benchN, benchDim)}
		bench.h = NewHNSW(Options{Distance: amber.Cosine, Dim: benchDim, Seed: 1}, bench.vecs)
		insertAll(bench.h, 0, benchN)
	})
	return bench.vecs, bench.h
}

func BenchmarkExact(b *testing.B) {
	vecs, _ := benchGraph(b)
	q := embeddingVectors(2, 1, benchDim)[0]
	for b.Loop() {
		Exact(amber.Cosine, vecs, q, 10, slotRange(0, benchN), nil)
	}
}

func BenchmarkHNSW_Search(b *testing.B) {
	vecs, h := benchGraph(b)
	queries := embeddingVectors(3, 100, benchDim)
	for _, ef := range []int{64, 128, 256} {
		b.Run(fmt.Sprintf("ef=%d", ef), func(b *testing.B) {
			var recall float64
			for _, q := range queries {
				recall += overlap(h.Search(q, 10, ef, nil), Exact(amber.Cosine, vecs, q, 10, slotRange(0, benchN), nil))
			}
			i := 0
			for b.Loop() {
				h.Search(queries[i%len(queries)], 10, ef, nil)
				i++
			}
			b.ReportMetric(recall/float64(len(queries)), "recall@10")
		})
	}
}

// BenchmarkHNSW_Insert inserts new vectors into the 20,000-node graph, one
// goroutine at a time.
func BenchmarkHNSW_Insert(b *testing.B) {
	vecs, h := benchGraph(b)
	next := len(vecs.v)
	extra := embeddingVectors(int64(next), b.N, benchDim)
	vecs.v = append(vecs.v, extra...)
	b.ResetTimer()
	for i := range b.N {
		h.Insert(uint32(next + i))
	}
}
