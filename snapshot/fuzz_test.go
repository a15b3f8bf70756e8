package snapshot

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the Reader: it must never panic, must
// stay within its limits, and anything it accepts must be consistent.
func FuzzReader(f *testing.F) {
	valid := goodArchive(f)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte{})
	for _, tc := range hostileArchives(f) {
		f.Add(tc.data)
	}
	lim := Limits{MaxEntrySize: 1 << 20, MaxEntries: 64, MaxHeaderBytes: 1 << 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), lim)
		var names []string
		for {
			name, size, body, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				if _, merr := r.Manifest(); merr == nil {
					t.Fatal("Manifest succeeded after an error")
				}
				return
			}
			if checkName(name) != nil || size < 0 || size > lim.MaxEntrySize {
				t.Fatalf("accepted entry %q of size %d", name, size)
			}
			n, err := io.Copy(io.Discard, body)
			if err != nil {
				if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrFormat) {
					t.Logf("body error: %v", err)
				}
				return
			}
			if n != size {
				t.Fatalf("entry %q: read %d bytes, header says %d", name, n, size)
			}
			names = append(names, name)
		}
		m, err := r.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Files) != len(names) || !m.Kind.Valid() {
			t.Fatalf("manifest %+v for entries %q", m, names)
		}
	})
}
