package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServeFlags_Precedence(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "amber.yaml")
	os.WriteFile(cfgFile, []byte("port: 7000\ndata: /from/file\nlog_level: warn\nsnapshots:\n  keep_last: 3\n"), 0o644)
	env := map[string]string{"AMBER_DATA": "/from/env", "AMBER_PORT": "7100"}
	getenv := func(k string) string { return env[k] }

	tests := []struct {
		name     string
		args     []string
		wantPort int
		wantData string
		wantKeep int
		wantLvl  string
	}{
		{"EnvOverFile", []string{"--config", cfgFile}, 7100, "/from/env", 3, "warn"},
		{"FlagOverEnv", []string{"--config", cfgFile, "--port", "7200", "--data", "/from/flag", "--keep-last", "0"}, 7200, "/from/flag", 0, "warn"},
		{"FlagLogLevel", []string{"--config", cfgFile, "--log-level", "debug"}, 7100, "/from/env", 3, "debug"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sf := newServeFlags()
			if err := sf.fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			cfg, err := sf.resolve(getenv)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Port != tt.wantPort || cfg.Data != tt.wantData || cfg.Snapshots.KeepLast != tt.wantKeep || cfg.LogLevel != tt.wantLvl {
				t.Fatalf("got port=%d data=%s keep=%d level=%s, want %d %s %d %s",
					cfg.Port, cfg.Data, cfg.Snapshots.KeepLast, cfg.LogLevel, tt.wantPort, tt.wantData, tt.wantKeep, tt.wantLvl)
			}
		})
	}
}

func TestServeFlags_Errors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("prot: 1\n"), 0o644)
	none := func(string) string { return "" }
	for name, args := range map[string][]string{
		"UnknownKey":     {"--config", bad},
		"MissingFile":    {"--config", filepath.Join(dir, "nope.yaml")},
		"BadLevel":       {"--config", filepath.Join(dir, "nope.yaml"), "--log-level", "loud"},
		"NegativeKeep":   {"--keep-last", "-1"},
		"SameKeys":       {"--api-key", "k", "--read-only-api-key", "k"},
		"PortOutOfRange": {"--port", "70000"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Chdir(dir)
			sf := newServeFlags()
			if err := sf.fs.Parse(args); err != nil {
				t.Fatal(err)
			}
			if _, err := sf.resolve(none); err == nil {
				t.Fatalf("resolve(%v) accepted a bad configuration", args)
			}
		})
	}
}

func TestConfig_StringRedactsSecrets(t *testing.T) {
	c := defaultConfig()
	c.APIKey, c.ReadOnlyAPIKey = "s3cret-full", "s3cret-ro"
	s := c.String()
	for _, secret := range []string{"s3cret-full", "s3cret-ro"} {
		if strings.Contains(s, secret) {
			t.Fatalf("config string shows a secret:\n%s", s)
		}
	}
}
