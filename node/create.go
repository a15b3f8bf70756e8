package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"time"

	"github.com/amberdb/amber"
	"github.com/amberdb/amber/engine"
	"github.com/amberdb/amber/snapshot"
)

// fullBaseName starts every full snapshot's name, as in Qdrant.
const fullBaseName = "full-snapshot"

// maxBaseName is the longest base name the snapshots folder takes: a file
// name is at most 255 bytes, and the timestamp, suffix and extensions need
// the rest.
const maxBaseName = 200

// Entries of a full snapshot besides the collections' files.
const (
	fullCollectionsEntry = "collections.json" // [{"name":…,"dir":"collections/0"}]
	fullAliasesEntry     = "aliases.json"     // {"alias":"collection"}
	fullNodeEntry        = "node.json"        // {"peer_id":…}
)

type fullCollection struct {
	Name string `json:"name"`
	Dir  string `json:"dir"`
}

// CreateSnapshot snapshots one collection (or the collection an alias names).
// Writes pause only while the collection is pinned; the archive is then
// streamed from the pinned view while writes go on.
func (n *Node) CreateSnapshot(ctx context.Context, collection string) (snapshot.Info, error) {
	c, err := n.DB.Collection(collection)
	if err != nil {
		return snapshot.Info{}, err
	}
	base := fmt.Sprintf("%s-%d", c.Name(), n.DB.NodeID())
	if len(base) > maxBaseName {
		return snapshot.Info{}, amber.Errorf(amber.EInvalid, "Wrong input: collection name of %d bytes is too long for a snapshot file name (at most %d bytes)", len(c.Name()), maxBaseName-len(base)+len(c.Name()))
	}
	start := time.Now()
	n.stats.creating.Add(1)
	defer n.stats.creating.Add(-1)
	view := n.pin(c)
	info, err := n.Store.Create(ctx, c.Name(), base, func(w io.Writer) error {
		sw := snapshot.NewWriter(w, snapshot.KindCollection)
		if err := addView(sw, "", view); err != nil {
			return err
		}
		return sw.Close(snapshot.Manifest{Created: n.opts.Now().UTC(), Collection: c.Name(), PointCount: view.PointCount(),
			Extra: map[string]any{"seq": strconv.FormatUint(view.Seq(), 10), "node_id": strconv.FormatUint(n.DB.NodeID(), 10)}})
	})
	return n.created(info, err, start, c.Name())
}

func (n *Node) pin(c *engine.Collection) *engine.View {
	v := c.Pin()
	n.stats.notePin(v.Pause())
	return v
}

// addView adds a pinned view's files under prefix.
func addView(sw *snapshot.Writer, prefix string, v *engine.View) error {
	files, err := v.Files()
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := sw.Add(prefix+f.Name, f.Size, f.Write); err != nil {
			return err
		}
	}
	return nil
}

// created records a create's outcome, applies retention and logs.
func (n *Node) created(info snapshot.Info, err error, start time.Time, sub string) (snapshot.Info, error) {
	if err != nil {
		n.stats.createFailures.Add(1)
		n.log.Error("snapshot failed", "collection", sub, "err", err)
		return info, err
	}
	d := time.Since(start)
	n.stats.created.Add(1)
	n.stats.createNanos.Add(uint64(d))
	n.stats.createBytes.Add(uint64(info.Size))
	n.log.Info("snapshot created", "collection", sub, "name", info.Name, "size", info.Size, "checksum", info.Checksum, "duration", d.String())
	if n.opts.KeepLast > 0 {
		removed, kerr := n.Store.Keep(sub, n.opts.KeepLast)
		n.stats.retentionDeleted.Add(uint64(len(removed)))
		for _, r := range removed {
			n.log.Info("snapshot removed by retention", "collection", sub, "name", r, "keep_last", n.opts.KeepLast)
		}
		if kerr != nil {
			n.log.Warn("snapshot retention", "collection", sub, "err", kerr)
		}
	}
	return info, nil
}

// CreateFullSnapshot snapshots every collection, the aliases and the node
// metadata into one archive. Every collection is pinned first, one after
// the other, then all are written. Per-collection snapshots are untouched.
func (n *Node) CreateFullSnapshot(ctx context.Context) (snapshot.Info, error) {
	start := time.Now()
	n.stats.creating.Add(1)
	defer n.stats.creating.Add(-1)
	var views []*engine.View
	var list []fullCollection
	var points uint64
	for _, name := range n.DB.Names() {
		c, err := n.DB.Collection(name)
		if err != nil {
			continue // dropped meanwhile
		}
		v := n.pin(c)
		views = append(views, v)
		list = append(list, fullCollection{Name: name, Dir: fmt.Sprintf("collections/%d", len(list))})
		points += v.PointCount()
	}
	aliases := n.DB.AliasMap()
	info, err := n.Store.Create(ctx, "", fullBaseName, func(w io.Writer) error {
		sw := snapshot.NewWriter(w, snapshot.KindFull)
		for name, v := range map[string]any{fullNodeEntry: map[string]uint64{"peer_id": n.DB.NodeID()}, fullAliasesEntry: aliases, fullCollectionsEntry: list} {
			b, err := json.Marshal(v)
			if err != nil {
				return err
			}
			if err := sw.AddBytes(name, b); err != nil {
				return err
			}
		}
		for i, v := range views {
			if err := addView(sw, list[i].Dir+"/", v); err != nil {
				return err
			}
		}
		return sw.Close(snapshot.Manifest{Created: n.opts.Now().UTC(), PointCount: points,
			Extra: map[string]any{"collections": len(views), "node_id": strconv.FormatUint(n.DB.NodeID(), 10)}})
	})
	return n.created(info, err, start, "")
}

// ListSnapshots lists a collection's snapshots, oldest first.
func (n *Node) ListSnapshots(collection string) ([]snapshot.Info, error) {
	c, err := n.DB.Collection(collection)
	if err != nil {
		return nil, err
	}
	list, err := n.Store.List(c.Name())
	return list, storeErr(err, "")
}

// OpenSnapshot opens a collection snapshot for download.
func (n *Node) OpenSnapshot(collection, name string) (*os.File, snapshot.Info, error) {
	c, err := n.DB.Collection(collection)
	if err != nil {
		return nil, snapshot.Info{}, err
	}
	f, info, err := n.Store.Open(c.Name(), name)
	return f, info, storeErr(err, name)
}

// DeleteSnapshot deletes a collection snapshot and its sidecar.
func (n *Node) DeleteSnapshot(collection, name string) error {
	c, err := n.DB.Collection(collection)
	if err != nil {
		return err
	}
	return storeErr(n.Store.Delete(c.Name(), name), name)
}

// ListFullSnapshots lists full snapshots, oldest first.
func (n *Node) ListFullSnapshots() ([]snapshot.Info, error) {
	list, err := n.Store.List("")
	return list, storeErr(err, "")
}

// OpenFullSnapshot opens a full snapshot for download.
func (n *Node) OpenFullSnapshot(name string) (*os.File, snapshot.Info, error) {
	f, info, err := n.Store.Open("", name)
	return f, info, storeErr(err, name)
}

// DeleteFullSnapshot deletes a full snapshot and its sidecar.
func (n *Node) DeleteFullSnapshot(name string) error {
	return storeErr(n.Store.Delete("", name), name)
}

// storeErr maps the store's sentinels to client errors.
func storeErr(err error, name string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, snapshot.ErrInvalidName), errors.Is(err, fs.ErrNotExist):
		return amber.Errorf(amber.ENotFound, "Not found: Snapshot %s not found", name)
	}
	return err
}
