package payload

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/amberdb/amber"
)

// gen makes random payloads and filters over a small vocabulary, so that
// conditions hit often and values of every type (right and wrong for each
// index) appear.
type gen struct{ r *rand.Rand }

var (
	genWords = []string{"a", "b", "c", "d"}
	genUUIDs = []string{"550e8400-e29b-41d4-a716-446655440000", "550E8400-E29B-41D4-A716-446655440000",
		"{550e8400-e29b-41d4-a716-446655440001}", "550e8400e29b41d4a716446655440002", "not-a-uuid"}
	genTimes = []string{"2024-01-01T10:00:00+02:00", "2024-01-01T08:00:00Z", "2024-01-01 08:30:00",
		"2024-01-02", "2023-12-31T23:59:59.5-01:00", "junk"}
	genFields = map[string]amber.PayloadSchemaType{
		"kw": amber.SchemaKeyword, "n": amber.SchemaInteger, "f": amber.SchemaFloat, "b": amber.SchemaBool,
		"u": amber.SchemaUUID, "t": amber.SchemaDatetime, "txt": amber.SchemaText,
		"obj.k": amber.SchemaKeyword, "list[].v": amber.SchemaInteger, "list.v": amber.SchemaFloat,
	}
	genKeys = []string{"kw", "n", "f", "b", "u", "t", "txt", "obj.k", "list[].v", "list.v", "missing"}
)

func (g gen) pick(options ...any) any { return options[g.r.IntN(len(options))] }

// scalar returns any kind of JSON scalar, biased towards small values.
func (g gen) scalar() any {
	switch g.r.IntN(9) {
	case 0:
		return genWords[g.r.IntN(len(genWords))]
	case 1, 2:
		return json.Number(fmt.Sprint(g.r.IntN(11) - 5))
	case 3:
		return json.Number(fmt.Sprintf("%d.5", g.r.IntN(6)))
	case 4:
		return g.r.IntN(2) == 0
	case 5:
		return genUUIDs[g.r.IntN(len(genUUIDs))]
	case 6:
		return genTimes[g.r.IntN(len(genTimes))]
	case 7:
		return g.pick(nil, json.Number("9007199254740993"), json.Number("1e2"), "3")
	}
	return fmt.Sprint(g.r.IntN(4))
}

// value returns a scalar, an array of scalars, or nothing (ok=false).
func (g gen) value() (any, bool) {
	switch g.r.IntN(6) {
	case 0:
		return nil, false
	case 1:
		n := g.r.IntN(4)
		a := make([]any, n)
		for i := range a {
			a[i] = g.scalar()
		}
		return a, true
	}
	return g.scalar(), true
}

func (g gen) payload() amber.Payload {
	p := amber.Payload{}
	for _, k := range []string{"kw", "n", "f", "b", "u", "t", "txt"} {
		if v, ok := g.value(); ok {
			p[k] = v
		}
	}
	if v, ok := g.value(); ok {
		p["obj"] = g.pick(amber.Payload{"k": v}, []any{map[string]any{"k": v}, map[string]any{"k": g.scalar()}}, v)
	}
	if g.r.IntN(4) > 0 {
		list := make([]any, g.r.IntN(4))
		for i := range list {
			v, _ := g.value()
			list[i] = map[string]any{"v": v, "w": g.scalar()}
		}
		p["list"] = list
	}
	return p
}

// matchValue returns a valid match value: string, integer or bool.
func (g gen) matchValue() any {
	for {
		v := g.scalar()
		if validateValue(v, "") == nil {
			return v
		}
	}
}

// list returns a valid any/except list: all strings or all integers.
func (g gen) list() []any {
	n := g.r.IntN(4)
	out := make([]any, n)
	ints := g.r.IntN(2) == 0
	for i := range out {
		if ints {
			out[i] = json.Number(fmt.Sprint(g.r.IntN(11) - 5))
		} else {
			out[i] = g.pick(genWords[g.r.IntN(len(genWords))], genUUIDs[g.r.IntN(len(genUUIDs))]).(string)
		}
	}
	return out
}

func (g gen) bound(times bool) *amber.Bound {
	if g.r.IntN(2) == 0 {
		return nil
	}
	if times {
		t, _ := amber.ParseTime(genTimes[g.r.IntN(len(genTimes)-1)])
		return &amber.Bound{Time: t, IsTime: true}
	}
	return &amber.Bound{Num: float64(g.r.IntN(13)-6) / 2}
}

func (g gen) condition(depth int) amber.Condition {
	key := genKeys[g.r.IntN(len(genKeys))]
	switch g.r.IntN(14) {
	case 0, 1, 2:
		return amber.Condition{Key: key, Match: &amber.Match{Value: g.matchValue()}}
	case 3, 4:
		return amber.Condition{Key: key, Match: &amber.Match{Any: g.list()}}
	case 5:
		return amber.Condition{Key: key, Match: &amber.Match{Except: g.list()}}
	case 6:
		return amber.Condition{Key: key, Match: &amber.Match{Text: genWords[g.r.IntN(len(genWords))]}}
	case 7, 8:
		times := g.r.IntN(2) == 0
		return amber.Condition{Key: key, Range: &amber.Range{Gt: g.bound(times), Gte: g.bound(times), Lt: g.bound(times), Lte: g.bound(times)}}
	case 9:
		n := g.r.IntN(3)
		return amber.Condition{Key: key, ValuesCount: &amber.ValuesCount{Gte: &n}}
	case 10:
		return g.pick(amber.Condition{IsEmpty: &amber.KeyRef{Key: key}}, amber.Condition{IsNull: &amber.KeyRef{Key: key}}).(amber.Condition)
	case 11:
		return amber.Condition{HasID: []amber.PointID{amber.NumID(uint64(g.r.IntN(2000))), amber.NumID(uint64(g.r.IntN(2000)))}}
	case 12:
		return amber.Condition{Nested: &amber.Nested{Key: "list", Filter: amber.Filter{Must: []amber.Condition{
			{Key: "v", Match: &amber.Match{Value: g.matchValue()}}}}}}
	}
	if depth > 1 {
		return amber.Condition{Key: "kw", Match: &amber.Match{Value: "a"}}
	}
	f := g.filter(depth + 1)
	return amber.Condition{Filter: &f}
}

func (g gen) conditions(depth, max int) []amber.Condition {
	out := make([]amber.Condition, g.r.IntN(max+1))
	for i := range out {
		out[i] = g.condition(depth)
	}
	return out
}

func (g gen) filter(depth int) amber.Filter {
	f := amber.Filter{Must: g.conditions(depth, 3)}
	if g.r.IntN(3) == 0 {
		f.Should = g.conditions(depth, 2)
	}
	if g.r.IntN(4) == 0 {
		f.MustNot = g.conditions(depth, 2)
	}
	if g.r.IntN(6) == 0 {
		f.MinShould = &amber.MinShould{Conditions: g.conditions(depth, 3), MinCount: g.r.IntN(3)}
	}
	return f
}

// TestIndexes_CandidatesSuperset checks, on random data, that Candidates
// never misses a point that Match accepts, before and after updates.
func TestIndexes_CandidatesSuperset(t *testing.T) {
	g := gen{r: rand.New(rand.NewPCG(1, 2))}
	const nPoints, nFilters = 2000, 200
	ps := make(points, nPoints)
	for i := range ps {
		ps[i] = g.payload()
	}
	alive := make([]bool, nPoints)
	ix := NewIndexes()
	for i := range ps {
		alive[i] = true
		if i == nPoints/2 {
			// Half the indexes are built from existing points, half as points arrive.
			for f, typ := range genFields {
				if err := ix.Create(f, typ, ps[:i].all); err != nil {
					t.Fatal(err)
				}
			}
		}
		if i >= nPoints/2 {
			ix.Add(uint32(i), ps[i])
		}
	}
	filters := make([]amber.Filter, nFilters)
	for i := range filters {
		filters[i] = g.filter(0)
		if err := Validate(&filters[i]); err != nil {
			t.Fatalf("generated an invalid filter: %v", err)
		}
	}

	// Single conditions that an index answers exactly: candidates must then
	// equal the matches, which catches stale entries too.
	var exact []amber.Filter
	for range 40 {
		var c amber.Condition
		switch g.r.IntN(5) {
		case 0:
			c = amber.Condition{Key: g.pick("kw", "obj.k").(string), Match: &amber.Match{Any: []any{g.pick("a", "b").(string), "c"}}}
		case 1:
			c = amber.Condition{Key: "b", Match: &amber.Match{Value: g.r.IntN(2) == 0}}
		case 2:
			c = amber.Condition{Key: g.pick("n", "list[].v").(string), Match: &amber.Match{Value: json.Number(fmt.Sprint(g.r.IntN(11) - 5))}}
		case 3:
			c = amber.Condition{Key: g.pick("n", "f", "list.v").(string), Range: &amber.Range{Gte: g.bound(false), Lt: g.bound(false)}}
		default:
			r := &amber.Range{Gt: g.bound(true), Lte: g.bound(true)}
			if r.Gt == nil && r.Lte == nil {
				r.Gte = &amber.Bound{Time: time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC), IsTime: true}
			}
			c = amber.Condition{Key: "t", Range: r}
		}
		exact = append(exact, amber.Filter{Must: []amber.Condition{c}})
	}

	used, matched := 0, 0
	check := func(round string) {
		t.Helper()
		for fi := range exact {
			cand, ok := ix.Candidates(&exact[fi])
			var want []uint32
			for i := range ps {
				if alive[i] && Match(&exact[fi], amber.NumID(uint64(i)), ps[i]) {
					want = append(want, uint32(i))
				}
			}
			if !ok || !slices.Equal(cand, want) {
				b, _ := json.Marshal(exact[fi])
				t.Fatalf("%s: Candidates(%s) = %v (ok=%v), want exactly %v", round, b, cand, ok, want)
			}
		}
		for fi := range filters {
			f := &filters[fi]
			cand, ok := ix.Candidates(f)
			if !ok {
				continue
			}
			used++
			if !slices.IsSorted(cand) || len(slices.Compact(slices.Clone(cand))) != len(cand) {
				t.Fatalf("%s: filter %d: candidates not sorted and unique: %v", round, fi, cand)
			}
			for i := range ps {
				if !alive[i] || !Match(f, amber.NumID(uint64(i)), ps[i]) {
					continue
				}
				matched++
				if _, found := slices.BinarySearch(cand, uint32(i)); !found {
					b, _ := json.Marshal(f)
					pb, _ := json.Marshal(ps[i])
					t.Fatalf("%s: filter %d %s matches slot %d %s, which Candidates missed", round, fi, b, i, pb)
				}
			}
		}
	}
	check("built")

	// Updates: change, delete and re-add points, checking between batches so
	// that the sorted indexes are queried with pending adds and tombstones.
	for round := range 4 {
		for range 250 {
			i := g.r.IntN(nPoints)
			switch {
			case !alive[i]:
				ps[i] = g.payload()
				ix.Add(uint32(i), ps[i])
				alive[i] = true
			case g.r.IntN(3) == 0:
				ix.Remove(uint32(i), ps[i])
				alive[i] = false
			default:
				ix.Remove(uint32(i), ps[i])
				ps[i] = g.payload()
				ix.Add(uint32(i), ps[i])
			}
		}
		check(fmt.Sprintf("after update round %d", round))
	}
	if used < nFilters || matched == 0 {
		t.Fatalf("the test exercised too little: %d indexed filter checks, %d matches", used, matched)
	}
	t.Logf("%d indexed filter checks, %d matching points checked", used, matched)

	// The schema agrees with a recount from scratch.
	fresh := NewIndexes()
	for f, typ := range genFields {
		if err := fresh.Create(f, typ, func(yield func(uint32, amber.Payload) bool) {
			for i := range ps {
				if alive[i] && !yield(uint32(i), ps[i]) {
					return
				}
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := ix.Schema(), fresh.Schema(); !equalSchemas(got, want) {
		t.Fatalf("Schema after updates = %v, rebuilt = %v", got, want)
	}
}

func equalSchemas(a, b map[string]amber.PayloadIndexInfo) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestIntersect(t *testing.T) {
	tests := []struct {
		name       string
		a, b, want []uint32
	}{
		{"Nil", nil, []uint32{1}, []uint32{}},
		{"Some", []uint32{1, 3, 5, 7}, []uint32{2, 3, 4, 7, 9}, []uint32{3, 7}},
		{"Same", []uint32{1, 2}, []uint32{1, 2}, []uint32{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := intersect(tt.a, tt.b); !slices.Equal(got, tt.want) {
				t.Fatalf("intersect = %v, want %v", got, tt.want)
			}
		})
	}
}
