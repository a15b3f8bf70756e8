package index

import (
	"math"
	"testing"

	"github.com/amberdb/amber"
)

func TestScore(t *testing.T) {
	tests := []struct {
		name string
		d    amber.Distance
		a, b []float32
		want float32
	}{
		{"CosineSame", amber.Cosine, []float32{0.6, 0.8}, []float32{0.6, 0.8}, 1},
		{"CosineOrthogonal", amber.Cosine, []float32{1, 0}, []float32{0, 1}, 0},
		{"CosineOpposite", amber.Cosine, []float32{1, 0}, []float32{-1, 0}, -1},
		{"CosineIsDotOfUnitVectors", amber.Cosine, []float32{1, 0}, []float32{0.6, 0.8}, 0.6},
		{"Dot", amber.Dot, []float32{1, 2, 3}, []float32{4, 5, 6}, 32},
		{"DotNegative", amber.Dot, []float32{1, 2, 3}, []float32{-4, 5, -6}, -12},
		{"DotNotNormalised", amber.Dot, []float32{3, 4}, []float32{3, 4}, 25},
		{"EuclidIsDistanceNotSquared", amber.Euclid, []float32{0, 0}, []float32{3, 4}, 5},
		{"EuclidSame", amber.Euclid, []float32{1, -2, 3}, []float32{1, -2, 3}, 0},
		{"Manhattan", amber.Manhattan, []float32{1, 2}, []float32{4, -2}, 7},
		{"ManhattanSame", amber.Manhattan, []float32{-1, 5}, []float32{-1, 5}, 0},
		{"Empty", amber.Euclid, nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Score(tt.d, tt.a, tt.b); math.Abs(float64(got-tt.want)) > 1e-6 {
				t.Errorf("Score(%v) = %v, want %v", tt.d, got, tt.want)
			}
		})
	}
	t.Run("PanicsOnUnknownDistance", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		Score(0, []float32{1}, []float32{1})
	})
}

// TestScore_Kernels checks the unrolled kernels against plain loops for every
// length around the unroll width, so the tail loops are covered too.
func TestScore_Kernels(t *testing.T) {
	for n := 0; n <= 35; n++ {
		a, b := randomVectors(int64(n), 1, max(n, 1), amber.Dot)[0][:n], randomVectors(int64(n+100), 1, max(n, 1), amber.Dot)[0][:n]
		var dotW, l2W, l1W float64
		for i := range a {
			x, y := float64(a[i]), float64(b[i])
			dotW += x * y
			l2W += (x - y) * (x - y)
			l1W += math.Abs(x - y)
		}
		for _, c := range []struct {
			d    amber.Distance
			want float64
		}{{amber.Dot, dotW}, {amber.Euclid, math.Sqrt(l2W)}, {amber.Manhattan, l1W}} {
			if got := Score(c.d, a, b); math.Abs(float64(got)-c.want) > 1e-4 {
				t.Errorf("len %d %v: got %v, want %v", n, c.d, got, c.want)
			}
		}
	}
}

func TestBetter(t *testing.T) {
	tests := []struct {
		d    amber.Distance
		a, b float32
		want bool
	}{
		{amber.Cosine, 0.9, 0.1, true},
		{amber.Cosine, 0.1, 0.9, false},
		{amber.Cosine, 0.5, 0.5, false},
		{amber.Dot, 10, -10, true},
		{amber.Dot, -10, 10, false},
		{amber.Euclid, 1, 2, true},
		{amber.Euclid, 2, 1, false},
		{amber.Euclid, 0, 0, false},
		{amber.Manhattan, 3, 7, true},
		{amber.Manhattan, 7, 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			if got := Better(tt.d, tt.a, tt.b); got != tt.want {
				t.Errorf("Better(%v, %v, %v) = %v, want %v", tt.d, tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		v := []float32{3, 4}
		got := Normalize(v)
		if got[0] != 0.6 || got[1] != 0.8 {
			t.Errorf("Normalize(3, 4) = %v, want [0.6 0.8]", got)
		}
		if v[0] != 3 || v[1] != 4 {
			t.Errorf("input changed to %v", v)
		}
		if s := Score(amber.Cosine, got, got); math.Abs(float64(s-1)) > 1e-6 {
			t.Errorf("self score %v, want 1", s)
		}
	})
	t.Run("Zero", func(t *testing.T) {
		v := []float32{0, 0, 0}
		got := Normalize(v)
		if len(got) != 3 || got[0] != 0 || got[1] != 0 || got[2] != 0 {
			t.Errorf("Normalize(zero) = %v", got)
		}
		got[0] = 1
		if v[0] != 0 {
			t.Error("Normalize returned its input, not a new slice")
		}
	})
}
