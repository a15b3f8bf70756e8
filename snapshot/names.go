package snapshot

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Name limits, in bytes. They match common filesystem limits (PATH_MAX and
// NAME_MAX on Linux), so a name accepted here can be extracted.
const (
	maxNameLen    = 4096
	maxElementLen = 255
)

// checkName reports why name is not an acceptable entry name, or nil. An
// entry name is a relative slash path of non-empty elements other than "."
// and "..", in valid UTF-8 without control characters or backslashes.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("empty name")
	case len(name) > maxNameLen:
		return errors.New("name too long")
	case !utf8.ValidString(name):
		return errors.New("name is not valid UTF-8")
	case strings.HasPrefix(name, "/"):
		return errors.New("absolute path")
	case strings.ContainsRune(name, '\\'):
		return errors.New("backslash in name")
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f {
			if c == 0 {
				return errors.New("NUL in name")
			}
			return errors.New("control character in name")
		}
	}
	for elem := range strings.SplitSeq(name, "/") {
		switch {
		case elem == "":
			return errors.New("empty path element")
		case elem == "." || elem == "..":
			return errors.New(`"." or ".." path element`)
		case len(elem) > maxElementLen:
			return errors.New("path element too long")
		}
	}
	return nil
}

// pathSet records the entry names of one archive and refuses duplicates and
// file/directory conflicts ("a" and "a/b"), which could not both be
// extracted.
type pathSet struct {
	files map[string]struct{}
	dirs  map[string]struct{}
}

func newPathSet() *pathSet {
	return &pathSet{files: map[string]struct{}{}, dirs: map[string]struct{}{}}
}

// add records name, which checkName has accepted.
func (p *pathSet) add(name string) error {
	if _, ok := p.files[name]; ok {
		return errors.New("duplicate name")
	}
	if _, ok := p.dirs[name]; ok {
		return errors.New("name is also a directory of an earlier entry")
	}
	for i := range len(name) {
		if name[i] != '/' {
			continue
		}
		if _, ok := p.files[name[:i]]; ok {
			return errors.New("a parent directory is an earlier file entry")
		}
	}
	for i := range len(name) {
		if name[i] == '/' {
			p.dirs[name[:i]] = struct{}{}
		}
	}
	p.files[name] = struct{}{}
	return nil
}
