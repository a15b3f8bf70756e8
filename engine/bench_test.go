package engine

import (
	"context"
	"math/rand"
	"testing"

	"github.com/amberdb/amber"
	"github.com/amberdb/amber/engine/index"
)

// benchCollection fills a collection with n random points without building
// the graph (apply only), for exact-search benchmarks.
func benchCollection(b *testing.B, n, dim int) (*Collection, [][]float32) {
	b.Helper()
	db := openTestDB(&testing.T{}, b.TempDir(), nil)
	ctx := context.Background()
	if err := db.Create(ctx, "c", testConfig(dim, amber.Dot)); err != nil {
		b.Fatal(err)
	}
	c, _ := db.Collection("c")
	rng := rand.New(rand.NewSource(1))
	var raw [][]float32
	for lo := 0; lo < n; lo += 1000 {
		pts := randomPoints(rng, 1000, dim, uint64(lo))
		o := &op{kind: opUpsert}
		for _, p := range pts {
			o.entries = append(o.entries, opEntry{id: p.ID, vecs: [][]float32{p.Vectors[""]}})
			raw = append(raw, p.Vectors[""])
		}
		c.apply(uint64(lo/1000+1), o)
	}
	return c, raw
}

// BenchmarkCollection_SearchExact measures an exact top-10 over 100k×384
// beside its floor: the same unrolled dot-product kernel over the same
// vectors held in a plain slice, with no ids, liveness or ranking.
func BenchmarkCollection_SearchExact(b *testing.B) {
	c, raw := benchCollection(b, 100_000, 384)
	q := raw[7]
	b.Run("Amber", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.Search(amber.Query{Vector: q, Limit: 10, Exact: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Floor", func(b *testing.B) {
		var best float32
		for b.Loop() {
			for _, v := range raw {
				best = max(best, index.Score(amber.Dot, q, v))
			}
		}
		_ = best
	})
}
