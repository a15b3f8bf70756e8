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
	"strings"
)

// Reader reads an archive as a stream, refusing anything the Writer would
// not have produced. Only regular files are accepted: directories, symlinks,
// hard links, devices, fifos, sparse files and PAX global headers are refused
// with ErrUnsafeEntry (the Writer never writes them, and Extract creates
// parent directories itself). Mode bits, owners, times and xattrs in headers
// are ignored.
//
// A Reader is not safe for concurrent use. Every error is sticky.
type Reader struct {
	tr      *tar.Reader
	in      *countingReader // what tr has consumed, to check the trailer
	lim     Limits
	kind    Kind
	started bool
	names   *pathSet
	count   int
	cur     *entryReader
	files   []FileEntry
	man     *Manifest
	err     error // sticky; io.EOF once the manifest has been checked
}

// NewReader reads an archive from r within the limits lim (zero fields take
// the defaults).
func NewReader(r io.Reader, lim Limits) *Reader {
	in := &countingReader{r: r}
	return &Reader{tr: tar.NewReader(in), in: in, lim: lim.withDefaults(), names: newPathSet()}
}

// Next advances to the next file entry and returns its name (a validated
// slash path), size and body. The body is valid until the next call to Next;
// bytes the caller does not read are read and hashed by Next. After the last
// file Next reads manifest.json, checks every file's size and SHA-256 against
// it and returns io.EOF; the version entry and the manifest are never
// returned. Errors wrap ErrFormat, ErrUnsafeEntry, ErrTruncated or
// ErrManifest, or the underlying reader's error.
func (r *Reader) Next() (name string, size int64, body io.Reader, err error) {
	if r.err != nil {
		return "", 0, nil, r.err
	}
	name, size, body, err = r.next()
	if err != nil {
		r.err, r.cur = err, nil
	}
	return name, size, body, err
}

// Kind returns the archive's kind, known once Next has been called once
// without ErrFormat or ErrTruncated on the version entry.
func (r *Reader) Kind() Kind { return r.kind }

// Manifest returns the checked manifest, available after Next returned
// io.EOF.
func (r *Reader) Manifest() (Manifest, error) {
	if r.man == nil {
		if r.err != nil && r.err != io.EOF {
			return Manifest{}, r.err
		}
		return Manifest{}, errors.New("snapshot manifest not read yet: call Next until io.EOF")
	}
	return *r.man, nil
}

func (r *Reader) next() (string, int64, io.Reader, error) {
	if !r.started {
		r.started = true
		if err := r.readVersion(); err != nil {
			return "", 0, nil, err
		}
	}
	if r.cur != nil {
		if err := r.finish(); err != nil {
			return "", 0, nil, err
		}
	}
	hdr, err := r.header()
	if err == io.EOF {
		return "", 0, nil, fmt.Errorf("%w: archive ends before %s", ErrTruncated, ManifestEntry)
	}
	if err != nil {
		return "", 0, nil, err
	}
	if hdr.Name == ManifestEntry {
		return "", 0, nil, r.readManifest(hdr)
	}
	if err := r.check(hdr, r.lim.MaxEntrySize); err != nil {
		return "", 0, nil, err
	}
	if r.count++; r.count > r.lim.MaxEntries {
		return "", 0, nil, fmt.Errorf("%w: %q: more than %d entries", ErrUnsafeEntry, hdr.Name, r.lim.MaxEntries)
	}
	if err := r.names.add(hdr.Name); err != nil {
		return "", 0, nil, fmt.Errorf("%w: %q: %v", ErrUnsafeEntry, hdr.Name, err)
	}
	r.cur = &entryReader{r: r, name: hdr.Name, size: hdr.Size, h: sha256.New()}
	return hdr.Name, hdr.Size, r.cur, nil
}

// header reads the next tar header, mapping archive/tar errors to sentinels.
func (r *Reader) header() (*tar.Header, error) {
	hdr, err := r.tr.Next()
	if errors.Is(err, tar.ErrInsecurePath) && hdr != nil {
		err = nil // check refuses the name with a clearer message
	}
	if err != nil {
		return nil, mapTarErr(err, "read tar header")
	}
	return hdr, nil
}

// check refuses entries that are not plain regular files with a safe name
// and a size within max.
func (r *Reader) check(hdr *tar.Header, max int64) error {
	if err := checkName(hdr.Name); err != nil {
		return fmt.Errorf("%w: %q: %v", ErrUnsafeEntry, hdr.Name, err)
	}
	if hdr.Typeflag != tar.TypeReg {
		return fmt.Errorf("%w: %q: %s, only regular files are allowed", ErrUnsafeEntry, hdr.Name, typeName(hdr.Typeflag))
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return fmt.Errorf("%w: %q: sparse file", ErrUnsafeEntry, hdr.Name)
		}
	}
	if hdr.Size < 0 || hdr.Size > max {
		return fmt.Errorf("%w: %q: size %d over the limit %d", ErrUnsafeEntry, hdr.Name, hdr.Size, max)
	}
	return nil
}

// readVersion reads and checks the first entry.
func (r *Reader) readVersion() error {
	hdr, err := r.header()
	if err == io.EOF {
		return fmt.Errorf("%w: empty archive", ErrTruncated)
	}
	if err != nil {
		return err
	}
	if hdr.Name != VersionEntry {
		return fmt.Errorf("%w: first entry is %q, want %s", ErrFormat, hdr.Name, VersionEntry)
	}
	b, err := r.readSmall(hdr)
	if err != nil {
		return err
	}
	var v versionInfo
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("%w: decode %s: %v", ErrFormat, VersionEntry, err)
	}
	if v.Format != FormatName || v.Version != FormatVersion || !v.Kind.Valid() {
		return fmt.Errorf("%w: %s says format %q version %d kind %q; this build reads %q version %d",
			ErrFormat, VersionEntry, v.Format, v.Version, v.Kind, FormatName, FormatVersion)
	}
	r.kind = v.Kind
	return r.names.add(VersionEntry) // a second one is a duplicate
}

// readManifest reads manifest.json, makes sure nothing follows it and checks
// it against the entries read. It returns io.EOF on success.
func (r *Reader) readManifest(hdr *tar.Header) error {
	b, err := r.readSmall(hdr)
	if err != nil {
		return err
	}
	end := r.in.n // the manifest's last byte; padding and trailer follow
	if _, err := r.header(); err != io.EOF {
		if err == nil {
			return fmt.Errorf("%w: entry after %s", ErrFormat, ManifestEntry)
		}
		return err
	}
	// archive/tar takes a stream that stops in the manifest's padding or in
	// the end-of-archive marker for a clean end; a file cut there is still
	// a cut file, and GNU tar calls it one.
	if want := (end+blockSize-1)/blockSize*blockSize + 2*blockSize; r.in.n < want {
		return fmt.Errorf("%w: archive ends %d bytes before its end-of-archive marker is complete", ErrTruncated, want-r.in.n)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%w: decode %s: %v", ErrManifest, ManifestEntry, err)
	}
	if err := r.compare(m); err != nil {
		return err
	}
	r.man = &m
	return io.EOF
}

// compare checks the manifest against the archive as read.
func (r *Reader) compare(m Manifest) error {
	if m.Format != FormatName || m.Version != FormatVersion || m.Kind != r.kind {
		return fmt.Errorf("%w: manifest says format %q version %d kind %q, archive is %q version %d kind %q",
			ErrManifest, m.Format, m.Version, m.Kind, FormatName, FormatVersion, r.kind)
	}
	listed := make(map[string]FileEntry, len(m.Files))
	for _, f := range m.Files {
		if _, dup := listed[f.Name]; dup {
			return fmt.Errorf("%w: %q listed twice", ErrManifest, f.Name)
		}
		listed[f.Name] = f
	}
	for _, got := range r.files {
		want, ok := listed[got.Name]
		switch {
		case !ok:
			return fmt.Errorf("%w: %q is in the archive but not in the manifest", ErrManifest, got.Name)
		case want.Size != got.Size:
			return fmt.Errorf("%w: %q: size %d, manifest says %d", ErrManifest, got.Name, got.Size, want.Size)
		case want.SHA256 != got.SHA256:
			return fmt.Errorf("%w: %q: sha256 %s, manifest says %s", ErrManifest, got.Name, got.SHA256, want.SHA256)
		}
		delete(listed, got.Name)
	}
	for _, f := range m.Files { // report in manifest order
		if _, missing := listed[f.Name]; missing {
			return fmt.Errorf("%w: %q is in the manifest but not in the archive", ErrManifest, f.Name)
		}
	}
	return nil
}

// readSmall reads a metadata entry into memory, within MaxHeaderBytes.
func (r *Reader) readSmall(hdr *tar.Header) ([]byte, error) {
	if err := r.check(hdr, r.lim.MaxHeaderBytes); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r.tr); err != nil {
		return nil, mapTarErr(err, "read "+hdr.Name)
	}
	return buf.Bytes(), nil
}

// finish drains and records the current entry.
func (r *Reader) finish() error {
	e := r.cur
	if _, err := io.Copy(io.Discard, e); err != nil {
		return err
	}
	r.cur = nil
	r.files = append(r.files, FileEntry{Name: e.name, Size: e.size, SHA256: hex.EncodeToString(e.h.Sum(nil))})
	return nil
}

// entryReader is the body of the current entry: it hashes what it reads.
type entryReader struct {
	r    *Reader
	name string
	size int64
	h    hash.Hash
}

func (e *entryReader) Read(p []byte) (int, error) {
	if e.r.cur != e {
		return 0, fmt.Errorf("read %q: entry body used after Next", e.name)
	}
	n, err := e.r.tr.Read(p)
	e.h.Write(p[:n])
	if err != nil && err != io.EOF {
		err = mapTarErr(err, fmt.Sprintf("read %q", e.name))
	}
	return n, err
}

// mapTarErr maps archive/tar's errors to this package's sentinels.
func mapTarErr(err error, op string) error {
	switch {
	case err == io.EOF:
		return err
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %s: %v", ErrTruncated, op, err)
	case errors.Is(err, tar.ErrHeader):
		return fmt.Errorf("%w: %s: %v", ErrFormat, op, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

func typeName(t byte) string {
	switch t {
	case tar.TypeDir:
		return "directory"
	case tar.TypeSymlink:
		return "symbolic link"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar:
		return "character device"
	case tar.TypeBlock:
		return "block device"
	case tar.TypeFifo:
		return "fifo"
	case tar.TypeXGlobalHeader:
		return "PAX global header"
	case tar.TypeGNUSparse:
		return "sparse file"
	}
	return fmt.Sprintf("entry type %q", t)
}

const blockSize = 512

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
