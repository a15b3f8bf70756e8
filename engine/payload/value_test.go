package payload

import (
	"encoding/json"
	"math"
	"testing"
)

func TestIntOf(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want int64
		ok   bool
	}{
		{"Number", json.Number("42"), 42, true},
		{"NegativeNumber", json.Number("-9007199254740993"), -9007199254740993, true},
		{"MaxInt64", json.Number("9223372036854775807"), math.MaxInt64, true},
		{"BeyondInt64", json.Number("9223372036854775808"), 0, false},
		{"DecimalPoint", json.Number("5.0"), 0, false},
		{"Exponent", json.Number("1e3"), 0, false},
		{"Int", 7, 7, true},
		{"Int8", int8(-8), -8, true},
		{"Int16", int16(16), 16, true},
		{"Int32", int32(32), 32, true},
		{"Uint", uint(9), 9, true},
		{"Uint8", uint8(8), 8, true},
		{"Uint16", uint16(16), 16, true},
		{"Uint32", uint32(32), 32, true},
		{"Uint64Big", uint64(math.MaxUint64), 0, false},
		{"WholeFloat", 3.0, 3, true},
		{"WholeFloat32", float32(2), 2, true},
		{"Fraction", 3.5, 0, false},
		{"HugeFloat", 1e19, 0, false},
		{"String", "5", 0, false},
		{"Bool", true, 0, false},
		{"Nil", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := intOf(tt.v)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Fatalf("intOf(%#v) = %d, %v; want %d, %v", tt.v, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestNumberOf(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want float64
		ok   bool
	}{
		{"Integer", json.Number("42"), 42, true},
		{"Decimal", json.Number("-2.5"), -2.5, true},
		{"Exponent", json.Number("1e3"), 1000, true},
		{"Overflow", json.Number("1e400"), 0, false},
		{"Float64", 1.25, 1.25, true},
		{"Float32", float32(0.5), 0.5, true},
		{"NaN", math.NaN(), 0, false},
		{"Int", -3, -3, true},
		{"Uint64", uint64(math.MaxUint64), math.MaxUint64, true},
		{"Uint", uint(4), 4, true},
		{"String", "1", 0, false},
		{"Bool", false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := numberOf(tt.v)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Fatalf("numberOf(%#v) = %v, %v; want %v, %v", tt.v, got, ok, tt.want, tt.ok)
			}
		})
	}
}
