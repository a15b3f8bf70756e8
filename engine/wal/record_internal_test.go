package wal

import (
	"bytes"
	"encoding/hex"
	"io"
	"testing"
)

func TestAppendRecord(t *testing.T) {
	// Golden bytes, the checksum computed independently of hash/crc32:
	// length 5 | CRC-32C(seq bytes + "amber") | seq 1 | "amber".
	const want = "05000000" + "824f9890" + "0100000000000000" + "616d626572"
	got := hex.EncodeToString(appendRecord(nil, 1, []byte("amber")))
	if got != want {
		t.Fatalf("appendRecord = %s, want %s", got, want)
	}
}

func TestScanner_Next(t *testing.T) {
	var buf []byte
	for seq := uint64(7); seq < 10; seq++ {
		buf = appendRecord(buf, seq, bytes.Repeat([]byte{byte(seq)}, int(seq)))
	}
	sc := newScanner(bytes.NewReader(buf), int64(len(buf)))
	for want := uint64(7); want < 10; want++ {
		seq, p, bad, err := sc.next()
		if err != nil || bad != "" || seq != want || len(p) != int(want) {
			t.Fatalf("next = seq %d, %d bytes, bad %q, err %v; want seq %d", seq, len(p), bad, err, want)
		}
	}
	if _, _, _, err := sc.next(); err != io.EOF {
		t.Fatalf("next at end = %v, want io.EOF", err)
	}
}

func TestParseSegmentName(t *testing.T) {
	tests := []struct {
		name  string
		first uint64
		ok    bool
	}{
		{"00000000000000000001.wal", 1, true},
		{"00000000000000004712.wal", 4712, true},
		{"18446744073709551615.wal", 1<<64 - 1, true},
		{"99999999999999999999.wal", 0, false}, // overflows uint64
		{"1.wal", 0, false},
		{"0000000000000000000x.wal", 0, false},
		{"00000000000000000001.wal.tmp", 0, false},
		{"00000000000000000001.log", 0, false},
		{"-0000000000000000001.wal", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, ok := parseSegmentName(tt.name)
			if first != tt.first || ok != tt.ok {
				t.Fatalf("parseSegmentName = %d, %v; want %d, %v", first, ok, tt.first, tt.ok)
			}
			if ok && segmentName(first) != tt.name {
				t.Fatalf("segmentName(%d) = %s, want %s", first, segmentName(first), tt.name)
			}
		})
	}
}

func TestFindRecord(t *testing.T) {
	// Garbage, then a record of seq 5 at an odd offset.
	data := append(bytes.Repeat([]byte{0xab}, 1001), appendRecord(nil, 5, []byte("hello"))...)
	r := bytes.NewReader(data)
	if off, ok, err := findRecord(r, 0, int64(len(data)), 4, 6); err != nil || !ok || off != 1001 {
		t.Fatalf("findRecord = %d, %v, %v; want 1001, true", off, ok, err)
	}
	// A header straddling the 1 MiB chunks of the scan.
	big := append(bytes.Repeat([]byte{0xab}, 1<<20-5), appendRecord(nil, 5, []byte("hello"))...)
	if off, ok, err := findRecord(bytes.NewReader(big), 3, int64(len(big)), 5, 5); err != nil || !ok || off != 1<<20-5 {
		t.Fatalf("findRecord across chunks = %d, %v, %v; want %d, true", off, ok, err, 1<<20-5)
	}
	if _, ok, _ := findRecord(r, 0, int64(len(data)), 6, 9); ok {
		t.Fatal("findRecord found a record outside the seq range")
	}
	if _, ok, _ := findRecord(r, 0, int64(len(data))-1, 4, 6); ok {
		t.Fatal("findRecord found a record cut short by end")
	}
}
