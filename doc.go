// Package amber holds the vocabulary shared by every part of Amber: collection
// configuration, points and their ids, payloads, filters, snapshot descriptions
// and the error type whose codes the REST API maps to HTTP status.
//
// It imports nothing from the module. Behaviour lives in the subpackages:
// engine (storage and search), snapshot (the archive format and the snapshots
// folder), api (the Qdrant-compatible REST server) and cmd/amber (the binary).
package amber
