package payload

import (
	"encoding/json"
	"testing"

	"github.com/amberdb/amber"
)

func TestMatch_Range(t *testing.T) {
	const country = `{"country": {"name": "Japan", "cities": [
		{"name": "Tokyo", "population": 9.3}, {"name": "Osaka", "population": 2.7}]}}`
	runMatchCases(t, []matchCase{
		{"Gte", `{"must": [{"key": "count", "range": {"gte": 5}}]}`, london, nil, true},
		{"Gt", `{"must": [{"key": "count", "range": {"gt": 5}}]}`, london, nil, false},
		{"Lt", `{"must": [{"key": "price", "range": {"lt": 9.5}}]}`, london, nil, false},
		{"Lte", `{"must": [{"key": "price", "range": {"lte": 9.5}}]}`, london, nil, true},
		{"Between", `{"must": [{"key": "price", "range": {"gt": 9, "lt": 10}}]}`, london, nil, true},
		{"NoBoundsAnyNumber", `{"must": [{"key": "price", "range": {}}]}`, london, nil, true},
		{"NoBoundsNotANumber", `{"must": [{"key": "city", "range": {}}]}`, london, nil, false},
		{"ArrayAnyInRange", `{"must": [{"key": "nums", "range": {"gt": 2.5}}]}`, london, nil, true},
		{"ArrayNoneInRange", `{"must": [{"key": "nums", "range": {"gt": 3}}]}`, london, nil, false},
		{"StringIsNotNumber", `{"must": [{"key": "s", "range": {"gte": 0}}]}`, `{"s": "5"}`, nil, false},
		{"Missing", `{"must": [{"key": "size", "range": {"gte": 0}}]}`, london, nil, false},
		{"BracketPath", `{"must": [{"key": "country.cities[].population", "range": {"gte": 9.0}}]}`, country, nil, true},
		{"FieldStepOnArrayNone", `{"must": [{"key": "country.cities.population", "range": {"gte": 9.0}}]}`, country, nil, false},
		{"BracketPath", `{"must": [{"key": "country.cities[].population", "range": {"gte": 9.0}}]}`, country, nil, true},
		{"BracketPathNone", `{"must": [{"key": "country.cities[].population", "range": {"gte": 10}}]}`, country, nil, false},
	})
}

func TestMatch_DatetimeRange(t *testing.T) {
	// 10:00+02:00 is 08:00Z; a value without a zone is UTC.
	const p = `{"zoned": "2024-01-01T10:00:00+02:00", "naive": "2024-01-01 08:30:00",
		"day": "2024-01-02", "many": ["junk", "2023-06-01T00:00:00Z"], "num": 1704096000, "bad": "yesterday"}`
	runMatchCases(t, []matchCase{
		{"ZoneConvertedBefore", `{"must": [{"key": "zoned", "range": {"lt": "2024-01-01T09:00:00Z"}}]}`, p, nil, true},
		{"ZoneConvertedNotAfter", `{"must": [{"key": "zoned", "range": {"gte": "2024-01-01T09:00:00Z"}}]}`, p, nil, false},
		{"ZoneExactGte", `{"must": [{"key": "zoned", "range": {"gte": "2024-01-01T08:00:00Z", "lte": "2024-01-01T08:00:00Z"}}]}`, p, nil, true},
		{"ZoneExactGt", `{"must": [{"key": "zoned", "range": {"gt": "2024-01-01T08:00:00Z"}}]}`, p, nil, false},
		{"BoundWithZone", `{"must": [{"key": "zoned", "range": {"gte": "2024-01-01T03:00:00-05:00"}}]}`, p, nil, true},
		{"NaiveIsUTC", `{"must": [{"key": "naive", "range": {"gt": "2024-01-01T08:00:00Z", "lt": "2024-01-01T09:00:00Z"}}]}`, p, nil, true},
		{"BareDate", `{"must": [{"key": "day", "range": {"gte": "2024-01-02T00:00:00Z", "lt": "2024-01-02T00:00:01Z"}}]}`, p, nil, true},
		{"ArraySkipsJunk", `{"must": [{"key": "many", "range": {"lt": "2024-01-01"}}]}`, p, nil, true},
		{"NumberIsNotDatetime", `{"must": [{"key": "num", "range": {"gt": "2000-01-01T00:00:00Z"}}]}`, p, nil, false},
		{"UnparsableString", `{"must": [{"key": "bad", "range": {"gt": "2000-01-01T00:00:00Z"}}]}`, p, nil, false},
	})
}

func TestMatch_ValuesCount(t *testing.T) {
	const p = `{"comments": ["Very good!", "Excellent"], "one": "x", "nothing": null, "none": [],
		"obj": {"a": 1}, "cities": [{"tags": ["a", "b"]}, {"tags": ["c"]}, {"tags": null}]}`
	runMatchCases(t, []matchCase{
		{"ArrayGt", `{"must": [{"key": "comments", "values_count": {"gt": 1}}]}`, p, nil, true},
		{"ArrayGtFails", `{"must": [{"key": "comments", "values_count": {"gt": 2}}]}`, p, nil, false},
		{"ArrayBetween", `{"must": [{"key": "comments", "values_count": {"gte": 2, "lte": 2}}]}`, p, nil, true},
		{"ScalarIsOne", `{"must": [{"key": "one", "values_count": {"gte": 1, "lt": 2}}]}`, p, nil, true},
		{"ObjectIsOne", `{"must": [{"key": "obj", "values_count": {"lte": 1, "gt": 0}}]}`, p, nil, true},
		{"NullIsZero", `{"must": [{"key": "nothing", "values_count": {"lt": 1}}]}`, p, nil, true},
		{"EmptyArrayIsZero", `{"must": [{"key": "none", "values_count": {"lte": 0}}]}`, p, nil, true},
		{"MissingIsZero", `{"must": [{"key": "zzz", "values_count": {"lt": 1}}]}`, p, nil, true},
		{"MissingNotOne", `{"must": [{"key": "zzz", "values_count": {"gte": 1}}]}`, p, nil, false},
		{"ThroughArraysAllCounted", `{"must": [{"key": "cities[].tags", "values_count": {"gte": 3, "lte": 3}}]}`, p, nil, true},
	})
}

func TestMatch_IsEmptyIsNull(t *testing.T) {
	const p = `{"nothing": null, "none": [], "obj": {}, "nulls": [null], "zero": 0, "blank": "",
		"f": false, "arr": [{"b": null}, {"b": 1}], "arr2": [{"b": 1}, {"b": 2}]}`
	tests := []struct {
		key            string
		empty, isNullV bool
	}{
		{"missing", true, false},
		{"nothing", true, true},
		{"none", true, false},
		{"obj", false, false},
		{"nulls", false, false},
		{"zero", false, false},
		{"blank", false, false},
		{"f", false, false},
		{"arr[].b", false, true},
		{"arr2[].b", false, false},
		{"arr[].c", true, false},
	}
	var cases []matchCase
	for _, tt := range tests {
		cases = append(cases,
			matchCase{"IsEmpty/" + tt.key, `{"must": [{"is_empty": {"key": "` + tt.key + `"}}]}`, p, nil, tt.empty},
			matchCase{"NotEmpty/" + tt.key, `{"must_not": [{"is_empty": {"key": "` + tt.key + `"}}]}`, p, nil, !tt.empty},
			matchCase{"IsNull/" + tt.key, `{"must": [{"is_null": {"key": "` + tt.key + `"}}]}`, p, nil, tt.isNullV},
		)
	}
	runMatchCases(t, cases)
}

func TestMatch_Nested(t *testing.T) {
	const trex = `{"dinosaur": "t-rex", "diet": [{"food": "leaves", "likes": false}, {"food": "meat", "likes": true}]}`
	const diplo = `{"dinosaur": "diplodocus", "diet": [{"food": "leaves", "likes": true}, {"food": "meat", "likes": false}]}`
	const meatLiked = `{"must": [{"nested": {"key": "diet", "filter": {"must": [
		{"key": "food", "match": {"value": "meat"}}, {"key": "likes", "match": {"value": true}}]}}}]}`
	const flat = `{"must": [{"key": "diet[].food", "match": {"value": "meat"}}, {"key": "diet[].likes", "match": {"value": true}}]}`
	runMatchCases(t, []matchCase{
		{"FlatMatchesBoth/trex", flat, trex, nil, true},
		{"FlatMatchesBoth/diplo", flat, diplo, nil, true},
		{"NestedPerElement/trex", meatLiked, trex, nil, true},
		{"NestedPerElement/diplo", meatLiked, diplo, nil, false},
		{"BracketKey", `{"must": [{"nested": {"key": "diet[]", "filter": {"must": [
			{"key": "food", "match": {"value": "meat"}}, {"key": "likes", "match": {"value": true}}]}}}]}`, diplo, nil, false},
		{"InnerMustNot", `{"must": [{"nested": {"key": "diet", "filter": {"must_not": [{"key": "likes", "match": {"value": true}}]}}}]}`, trex, nil, true},
		{"EveryElementExcluded", `{"must": [{"nested": {"key": "diet", "filter": {"must_not": [{"key": "food", "match": {"any": ["meat", "leaves"]}}]}}}]}`, trex, nil, false},
		{"HasIDInsideNeverHolds", `{"must": [{"nested": {"key": "diet", "filter": {"must": [{"has_id": [1]}]}}}]}`, trex, nil, false},
		{"HasIDBeside", `{"must": [{"nested": {"key": "diet", "filter": {"must": [{"key": "food", "match": {"value": "meat"}}]}}}, {"has_id": [1]}]}`, trex, nil, true},
		{"ObjectIsNotArray", `{"must": [{"nested": {"key": "diet", "filter": {}}}]}`, `{"diet": {"food": "meat"}}`, nil, false},
		{"EmptyArray", `{"must": [{"nested": {"key": "diet", "filter": {}}}]}`, `{"diet": []}`, nil, false},
		{"EmptyInnerFilter", `{"must": [{"nested": {"key": "diet", "filter": {}}}]}`, trex, nil, true},
		{"Missing", `{"must_not": [{"nested": {"key": "diet", "filter": {}}}]}`, `{}`, nil, true},
		{"DeeperPath", `{"must": [{"nested": {"key": "zoo.animals", "filter": {"must": [{"nested": {"key": "diet",
			"filter": {"must": [{"key": "food", "match": {"value": "meat"}}, {"key": "likes", "match": {"value": true}}]}}}]}}}]}`,
			`{"zoo": {"animals": [` + diplo + `, ` + trex + `]}}`, nil, true},
	})
}

func TestMatch_NilFilter(t *testing.T) {
	if !Match(nil, amber.NumID(1), nil) {
		t.Fatal("Match(nil) = false, want true")
	}
}

func TestMatch_Programmatic(t *testing.T) {
	// Values built in Go rather than decoded: ints, floats and int64s.
	p := amber.Payload{"n": json.Number("9007199254740993"), "k": int64(4), "f": 2.5}
	tests := []struct {
		name string
		c    amber.Condition
		want bool
	}{
		{"Int64Value", amber.Condition{Key: "n", Match: &amber.Match{Value: int64(9007199254740993)}}, true},
		{"Uint64Value", amber.Condition{Key: "n", Match: &amber.Match{Value: uint64(9007199254740993)}}, true},
		{"IntAgainstGoInt", amber.Condition{Key: "k", Match: &amber.Match{Value: 4}}, true},
		{"WholeFloatValue", amber.Condition{Key: "k", Match: &amber.Match{Value: 4.0}}, true},
		{"FloatRange", amber.Condition{Key: "f", Range: &amber.Range{Gt: &amber.Bound{Num: 2}}}, true},
		{"MalformedNoForm", amber.Condition{}, false},
		{"MalformedTwoForms", amber.Condition{Key: "k", Match: &amber.Match{Value: 4}, IsNull: &amber.KeyRef{Key: "k"}}, false},
		{"MalformedKey", amber.Condition{Key: "k..", Match: &amber.Match{Value: 4}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &amber.Filter{Must: []amber.Condition{tt.c}}
			if got := Match(f, amber.NumID(1), p); got != tt.want {
				t.Fatalf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}
