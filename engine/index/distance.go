package index

import (
	"fmt"
	"math"

	"github.com/amberdb/amber"
)

// Score returns the score Qdrant reports for a and b under d:
//
//   - Cosine and Dot: the dot product. Cosine vectors must already be unit
//     vectors (see Normalize); the engine normalises them on write, as Qdrant
//     does, so the cosine similarity is their dot product.
//   - Euclid: the Euclidean distance, the square root of the sum of squares.
//   - Manhattan: the L1 distance, the sum of absolute differences.
//
// Higher is better for Cosine and Dot, lower for Euclid and Manhattan; use
// Better to compare scores. a and b must have the same length; Score panics
// if b is shorter than a or d is not one of the four metrics.
func Score(d amber.Distance, a, b []float32) float32 {
	switch d {
	case amber.Cosine, amber.Dot:
		return dot(a, b)
	case amber.Euclid:
		return sqrt32(l2sq(a, b))
	case amber.Manhattan:
		return l1(a, b)
	}
	panic(fmt.Sprintf("index: score with unknown distance %v", d))
}

// Better reports whether score a ranks before score b under d.
func Better(d amber.Distance, a, b float32) bool {
	if d.HigherIsBetter() {
		return a > b
	}
	return a < b
}

// Normalize returns a new vector with the direction of v and length 1. A
// zero vector is returned as a zero vector of the same length.
func Normalize(v []float32) []float32 {
	out := make([]float32, len(v))
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return out
	}
	inv := 1 / math.Sqrt(sum)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}

// keyFunc returns the function the graph ranks by: lower is always closer.
// Cosine and Dot use the negated dot product, Euclid the squared distance
// (no square root in the hot loop), Manhattan the L1 distance.
func keyFunc(d amber.Distance) func(a, b []float32) float32 {
	switch d {
	case amber.Cosine, amber.Dot:
		return negDot
	case amber.Euclid:
		return l2sq
	case amber.Manhattan:
		return l1
	}
	panic(fmt.Sprintf("index: unknown distance %v", d))
}

// keyScore turns a key of keyFunc(d) into the score Score would return.
func keyScore(d amber.Distance, key float32) float32 {
	switch d {
	case amber.Cosine, amber.Dot:
		return -key
	case amber.Euclid:
		return sqrt32(key)
	}
	return key
}

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

func negDot(a, b []float32) float32 { return -dot(a, b) }

// The kernels below are unrolled by 8 into four accumulators so that the
// additions do not wait on each other; re-slicing with a fixed length lets the
// compiler drop the bounds checks inside the loop.

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		x := a[i : i+8 : i+8]
		y := b[i : i+8 : i+8]
		s0 += x[0]*y[0] + x[4]*y[4]
		s1 += x[1]*y[1] + x[5]*y[5]
		s2 += x[2]*y[2] + x[6]*y[6]
		s3 += x[3]*y[3] + x[7]*y[7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func l2sq(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		x := a[i : i+8 : i+8]
		y := b[i : i+8 : i+8]
		d0, d1, d2, d3 := x[0]-y[0], x[1]-y[1], x[2]-y[2], x[3]-y[3]
		d4, d5, d6, d7 := x[4]-y[4], x[5]-y[5], x[6]-y[6], x[7]-y[7]
		s0 += d0*d0 + d4*d4
		s1 += d1*d1 + d5*d5
		s2 += d2*d2 + d6*d6
		s3 += d3*d3 + d7*d7
	}
	for ; i < len(a); i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

func l1(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		x := a[i : i+8 : i+8]
		y := b[i : i+8 : i+8]
		s0 += abs32(x[0]-y[0]) + abs32(x[4]-y[4])
		s1 += abs32(x[1]-y[1]) + abs32(x[5]-y[5])
		s2 += abs32(x[2]-y[2]) + abs32(x[6]-y[6])
		s3 += abs32(x[3]-y[3]) + abs32(x[7]-y[7])
	}
	for ; i < len(a); i++ {
		s0 += abs32(a[i] - b[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// abs32 clears the sign bit: no branch to mispredict on random data.
func abs32(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}
