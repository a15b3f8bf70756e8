package engine

// CollectionStats are one collection's counters, for metrics.
type CollectionStats struct {
	Name          string
	Points        uint64
	Slots         uint64 // live and dead point versions held in memory
	IndexedNodes  uint64 // HNSW nodes over all vector names
	Upserts       uint64 // point versions written
	Deletes       uint64
	Searches      uint64
	Checkpoints   uint64
	WALRecords    uint64
	WALBytes      int64 // bytes in live WAL segments
	WALSyncs      uint64
	WALGroups     uint64
	TornTailBytes int64 // bytes a torn WAL tail lost at open
}

// Stats returns the collection's counters.
func (c *Collection) Stats() CollectionStats {
	c.mu.RLock()
	points := uint64(len(c.ids))
	c.mu.RUnlock()
	ws := c.wal.Stats()
	s := CollectionStats{
		Name: c.name, Points: points, Slots: uint64(c.slots.len()),
		Upserts: c.stats.upserted.Load(), Deletes: c.stats.deleted.Load(), Searches: c.stats.searches.Load(),
		Checkpoints: c.stats.checkpoints.Load(), WALRecords: ws.Records, WALBytes: c.wal.Size(),
		WALSyncs: ws.Syncs, WALGroups: ws.Groups, TornTailBytes: ws.TornBytesDropped,
	}
	for _, g := range c.graphs {
		s.IndexedNodes += uint64(g.Len())
	}
	return s
}

// Stats returns every collection's counters, sorted by name.
func (db *DB) Stats() []CollectionStats {
	var out []CollectionStats
	for _, name := range db.Names() {
		if c, err := db.Collection(name); err == nil {
			out = append(out, c.Stats())
		}
	}
	return out
}
