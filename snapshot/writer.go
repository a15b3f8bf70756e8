package snapshot

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"
)

// Writer streams an archive: the version entry, the caller's files in the
// order added, then the manifest. It never seeks and holds no file in
// memory; each file's SHA-256 is computed while its bytes pass through.
//
// A Writer is not safe for concurrent use. After any error the archive is
// unusable and every later call returns the same error; the caller should
// discard what was written (Store.Create does so).
//
// Entry headers carry mode 0644, uid/gid 0 and the Unix epoch as mtime, so
// that equal content and manifest give byte-identical archives; the creation
// time lives in the manifest.
type Writer struct {
	tw    *tar.Writer
	kind  Kind
	names *pathSet
	files []FileEntry
	err   error // sticky
	done  bool
}

// NewWriter starts an archive of the given kind on w and writes the version
// entry. An error (including an invalid kind) is reported by the next call.
func NewWriter(w io.Writer, kind Kind) *Writer {
	sw := &Writer{tw: tar.NewWriter(w), kind: kind, names: newPathSet()}
	if !kind.Valid() {
		sw.err = fmt.Errorf("new snapshot writer: invalid kind %q", kind)
		return sw
	}
	b, err := json.Marshal(versionInfo{Format: FormatName, Version: FormatVersion, Kind: kind})
	if err == nil {
		_, err = sw.writeEntry(VersionEntry, b)
	}
	if err != nil {
		sw.err = fmt.Errorf("write %s: %w", VersionEntry, err)
	}
	return sw
}

// Add writes one entry: a header with the exact size, then the bytes that
// write produces. It fails if write returns an error or writes more or fewer
// than size bytes. name is a slash path ("data/points.bin"); absolute paths,
// "." and ".." elements, empty elements, backslashes, control characters,
// duplicates, the two metadata names and file/directory conflicts are
// refused.
func (w *Writer) Add(name string, size int64, write func(io.Writer) error) error {
	if err := w.usable(); err != nil {
		return err
	}
	if err := checkName(name); err != nil {
		return fmt.Errorf("add %q: %w", name, err)
	}
	if name == VersionEntry || name == ManifestEntry {
		return fmt.Errorf("add %q: name is reserved", name)
	}
	if size < 0 {
		return fmt.Errorf("add %q: negative size %d", name, size)
	}
	if err := w.names.add(name); err != nil {
		return fmt.Errorf("add %q: %w", name, err)
	}
	sum, err := w.write(name, size, write)
	if err != nil {
		w.err = fmt.Errorf("add %q: %w", name, err)
		return w.err
	}
	w.files = append(w.files, FileEntry{Name: name, Size: size, SHA256: sum})
	return nil
}

// AddBytes writes one entry holding b.
func (w *Writer) AddBytes(name string, b []byte) error {
	return w.Add(name, int64(len(b)), func(out io.Writer) error {
		_, err := out.Write(b)
		return err
	})
}

// Close writes manifest.json, built from m with Format, Version, Kind and
// Files set by the Writer, then ends the tar stream. m.Created must be set
// (the Writer has no clock); m.Kind, if set, must match the Writer's kind.
// Close does not close the underlying io.Writer.
func (w *Writer) Close(m Manifest) error {
	if err := w.usable(); err != nil {
		return err
	}
	if m.Kind != "" && m.Kind != w.kind {
		return fmt.Errorf("close snapshot: manifest kind %q, writer kind %q", m.Kind, w.kind)
	}
	if m.Created.IsZero() {
		return errors.New("close snapshot: manifest created time is zero")
	}
	m.Format, m.Version, m.Kind = FormatName, FormatVersion, w.kind
	m.Files = w.files
	if m.Files == nil {
		m.Files = []FileEntry{}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("close snapshot: encode manifest: %w", err)
	}
	if _, err := w.writeEntry(ManifestEntry, append(b, '\n')); err != nil {
		w.err = fmt.Errorf("write %s: %w", ManifestEntry, err)
		return w.err
	}
	if err := w.tw.Close(); err != nil {
		w.err = fmt.Errorf("close tar: %w", err)
		return w.err
	}
	w.done = true
	return nil
}

// Files returns the entries written so far (for progress reporting).
func (w *Writer) Files() []FileEntry { return append([]FileEntry(nil), w.files...) }

func (w *Writer) usable() error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return errors.New("snapshot writer is closed")
	}
	return nil
}

func (w *Writer) writeEntry(name string, b []byte) (string, error) {
	return w.write(name, int64(len(b)), func(out io.Writer) error {
		_, err := io.Copy(out, bytes.NewReader(b))
		return err
	})
}

// write emits the header and body of one entry and returns its SHA-256.
func (w *Writer) write(name string, size int64, write func(io.Writer) error) (string, error) {
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		Size:     size,
		Mode:     0o644,
		ModTime:  time.Unix(0, 0),
	}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return "", fmt.Errorf("write header: %w", err)
	}
	ew := &entryWriter{tw: w.tw, h: sha256.New(), left: size}
	if err := write(ew); err != nil {
		return "", err
	}
	if ew.over {
		return "", fmt.Errorf("write exceeds declared size %d", size)
	}
	if ew.left != 0 {
		return "", fmt.Errorf("wrote %d bytes, declared %d", size-ew.left, size)
	}
	return hex.EncodeToString(ew.h.Sum(nil)), nil
}

// entryWriter passes an entry's bytes to the tar writer and the hash, and
// refuses bytes past the declared size.
type entryWriter struct {
	tw   *tar.Writer
	h    hash.Hash
	left int64
	over bool // a write past the size was refused
}

func (e *entryWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > e.left {
		e.over = true
		return 0, fmt.Errorf("write exceeds declared size by %d bytes", int64(len(p))-e.left)
	}
	n, err := e.tw.Write(p)
	e.h.Write(p[:n])
	e.left -= int64(n)
	return n, err
}
