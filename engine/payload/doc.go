// Package payload evaluates Qdrant filters against point payloads, applies
// payload updates and keeps the payload indexes that narrow filtered scans.
//
// Everything here is in memory and does no I/O. Match, Validate, Values and
// the update functions are pure and safe for concurrent use. Indexes is not:
// the engine holds its own lock, exclusive for changes and shared for
// Candidates and Schema.
//
// # Paths
//
// A key is a path into the payload, in Qdrant's syntax:
//
//	country.name                 object fields, separated by dots
//	country.cities[].population  [] takes every element of an array
//	tags[0]                      [N] takes one element
//	"a.b".c                      a double-quoted segment may hold . [ ]
//
// Unquoted segments may hold any character except . [ ] and ", which is
// more lenient than Qdrant (letters, digits, _ and - only).
//
// Paths are strict, as in Qdrant 1.19: a field step applied to an array
// yields nothing, so arrays of objects are entered with []
// ("country.cities[].population"). A leaf array yields its elements (one
// level: an array inside an array stays an array). [] on a value that is not
// an array yields nothing. Reads (Values, every filter condition) and
// updates (Set, Delete) follow the same rule.
//
// # Filters
//
// Match follows Qdrant's server semantics (lib/segment condition_checker.rs
// and query_checker.rs), with these decisions:
//
//   - must: every condition holds. must_not: none holds. should: at least
//     one holds when the list is non-empty; an empty should list is no
//     constraint (Qdrant matches nothing for an explicit "should": [], see
//     qdrant#554; Amber cannot tell [] from an omitted list once a filter
//     has been re-encoded, so it treats both alike). min_should: at least
//     min_count conditions hold (min_count 0 always holds). An empty filter
//     matches everything; a condition holding a filter evaluates it.
//   - A field condition reads the values at its key. A missing key fails
//     every match and range condition, so must_not keeps such points.
//   - match value: string equals string, bool equals bool, an integer equals
//     a stored integer exactly (json.Number is compared as int64, so
//     9007199254740993 never equals 9007199254740992; 5.0 is not an
//     integer). Against an array, any element may match.
//   - match any: some value is in the list. An empty list matches nothing.
//   - match except: some value is not in the list. A missing key or a null
//     value does not satisfy it; a value of another type than the list
//     (a bool, an object, a float against integers) does.
//   - match text and phrase: substring of a string value. Amber has no
//     tokenizer, so a full-text index does not change this (Qdrant without a
//     full-text index does the same).
//   - range: numbers compare as float64. When the bounds are datetimes, only
//     string values that amber.ParseTime accepts are compared, as instants
//     (zones are honoured; a value without a zone is UTC). Any value in
//     range satisfies it.
//   - values_count: the number of values at the key, where an array counts
//     its elements, null counts 0 and a missing key counts 0 (as Qdrant
//     after qdrant#9607).
//   - is_empty: the key is missing, or every value is null or []. {} and
//     [null] are not empty.
//   - is_null: some value is exactly null. A missing key, [] and [null] are
//     not null.
//   - has_id: the point's id is in the list. Inside a nested filter has_id
//     never holds, as in Qdrant.
//   - nested: the key names an array of objects ("diet" or "diet[]"); the
//     condition holds when one element satisfies the whole inner filter,
//     whose keys are relative to the element.
//
// Validate rejects malformed filters with amber.EInvalid errors; Match
// assumes a validated filter and treats a malformed condition as false.
//
// # Indexes
//
// An index maps the values of one field to the slots of the points holding
// them. keyword, uuid, bool and integer keep a hash map from the normalised
// value to a slot set (uuid keys in canonical lower-case form); integer and
// float keep every numeric value in a sorted slice for ranges (an integer
// index keeps non-integer numbers there too, so ranges stay exact), and
// datetime keeps parsed instants the same way. The sorted slices take adds
// and removals in O(1) (pending entries and counted tombstones) and are
// rebuilt on the first range query after a change. A text index only counts
// points. Values of the wrong type for an index are skipped and do not count
// towards its points.
//
// Candidates never decides a match: it returns a superset of the slots that
// can match, and the caller runs Match on each.
//
// Only index definitions are persisted (Encode), as
//
//	{"schema":{"city":"keyword","price":"float"}}
//
// and the engine adds every point again after DecodeIndexes.
package payload
