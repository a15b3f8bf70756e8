// Package metrics names every Prometheus series Amber exports. Other
// packages expose plain Stats structs; this package reads them at scrape time
// and turns them into amber_<subsystem>_<name>_<unit> series with bounded
// labels, registered on an injected Registerer (never a global one).
package metrics
