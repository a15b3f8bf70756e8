package engine

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/amberdb/amber"
)

// UpdateAliases applies alias actions in order, all or nothing.
func (db *DB) UpdateAliases(actions []amber.AliasAction) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	next := make(map[string]string, len(db.aliases))
	for a, c := range db.aliases {
		next[a] = c
	}
	for _, act := range actions {
		switch {
		case act.Create != nil:
			a := act.Create
			if err := ValidateName(a.AliasName); err != nil {
				return err
			}
			if _, ok := db.cols[a.CollectionName]; !ok {
				return amber.Errorf(amber.ENotFound, "Not found: Collection `%s` doesn't exist!", a.CollectionName)
			}
			if _, ok := db.cols[a.AliasName]; ok {
				return amber.Errorf(amber.EConflict, "Wrong input: Collection `%s` already exists!", a.AliasName)
			}
			next[a.AliasName] = a.CollectionName
		case act.Delete != nil:
			if _, ok := next[act.Delete.AliasName]; !ok {
				return amber.Errorf(amber.ENotFound, "Not found: Alias `%s` doesn't exist!", act.Delete.AliasName)
			}
			delete(next, act.Delete.AliasName)
		case act.Rename != nil:
			r := act.Rename
			target, ok := next[r.OldAliasName]
			if !ok {
				return amber.Errorf(amber.ENotFound, "Not found: Alias `%s` doesn't exist!", r.OldAliasName)
			}
			if err := ValidateName(r.NewAliasName); err != nil {
				return err
			}
			delete(next, r.OldAliasName)
			next[r.NewAliasName] = target
		default:
			return amber.Errorf(amber.EInvalid, "Wrong input: alias action must be one of create_alias, delete_alias, rename_alias")
		}
	}
	prev := db.aliases
	db.aliases = next
	if err := db.saveAliasesLocked(); err != nil {
		db.aliases = prev
		return err
	}
	return nil
}

func (db *DB) saveAliasesLocked() error { return writeJSONFile(db.path(aliasesFile), db.aliases) }

// Aliases returns every alias, or only those of one collection when
// collection is not empty, sorted by alias name.
func (db *DB) Aliases(collection string) []amber.Alias {
	db.mu.RLock()
	defer db.mu.RUnlock()
	out := []amber.Alias{}
	for a, c := range db.aliases {
		if collection == "" || c == collection {
			out = append(out, amber.Alias{AliasName: a, CollectionName: c})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AliasName < out[j].AliasName })
	return out
}

// SetAliases replaces the aliases pointing at collections that exist with
// the given map (a full snapshot's aliases), keeping aliases it does not
// name.
func (db *DB) SetAliases(aliases map[string]string) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	for a, c := range aliases {
		if _, ok := db.cols[c]; ok {
			if _, clash := db.cols[a]; !clash {
				db.aliases[a] = c
			}
		}
	}
	return db.saveAliasesLocked()
}

// AliasMap returns a copy of every alias and its collection.
func (db *DB) AliasMap() map[string]string {
	db.mu.RLock()
	defer db.mu.RUnlock()
	out := make(map[string]string, len(db.aliases))
	for a, c := range db.aliases {
		out[a] = c
	}
	return out
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
