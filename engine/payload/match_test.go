package payload

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/amberdb/amber"
	"github.com/google/uuid"
)

// filterOf decodes a filter as the API does, with numbers as json.Number.
func filterOf(t testing.TB, s string) *amber.Filter {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var f amber.Filter
	if err := d.Decode(&f); err != nil {
		t.Fatalf("decode filter %s: %v", s, err)
	}
	return &f
}

// matchCase is one row of the Match tables: a filter, a payload and the
// expected answer for point id 1 (or id, when set).
type matchCase struct {
	name, filter, payload string
	id                    *amber.PointID
	want                  bool
}

func runMatchCases(t *testing.T, tests []matchCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filterOf(t, tt.filter)
			if err := Validate(f); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			id := amber.NumID(1)
			if tt.id != nil {
				id = *tt.id
			}
			if got := Match(f, id, payloadOf(t, tt.payload)); got != tt.want {
				t.Fatalf("Match(%s) on %s = %v, want %v", tt.filter, tt.payload, got, tt.want)
			}
		})
	}
}

const london = `{"city": "London", "color": "red", "count": 5, "price": 9.5,
	"tags": ["a", "b"], "nums": [1, 2, 3], "flag": true, "nothing": null, "none": [],
	"obj": {}, "nulls": [null], "text": "cheap and good food"}`

func TestMatch_Clauses(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"EmptyFilter", `{}`, london, nil, true},
		{"EmptyFilterEmptyPayload", `{}`, `{}`, nil, true},
		{"MustAll", `{"must": [{"key": "city", "match": {"value": "London"}}, {"key": "color", "match": {"value": "red"}}]}`, london, nil, true},
		{"MustOneFails", `{"must": [{"key": "city", "match": {"value": "London"}}, {"key": "color", "match": {"value": "blue"}}]}`, london, nil, false},
		{"ShouldOne", `{"should": [{"key": "city", "match": {"value": "Berlin"}}, {"key": "color", "match": {"value": "red"}}]}`, london, nil, true},
		{"ShouldNone", `{"should": [{"key": "city", "match": {"value": "Berlin"}}, {"key": "color", "match": {"value": "blue"}}]}`, london, nil, false},
		{"EmptyShouldIsNoConstraint", `{"should": []}`, london, nil, true},
		{"MustNotExcludes", `{"must_not": [{"key": "color", "match": {"value": "red"}}]}`, london, nil, false},
		{"MustNotMissingFieldKeeps", `{"must_not": [{"key": "size", "match": {"value": "XL"}}]}`, london, nil, true},
		{"MustNotRangeMissingFieldKeeps", `{"must_not": [{"key": "size", "range": {"gt": 1}}]}`, london, nil, true},
		{"MustNotNoneHold", `{"must_not": [{"key": "color", "match": {"value": "blue"}}, {"key": "city", "match": {"value": "Paris"}}]}`, london, nil, true},
		{"MinShouldEnough", `{"min_should": {"min_count": 2, "conditions": [
			{"key": "city", "match": {"value": "London"}}, {"key": "color", "match": {"value": "blue"}}, {"key": "flag", "match": {"value": true}}]}}`, london, nil, true},
		{"MinShouldTooFew", `{"min_should": {"min_count": 2, "conditions": [
			{"key": "city", "match": {"value": "London"}}, {"key": "color", "match": {"value": "blue"}}, {"key": "flag", "match": {"value": false}}]}}`, london, nil, false},
		{"MinShouldMoreThanConditions", `{"min_should": {"min_count": 2, "conditions": [{"key": "city", "match": {"value": "London"}}]}}`, london, nil, false},
		{"MinShouldEmptyConditions", `{"min_should": {"min_count": 1, "conditions": []}}`, london, nil, false},
		{"MinShouldZero", `{"min_should": {"min_count": 0, "conditions": [{"key": "city", "match": {"value": "Paris"}}]}}`, london, nil, true},
		{"AllClauses", `{"must": [{"key": "city", "match": {"value": "London"}}], "should": [{"key": "count", "range": {"gte": 5}}],
			"must_not": [{"key": "color", "match": {"value": "blue"}}], "min_should": {"min_count": 1, "conditions": [{"key": "flag", "match": {"value": true}}]}}`, london, nil, true},
		{"EmbeddedFilter", `{"must": [{"should": [{"key": "city", "match": {"value": "Paris"}}, {"key": "city", "match": {"value": "London"}}]}]}`, london, nil, true},
		{"EmbeddedFilterFails", `{"must": [{"should": [{"key": "city", "match": {"value": "Paris"}}]}]}`, london, nil, false},
		{"MustNotEmbeddedFilter", `{"must_not": [{"must": [{"key": "city", "match": {"value": "London"}}, {"key": "color", "match": {"value": "red"}}]}]}`, london, nil, false},
		{"MustNotEmbeddedFilterPartial", `{"must_not": [{"must": [{"key": "city", "match": {"value": "London"}}, {"key": "color", "match": {"value": "blue"}}]}]}`, london, nil, true},
		{"EmbeddedEmptyFilter", `{"must": [{"must": []}]}`, london, nil, true},
	})
}

func TestMatch_Value(t *testing.T) {
	const big = `{"n": 9007199254740993, "neg": -42, "f": 5.0, "s": "5", "huge": 18446744073709551615}`
	runMatchCases(t, []matchCase{
		{"String", `{"must": [{"key": "city", "match": {"value": "London"}}]}`, london, nil, true},
		{"StringCaseSensitive", `{"must": [{"key": "city", "match": {"value": "london"}}]}`, london, nil, false},
		{"Integer", `{"must": [{"key": "count", "match": {"value": 5}}]}`, london, nil, true},
		{"IntegerOther", `{"must": [{"key": "count", "match": {"value": 6}}]}`, london, nil, false},
		{"Bool", `{"must": [{"key": "flag", "match": {"value": true}}]}`, london, nil, true},
		{"BoolOther", `{"must": [{"key": "flag", "match": {"value": false}}]}`, london, nil, false},
		{"ArrayElement", `{"must": [{"key": "tags", "match": {"value": "b"}}]}`, london, nil, true},
		{"ArrayNoElement", `{"must": [{"key": "tags", "match": {"value": "c"}}]}`, london, nil, false},
		{"IntegerArrayElement", `{"must": [{"key": "nums", "match": {"value": 3}}]}`, london, nil, true},
		{"Missing", `{"must": [{"key": "size", "match": {"value": "XL"}}]}`, london, nil, false},
		{"NullNeverMatches", `{"must": [{"key": "nothing", "match": {"value": ""}}]}`, london, nil, false},
		{"BigIntegerExact", `{"must": [{"key": "n", "match": {"value": 9007199254740993}}]}`, big, nil, true},
		{"BigIntegerNeighbour", `{"must": [{"key": "n", "match": {"value": 9007199254740992}}]}`, big, nil, false},
		{"NegativeInteger", `{"must": [{"key": "neg", "match": {"value": -42}}]}`, big, nil, true},
		{"FloatIsNotInteger", `{"must": [{"key": "f", "match": {"value": 5}}]}`, big, nil, false},
		{"StringIsNotInteger", `{"must": [{"key": "s", "match": {"value": 5}}]}`, big, nil, false},
		{"IntegerIsNotString", `{"must": [{"key": "count", "match": {"value": "5"}}]}`, london, nil, false},
		{"BeyondInt64NeverMatches", `{"must": [{"key": "huge", "match": {"value": -1}}]}`, big, nil, false},
		{"BoolIsNotInteger", `{"must": [{"key": "flag", "match": {"value": 1}}]}`, london, nil, false},
	})
}

func TestMatch_AnyExcept(t *testing.T) {
	const mixed = `{"b": true, "o": {"x": 1}, "f": 5.5, "i": 7, "s": "seven", "nested": [["a"]], "mix": ["a", null]}`
	runMatchCases(t, []matchCase{
		{"AnyString", `{"must": [{"key": "color", "match": {"any": ["blue", "red"]}}]}`, london, nil, true},
		{"AnyStringNone", `{"must": [{"key": "color", "match": {"any": ["blue", "green"]}}]}`, london, nil, false},
		{"AnyArrayField", `{"must": [{"key": "tags", "match": {"any": ["x", "b"]}}]}`, london, nil, true},
		{"AnyIntegers", `{"must": [{"key": "nums", "match": {"any": [9, 2]}}]}`, london, nil, true},
		{"AnyEmptyMatchesNothing", `{"must": [{"key": "color", "match": {"any": []}}]}`, london, nil, false},
		{"AnyMissing", `{"must": [{"key": "size", "match": {"any": ["XL"]}}]}`, london, nil, false},
		{"ExceptListed", `{"must": [{"key": "color", "match": {"except": ["red", "blue"]}}]}`, london, nil, false},
		{"ExceptNotListed", `{"must": [{"key": "color", "match": {"except": ["blue"]}}]}`, london, nil, true},
		{"ExceptMissingKey", `{"must": [{"key": "size", "match": {"except": ["XL"]}}]}`, london, nil, false},
		{"ExceptNull", `{"must": [{"key": "nothing", "match": {"except": ["XL"]}}]}`, london, nil, false},
		{"ExceptEmptyArrayField", `{"must": [{"key": "none", "match": {"except": ["XL"]}}]}`, london, nil, false},
		{"ExceptArrayOneOutside", `{"must": [{"key": "tags", "match": {"except": ["a"]}}]}`, london, nil, true},
		{"ExceptArrayAllInside", `{"must": [{"key": "tags", "match": {"except": ["a", "b"]}}]}`, london, nil, false},
		{"ExceptArrayWithNull", `{"must": [{"key": "mix", "match": {"except": ["a"]}}]}`, mixed, nil, false},
		{"ExceptEmptyList", `{"must": [{"key": "color", "match": {"except": []}}]}`, london, nil, true},
		{"ExceptIntegers", `{"must": [{"key": "i", "match": {"except": [7]}}]}`, mixed, nil, false},
		{"ExceptIntegersOther", `{"must": [{"key": "i", "match": {"except": [8]}}]}`, mixed, nil, true},
		{"ExceptFloatAgainstIntegers", `{"must": [{"key": "f", "match": {"except": [5]}}]}`, mixed, nil, true},
		{"ExceptStringAgainstIntegers", `{"must": [{"key": "s", "match": {"except": [7]}}]}`, mixed, nil, true},
		{"ExceptIntegerAgainstStrings", `{"must": [{"key": "i", "match": {"except": ["7"]}}]}`, mixed, nil, true},
		{"ExceptBool", `{"must": [{"key": "b", "match": {"except": ["x"]}}]}`, mixed, nil, true},
		{"ExceptObject", `{"must": [{"key": "o", "match": {"except": ["x"]}}]}`, mixed, nil, true},
		{"ExceptArrayInArray", `{"must": [{"key": "nested", "match": {"except": ["a"]}}]}`, mixed, nil, true},
		{"MustNotExceptMissing", `{"must_not": [{"key": "size", "match": {"except": ["XL"]}}]}`, london, nil, true},
	})
}

func TestMatch_Text(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"Substring", `{"must": [{"key": "text", "match": {"text": "and go"}}]}`, london, nil, true},
		{"WordsOutOfOrder", `{"must": [{"key": "text", "match": {"text": "good cheap"}}]}`, london, nil, false},
		{"Phrase", `{"must": [{"key": "text", "match": {"phrase": "good food"}}]}`, london, nil, true},
		{"PhraseMissing", `{"must": [{"key": "text", "match": {"phrase": "bad food"}}]}`, london, nil, false},
		{"ArrayElements", `{"must": [{"key": "tags", "match": {"text": "b"}}]}`, london, nil, true},
		{"NotAString", `{"must": [{"key": "count", "match": {"text": "5"}}]}`, london, nil, false},
	})
}

func TestMatch_HasID(t *testing.T) {
	u := uuid.MustParse("550e8400-e29b-41d4-a716-446655440000")
	uid, big := amber.UUIDID(u), amber.NumID(18446744073709551615)
	runMatchCases(t, []matchCase{
		{"Listed", `{"must": [{"has_id": [1, 3, 5]}]}`, `{}`, nil, true},
		{"NotListed", `{"must": [{"has_id": [2, 3]}]}`, `{}`, nil, false},
		{"Empty", `{"must": [{"has_id": []}]}`, `{}`, nil, false},
		{"UUID", `{"must": [{"has_id": [7, "550e8400-e29b-41d4-a716-446655440000"]}]}`, `{}`, &uid, true},
		{"UUIDNotNumber", `{"must": [{"has_id": [1]}]}`, `{}`, &uid, false},
		{"LargestInteger", `{"must": [{"has_id": [18446744073709551615]}]}`, `{}`, &big, true},
		{"MustNot", `{"must_not": [{"has_id": [1]}]}`, `{}`, nil, false},
	})
}
