package payload

import (
	"strings"
	"testing"

	"github.com/amberdb/amber"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name, filter string
		wantErr      string // substring of the message; "" means valid
	}{
		{"Empty", `{}`, ""},
		{"AllForms", `{"must": [{"key": "a", "match": {"value": "x"}}, {"key": "a", "match": {"any": [1, 2]}},
			{"key": "a", "match": {"except": []}}, {"key": "a", "match": {"text": "x"}}, {"key": "a", "match": {"phrase": "x"}},
			{"key": "a", "range": {"gt": 1, "lt": 2.5}}, {"key": "a", "range": {"gte": "2024-01-01T00:00:00Z"}},
			{"key": "a", "values_count": {"gt": 0}}, {"is_empty": {"key": "a"}}, {"is_null": {"key": "a.b[]"}},
			{"has_id": []}, {"nested": {"key": "d", "filter": {"must": [{"key": "x", "match": {"value": true}}]}}},
			{"should": [{"key": "a", "match": {"value": -3}}]}],
			"min_should": {"min_count": 1, "conditions": [{"key": "b", "match": {"value": 9007199254740993}}]}}`, ""},
		{"NoForm", `{"must": [{}]}`, "filter.must[0]: empty condition"},
		{"TwoForms", `{"should": [{"key": "a", "match": {"value": 1}, "is_empty": {"key": "a"}}]}`, "filter.should[0]: a condition must be exactly one"},
		{"FieldWithoutKey", `{"must": [{"match": {"value": 1}}]}`, "filter.must[0]: field condition requires a key"},
		{"KeyOnly", `{"must": [{"key": "a"}]}`, "requires match, range or values_count"},
		{"MatchAndRange", `{"must": [{"key": "a", "match": {"value": 1}, "range": {"gt": 1}}]}`, "only one of match, range or values_count"},
		{"MatchEmpty", `{"must": [{"key": "a", "match": {}}]}`, "filter.must[0].match: requires a non-null value"},
		{"MatchNull", `{"must": [{"key": "a", "match": {"value": null}}]}`, "requires a non-null value"},
		{"MatchTwoKinds", `{"must": [{"key": "a", "match": {"value": 1, "any": [1]}}]}`, "only one of value, any, except"},
		{"MatchFloat", `{"must": [{"key": "a", "match": {"value": 1.5}}]}`, "match.value: 1.5 is not an integer"},
		{"MatchTooBig", `{"must": [{"key": "a", "match": {"value": 9223372036854775808}}]}`, "not an integer in the 64-bit signed range"},
		{"MatchObject", `{"must": [{"key": "a", "match": {"value": {"x": 1}}}]}`, "must be a string, an integer or a boolean"},
		{"AnyMixed", `{"must": [{"key": "a", "match": {"any": ["x", 1]}}]}`, "match.any: must be all strings or all integers"},
		{"ExceptBools", `{"must": [{"key": "a", "match": {"except": [true]}}]}`, "match.except: must be all strings or all integers"},
		{"RangeMixed", `{"must": [{"key": "a", "range": {"gt": 1, "lt": "2024-01-01"}}]}`, "bounds must be all numbers or all datetimes"},
		{"ValuesCountNegative", `{"must": [{"key": "a", "values_count": {"gt": -1}}]}`, "must not be negative"},
		{"BadKey", `{"must": [{"key": "a..b", "match": {"value": 1}}]}`, `filter.must[0].key: invalid key "a..b"`},
		{"IsEmptyNoKey", `{"must": [{"is_empty": {"key": ""}}]}`, "is_empty.key: key must not be empty"},
		{"IsNullBadKey", `{"must_not": [{"is_null": {"key": "a["}}]}`, "filter.must_not[0].is_null.key: invalid key"},
		{"NestedBadKey", `{"must": [{"nested": {"key": "", "filter": {}}}]}`, "nested.key: key must not be empty"},
		{"NestedInnerBad", `{"must": [{"nested": {"key": "d", "filter": {"must": [{"key": "x"}]}}}]}`, "filter.must[0].nested.filter.must[0]"},
		{"EmbeddedInnerBad", `{"must_not": [{"should": [{}]}]}`, "filter.must_not[0].should[0]: empty condition"},
		{"MinShouldNegative", `{"min_should": {"min_count": -1, "conditions": []}}`, "min_count: must not be negative"},
		{"MinShouldInnerBad", `{"min_should": {"min_count": 1, "conditions": [{"key": "a"}]}}`, "filter.min_should.conditions[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(filterOf(t, tt.filter))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate = nil, want error containing %q", tt.wantErr)
			}
			msg := amber.ErrorMessage(err)
			if amber.ErrorCodeOf(err) != amber.EInvalid || !strings.HasPrefix(msg, "Wrong input: ") {
				t.Fatalf("Validate = %q (%s), want an EInvalid \"Wrong input: \" error", msg, amber.ErrorCodeOf(err))
			}
			if !strings.Contains(msg, tt.wantErr) {
				t.Fatalf("Validate = %q, want it to contain %q", msg, tt.wantErr)
			}
		})
	}
}

func TestValidate_Nil(t *testing.T) {
	if err := Validate(nil); err != nil {
		t.Fatalf("Validate(nil) = %v", err)
	}
}
