package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/amberdb/amber/node"
)

// RegisterNode registers the node's collection and snapshot series.
func RegisterNode(reg prometheus.Registerer, n *node.Node) {
	reg.MustRegister(&nodeCollector{n: n})
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	collectionsTotal = desc("amber_collections", "Collections on this node.")
	points           = desc("amber_collection_points", "Live points in a collection.", "collection")
	slots            = desc("amber_collection_point_versions", "Point versions held in memory, live and superseded.", "collection")
	indexedNodes     = desc("amber_collection_indexed_vectors", "Vectors in the HNSW graphs of a collection.", "collection")
	upserts          = desc("amber_collection_upserts_total", "Point versions written.", "collection")
	deletes          = desc("amber_collection_deletes_total", "Points deleted.", "collection")
	searches         = desc("amber_collection_searches_total", "Searches served.", "collection")
	checkpoints      = desc("amber_collection_checkpoints_total", "Checkpoints written.", "collection")
	walBytes         = desc("amber_wal_size_bytes", "Bytes in live WAL segments.", "collection")
	walRecords       = desc("amber_wal_records_total", "WAL records made durable.", "collection")
	walSyncs         = desc("amber_wal_fsyncs_total", "WAL fsyncs; records per fsync shows group commit at work.", "collection")
	walTorn          = desc("amber_wal_torn_tail_bytes", "Bytes of a torn WAL tail dropped at the last open.", "collection")

	snapCreated   = desc("amber_snapshot_created_total", "Snapshots created, collection and full.")
	snapFailed    = desc("amber_snapshot_create_failures_total", "Snapshot creations that failed.")
	snapSeconds   = desc("amber_snapshot_create_seconds_total", "Time spent creating snapshots.")
	snapBytes     = desc("amber_snapshot_created_bytes_total", "Bytes of snapshots created.")
	snapRunning   = desc("amber_snapshot_creations_in_progress", "Snapshot creations running now.")
	snapPin       = desc("amber_snapshot_longest_pin_seconds", "Longest time writes paused while a snapshot pinned a collection.")
	recovered     = desc("amber_snapshot_recovered_total", "Successful recoveries from snapshots.")
	recoverFailed = desc("amber_snapshot_recover_failures_total", "Recoveries that failed; the old collection kept serving.")
	recoverSecs   = desc("amber_snapshot_recover_seconds_total", "Time spent in successful recoveries.")
	recoverBytes  = desc("amber_snapshot_recovered_bytes_total", "Archive bytes read by successful recoveries.")
	recoverRun    = desc("amber_snapshot_recoveries_in_progress", "Recoveries running now.")
	retention     = desc("amber_snapshot_retention_deleted_total", "Local snapshots deleted by snapshots.keep_last.")
)

type nodeCollector struct{ n *node.Node }

func (c *nodeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{collectionsTotal, points, slots, indexedNodes, upserts, deletes, searches, checkpoints,
		walBytes, walRecords, walSyncs, walTorn, snapCreated, snapFailed, snapSeconds, snapBytes, snapRunning, snapPin,
		recovered, recoverFailed, recoverSecs, recoverBytes, recoverRun, retention} {
		ch <- d
	}
}

func (c *nodeCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.n.Stats()
	gauge := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...)
	}
	counter := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, l...)
	}
	gauge(collectionsTotal, float64(len(s.Collections)))
	for _, cs := range s.Collections {
		gauge(points, float64(cs.Points), cs.Name)
		gauge(slots, float64(cs.Slots), cs.Name)
		gauge(indexedNodes, float64(cs.IndexedNodes), cs.Name)
		counter(upserts, float64(cs.Upserts), cs.Name)
		counter(deletes, float64(cs.Deletes), cs.Name)
		counter(searches, float64(cs.Searches), cs.Name)
		counter(checkpoints, float64(cs.Checkpoints), cs.Name)
		gauge(walBytes, float64(cs.WALBytes), cs.Name)
		counter(walRecords, float64(cs.WALRecords), cs.Name)
		counter(walSyncs, float64(cs.WALSyncs), cs.Name)
		gauge(walTorn, float64(cs.TornTailBytes), cs.Name)
	}
	counter(snapCreated, float64(s.SnapshotsCreated))
	counter(snapFailed, float64(s.SnapshotCreateFailures))
	counter(snapSeconds, s.SnapshotCreateSeconds)
	counter(snapBytes, float64(s.SnapshotBytes))
	gauge(snapRunning, float64(s.SnapshotsInProgress))
	gauge(snapPin, s.LongestPinSeconds)
	counter(recovered, float64(s.Recoveries))
	counter(recoverFailed, float64(s.RecoverFailures))
	counter(recoverSecs, s.RecoverSeconds)
	counter(recoverBytes, float64(s.RecoverBytes))
	gauge(recoverRun, float64(s.RecoveriesInProgress))
	counter(retention, float64(s.RetentionDeleted))
}
