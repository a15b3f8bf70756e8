package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/amberdb/amber"
)

// access is what a route requires of the caller's key.
type access uint8

const (
	accessOpen   access = iota // no key needed: /, /healthz, /livez, /readyz
	accessRead                 // any valid key
	accessWrite                // the full key: point, payload and index writes
	accessManage               // the full key: collections, aliases, snapshots
)

// The plain-text 401 bodies and the 403 messages, as Qdrant words them.
const (
	msgNoKey      = "Must provide an API key or an Authorization bearer token"
	msgInvalidKey = "Invalid API key or JWT"
	msgNeedWrite  = "Forbidden: Write access is required"
	msgNeedManage = "Forbidden: Global manage access is required"
	headerAPIKey  = "api-key"
	bearerPrefix  = "bearer "
)

// grant is what a presented key allows.
type grant uint8

const (
	grantNone grant = iota
	grantReadOnly
	grantFull
)

// keyring holds the SHA-256 of each configured key, so that comparisons
// take the same time whatever the length or content of the presented key.
type keyring struct {
	enabled  bool
	full     [sha256.Size]byte
	readOnly [sha256.Size]byte
	hasFull  bool
	hasRead  bool
}

func newKeyring(apiKey, readOnlyKey string) keyring {
	k := keyring{enabled: apiKey != "" || readOnlyKey != ""}
	if apiKey != "" {
		k.full, k.hasFull = sha256.Sum256([]byte(apiKey)), true
	}
	if readOnlyKey != "" {
		k.readOnly, k.hasRead = sha256.Sum256([]byte(readOnlyKey)), true
	}
	return k
}

// grant returns what the presented key allows.
func (k keyring) grant(key string) grant {
	sum := sha256.Sum256([]byte(key))
	full := subtle.ConstantTimeCompare(sum[:], k.full[:]) == 1 && k.hasFull
	read := subtle.ConstantTimeCompare(sum[:], k.readOnly[:]) == 1 && k.hasRead
	switch {
	case full:
		return grantFull
	case read:
		return grantReadOnly
	}
	return grantNone
}

// presentedKey reads the api-key header, or else a bearer token.
func presentedKey(r *http.Request) (string, bool) {
	if k := r.Header.Get(headerAPIKey); k != "" {
		return k, true
	}
	h := r.Header.Get("Authorization")
	if len(h) > len(bearerPrefix) && strings.EqualFold(h[:len(bearerPrefix)], bearerPrefix) {
		return strings.TrimSpace(h[len(bearerPrefix):]), true
	}
	return "", false
}

// authorize checks the caller against need before the handler runs (and so
// before any body is read). It writes the refusal and returns false when the
// request may not go on.
func (s *server) authorize(w http.ResponseWriter, r *http.Request, need access) bool {
	if need == accessOpen || !s.keys.enabled {
		return true
	}
	key, ok := presentedKey(r)
	if !ok {
		stateOf(r).err = amber.Errorf(amber.EForbidden, "%s", msgNoKey)
		writeText(w, http.StatusUnauthorized, msgNoKey)
		return false
	}
	g := s.keys.grant(key)
	switch {
	case g == grantNone:
		stateOf(r).err = amber.Errorf(amber.EForbidden, "%s", msgInvalidKey)
		writeText(w, http.StatusUnauthorized, msgInvalidKey)
		return false
	case g == grantReadOnly && need == accessWrite:
		fail(w, r, amber.Errorf(amber.EForbidden, "%s", msgNeedWrite))
		return false
	case g == grantReadOnly && need == accessManage:
		fail(w, r, amber.Errorf(amber.EForbidden, "%s", msgNeedManage))
		return false
	}
	return true
}
