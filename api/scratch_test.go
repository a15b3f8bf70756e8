package api_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestScratch(t *testing.T) {
	s := newServer(t, nil)
	seed(s)
	big := `{"points":[{"id":1,"vector":[1,0,0,0],"payload":{"s":"` + strings.Repeat("a", 40<<20) + `"}}]}`
	for _, chunked := range []bool{false, true} {
		var body io.Reader = bytes.NewReader([]byte(big))
		if chunked {
			body = io.MultiReader(strings.NewReader(big))
		}
		req, _ := http.NewRequest("PUT", s.url+"/collections/c/points", body)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Logf("chunked=%v err %v", chunked, err)
			continue
		}
		b, _ := io.ReadAll(res.Body)
		t.Logf("chunked=%v %d %s", chunked, res.StatusCode, b)
	}
	t.Log(s.ok("POST", "/collections/c/points/count", `{}`))
}
