package api_test

import (
	"strings"
	"testing"
)

func TestServer_Collections(t *testing.T) {
	s := newServer(t, nil)
	t.Run("CreateEchoesConfig", func(t *testing.T) {
		s.t = t
		s.ok("PUT", "/collections/b?timeout=10", `{"vectors":{"size":4,"distance":"Cosine","on_disk":true},
			"shard_number":2,"replication_factor":3,"on_disk_payload":false,
			"hnsw_config":{"m":32,"full_scan_threshold":20},
			"optimizers_config":{"indexing_threshold":0},"wal_config":{"wal_capacity_mb":64},
			"metadata":{"owner":"team-a","big":18446744073709551615},"unknown_field":1}`)
		info := s.ok("GET", "/collections/b", nil).(map[string]any)
		cfg := info["config"].(map[string]any)
		for key, want := range map[string]string{
			"params":           `{"on_disk_payload":false,"replication_factor":3,"shard_number":2,"vectors":{"distance":"Cosine","on_disk":true,"size":4},"write_consistency_factor":1}`,
			"hnsw_config":      `{"ef_construct":100,"full_scan_threshold":20,"m":32,"max_indexing_threads":0,"on_disk":false}`,
			"optimizer_config": `{"default_segment_number":0,"deleted_threshold":0.2,"flush_interval_sec":5,"indexing_threshold":0,"max_optimization_threads":null,"max_segment_size":null,"memmap_threshold":null,"vacuum_min_vector_number":1000}`,
			"wal_config":       `{"wal_capacity_mb":64,"wal_retain_closed":1,"wal_segments_ahead":0}`,
			"metadata":         `{"big":18446744073709551615,"owner":"team-a"}`,
		} {
			if got := mustJSON(t, cfg[key]); got != want {
				t.Errorf("%s: %s, want %s", key, got, want)
			}
		}
		if v, ok := cfg["quantization_config"]; !ok || v != nil {
			t.Errorf("quantization_config: %v (present %v), want null", v, ok)
		}
		if got := mustJSON(t, info["payload_schema"]); got != `{}` {
			t.Errorf("payload_schema: %s", got)
		}
	})
	t.Run("Named", func(t *testing.T) {
		s.t = t
		s.ok("PUT", "/collections/a", `{"vectors":{"img":{"size":2,"distance":"Dot"},"txt":{"size":3,"distance":"Euclid"}}}`)
		cfg := s.ok("GET", "/collections/a", nil).(map[string]any)["config"].(map[string]any)
		if got := mustJSON(t, cfg["params"].(map[string]any)["vectors"]); got != `{"img":{"distance":"Dot","size":2},"txt":{"distance":"Euclid","size":3}}` {
			t.Errorf("vectors: %s", got)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		s.t = t
		for body, prefix := range map[string]string{
			`{"vectors":{"size":4,"distance":"Dot","multivector_config":{"comparator":"max_sim"}}}`: "Wrong input: multivector_config is not supported by Amber",
			`{"vectors":{"size":4,"distance":"Dot","datatype":"uint8"}}`:                            "Wrong input: datatype uint8 is not supported by Amber",
			`{"vectors":{"size":4,"distance":"Dot"},"sharding_method":"custom"}`:                    "Wrong input: sharding_method custom is not supported by Amber",
			`{"vectors":{"size":4,"distance":"Dot"},"shard_number":0}`:                              "Validation error in JSON body: [shard_number",
			`{"vectors":{"size":0,"distance":"Dot"}}`:                                               "",
		} {
			res := s.do("PUT", "/collections/z", body)
			if res.status/100 != 4 || !strings.HasPrefix(res.errorMessage(), prefix) {
				t.Errorf("%s: %d %s", body, res.status, res.raw)
			}
		}
		if got := mustJSON(t, s.ok("GET", "/collections/z/exists", nil)); got != `{"exists":false}` {
			t.Errorf("refused create left a collection: %s", got)
		}
	})
	t.Run("ListSortedAndBare", func(t *testing.T) {
		s.t = t
		if got := mustJSON(t, s.ok("GET", "/collections", nil)); got != `{"collections":[{"name":"a"},{"name":"b"}]}` {
			t.Errorf("list: %s", got)
		}
	})
	t.Run("Update", func(t *testing.T) {
		s.t = t
		if got := s.ok("PATCH", "/collections/b", `{"optimizers_config":{"indexing_threshold":100},"hnsw_config":{"ef_construct":64},"params":{"replication_factor":1},"metadata":{"x":1}}`); got != true {
			t.Errorf("update: %v", got)
		}
		s.fails("PATCH", "/collections/b", `{"hnsw_config":{"ef_construct":1}}`, 422, "Validation error in JSON body: ")
		s.fails("PATCH", "/collections/nope", `{}`, 404, "Not found: Collection `nope` doesn't exist!")
	})
	t.Run("Delete", func(t *testing.T) {
		s.t = t
		if got := s.ok("DELETE", "/collections/a", nil); got != true {
			t.Errorf("first delete: %v", got)
		}
		if got := s.ok("DELETE", "/collections/a", nil); got != false {
			t.Errorf("second delete: %v", got)
		}
		s.fails("GET", "/collections/a", nil, 404, "Not found: Collection `a` doesn't exist!")
	})
}

func TestServer_Aliases(t *testing.T) {
	s := newServer(t, nil)
	seed(s)
	s.createCollection("other", "Dot")
	if got := s.ok("POST", "/collections/aliases", `{"actions":[{"create_alias":{"collection_name":"c","alias_name":"live"}}]}`); got != true {
		t.Fatalf("create alias: %v", got)
	}
	want := `{"aliases":[{"alias_name":"live","collection_name":"c"}]}`
	for _, p := range []string{"/aliases", "/collections/c/aliases", "/collections/live/aliases"} {
		if got := mustJSON(t, s.ok("GET", p, nil)); got != want {
			t.Errorf("%s: %s", p, got)
		}
	}
	if got := mustJSON(t, s.ok("GET", "/collections/other/aliases", nil)); got != `{"aliases":[]}` {
		t.Errorf("other's aliases: %s", got)
	}
	// Every collection endpoint takes the alias.
	if got := mustJSON(t, s.ok("GET", "/collections/live/exists", nil)); got != `{"exists":true}` {
		t.Errorf("exists via alias: %s", got)
	}
	if got := mustJSON(t, s.ok("POST", "/collections/live/points/count", `{}`)); got != `{"count":5}` {
		t.Errorf("count via alias: %s", got)
	}
	s.ok("PUT", "/collections/live/points", `{"points":[{"id":6,"vector":[1,1,1,1]}]}`)
	if got := mustJSON(t, s.ok("POST", "/collections/c/points/count", `{}`)); got != `{"count":6}` {
		t.Errorf("upsert via alias: %s", got)
	}
	if info := s.ok("GET", "/collections/live", nil).(map[string]any); mustJSON(t, info["points_count"]) != "6" {
		t.Errorf("info via alias: %v", info["points_count"])
	}
	s.ok("POST", "/collections/aliases", `{"actions":[{"rename_alias":{"old_alias_name":"live","new_alias_name":"prod"}}]}`)
	s.fails("POST", "/collections/live/points/count", `{}`, 404, "Not found: Collection `live` doesn't exist!")
	s.ok("POST", "/collections/aliases", `{"actions":[{"delete_alias":{"alias_name":"prod"}}]}`)
	if got := mustJSON(t, s.ok("GET", "/aliases", nil)); got != `{"aliases":[]}` {
		t.Errorf("after delete: %s", got)
	}
	s.fails("POST", "/collections/aliases", `{"actions":[{"delete_alias":{"alias_name":"prod"}}]}`, 404, "Not found: ")
	s.fails("POST", "/collections/aliases", `{}`, 400, "Format error in JSON body: missing field `actions`")
}
