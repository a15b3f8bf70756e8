package wal_test

import (
	"testing"

	"github.com/amberdb/amber/engine/wal"
)

// reportRecords adds records/s and the records per fsync to a benchmark.
func reportRecords(b *testing.B, l *wal.Log) {
	s := l.Stats()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if s.Syncs > 0 {
		b.ReportMetric(float64(s.Records)/float64(s.Syncs), "records/sync")
	}
}

// BenchmarkLog_WriteWait runs 4 writers per GOMAXPROCS (8 on two CPUs),
// each calling Write then Wait on 1 KiB records, as concurrent upserts to
// one collection do. Group commit lets them share fsyncs.
func BenchmarkLog_WriteWait(b *testing.B) {
	l := openLog(b, wal.Options{Dir: b.TempDir()})
	data := make([]byte, 1024)
	b.SetBytes(int64(len(data)))
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p, err := l.Write(data)
			if err != nil {
				b.Error(err)
				return
			}
			if err := p.Wait(b.Context()); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	reportRecords(b, l)
}

// BenchmarkLog_WriteWaitSerial has one writer calling Write then Wait on
// 1.5 KiB records: every record pays a full fsync.
func BenchmarkLog_WriteWaitSerial(b *testing.B) {
	l := openLog(b, wal.Options{Dir: b.TempDir()})
	data := make([]byte, 1536)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		p, err := l.Write(data)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Wait(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportRecords(b, l)
}
