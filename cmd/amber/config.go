package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is amber serve's configuration. Sources, lowest precedence first:
// defaults, amber.yaml (or --config), AMBER_* environment variables, flags.
type Config struct {
	Host           string         `yaml:"host"`
	Port           int            `yaml:"port"`
	Data           string         `yaml:"data"`
	APIKey         string         `yaml:"api_key"`
	ReadOnlyAPIKey string         `yaml:"read_only_api_key"`
	LogLevel       string         `yaml:"log_level"`
	LogFormat      string         `yaml:"log_format"`
	MaxBodyBytes   int64          `yaml:"max_body_bytes"`
	Snapshots      SnapshotConfig `yaml:"snapshots"`
}

// SnapshotConfig configures the snapshots folder.
type SnapshotConfig struct {
	Dir              string `yaml:"dir"`
	KeepLast         int    `yaml:"keep_last"`
	AllowURLRecovery *bool  `yaml:"allow_url_recovery"`
	MaxDownloadBytes int64  `yaml:"max_download_bytes"`
}

func defaultConfig() Config {
	return Config{Host: "0.0.0.0", Port: 6333, Data: "./amber-data", LogLevel: "info", LogFormat: "json", MaxBodyBytes: 32 << 20}
}

// String prints the config with secrets redacted.
func (c Config) String() string {
	redact := func(s string) string {
		if s == "" {
			return ""
		}
		return "<redacted>"
	}
	c.APIKey, c.ReadOnlyAPIKey = redact(c.APIKey), redact(c.ReadOnlyAPIKey)
	b, _ := yaml.Marshal(c)
	return string(b)
}

// SnapshotsDir is the snapshots folder, <data>/snapshots unless set.
func (c Config) SnapshotsDir() string {
	if c.Snapshots.Dir != "" {
		return c.Snapshots.Dir
	}
	return filepath.Join(c.Data, "snapshots")
}

// Validate checks values that would otherwise fail later and obscurely.
func (c Config) Validate() error {
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("port %d out of range", c.Port)
	}
	if c.Data == "" {
		return errors.New("data folder must not be empty")
	}
	if c.Snapshots.KeepLast < 0 {
		return fmt.Errorf("snapshots.keep_last must be >= 0, got %d", c.Snapshots.KeepLast)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.APIKey != "" && c.APIKey == c.ReadOnlyAPIKey {
		return errors.New("api_key and read_only_api_key must differ")
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log level %q: expected debug, info, warn or error", s)
	}
	return l, nil
}

// loadFile merges a YAML file into c. A missing default file is fine; a
// missing explicit one is an error. Unknown keys are refused.
func (c *Config) loadFile(path string, explicit bool) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return nil
	} else if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && err.Error() != "EOF" {
		return fmt.Errorf("parse config %s: %w", path, err)
	}
	return nil
}

// loadEnv merges AMBER_* variables into c.
func (c *Config) loadEnv(getenv func(string) string) error {
	str := map[string]*string{
		"AMBER_HOST": &c.Host, "AMBER_DATA": &c.Data, "AMBER_API_KEY": &c.APIKey,
		"AMBER_READ_ONLY_API_KEY": &c.ReadOnlyAPIKey, "AMBER_LOG_LEVEL": &c.LogLevel,
		"AMBER_LOG_FORMAT": &c.LogFormat, "AMBER_SNAPSHOTS_DIR": &c.Snapshots.Dir,
	}
	for k, p := range str {
		if v := getenv(k); v != "" {
			*p = v
		}
	}
	ints := map[string]func(int64){
		"AMBER_PORT":                         func(n int64) { c.Port = int(n) },
		"AMBER_SNAPSHOTS_KEEP_LAST":          func(n int64) { c.Snapshots.KeepLast = int(n) },
		"AMBER_MAX_BODY_BYTES":               func(n int64) { c.MaxBodyBytes = n },
		"AMBER_SNAPSHOTS_MAX_DOWNLOAD_BYTES": func(n int64) { c.Snapshots.MaxDownloadBytes = n },
	}
	for k, set := range ints {
		if v := getenv(k); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%s=%q: not an integer", k, v)
			}
			set(n)
		}
	}
	if v := getenv("AMBER_SNAPSHOTS_ALLOW_URL_RECOVERY"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("AMBER_SNAPSHOTS_ALLOW_URL_RECOVERY=%q: not a boolean", v)
		}
		c.Snapshots.AllowURLRecovery = &b
	}
	return nil
}

// serveFlags binds amber serve's flags to a fresh Config; apply copies the
// flags that were set onto the merged config.
type serveFlags struct {
	fs              *flag.FlagSet
	cfg             Config
	configPath      string
	restoreSnapshot string
	forceSnapshot   bool
}

func newServeFlags() *serveFlags {
	s := &serveFlags{fs: flag.NewFlagSet("serve", flag.ContinueOnError)}
	fs := s.fs
	fs.StringVar(&s.configPath, "config", "", "config file (default ./amber.yaml if present)")
	fs.StringVar(&s.cfg.Host, "host", "", "address to listen on (default 0.0.0.0)")
	fs.IntVar(&s.cfg.Port, "port", 0, "REST port (default 6333)")
	fs.StringVar(&s.cfg.Data, "data", "", "data folder (default ./amber-data)")
	fs.StringVar(&s.cfg.Snapshots.Dir, "snapshots", "", "snapshots folder (default <data>/snapshots)")
	fs.IntVar(&s.cfg.Snapshots.KeepLast, "keep-last", 0, "keep only the newest N snapshots per collection (0 keeps all)")
	fs.StringVar(&s.cfg.APIKey, "api-key", "", "API key with full access")
	fs.StringVar(&s.cfg.ReadOnlyAPIKey, "read-only-api-key", "", "API key with read access")
	fs.StringVar(&s.cfg.LogLevel, "log-level", "", "debug, info, warn or error (default info)")
	fs.StringVar(&s.cfg.LogFormat, "log-format", "", "json or text (default json)")
	fs.StringVar(&s.restoreSnapshot, "restore-snapshot", "", "restore this full snapshot file before serving (Qdrant's --storage-snapshot)")
	fs.BoolVar(&s.forceSnapshot, "force-snapshot", false, "with --restore-snapshot: replace collections that already exist")
	return s
}

// resolve merges defaults, file, env and the flags that were set.
func (s *serveFlags) resolve(getenv func(string) string) (Config, error) {
	cfg := defaultConfig()
	path, explicit := s.configPath, s.configPath != ""
	if !explicit {
		if path = getenv("AMBER_CONFIG"); path != "" {
			explicit = true
		} else {
			path = "amber.yaml"
		}
	}
	if err := cfg.loadFile(path, explicit); err != nil {
		return cfg, err
	}
	if err := cfg.loadEnv(getenv); err != nil {
		return cfg, err
	}
	s.fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "host":
			cfg.Host = s.cfg.Host
		case "port":
			cfg.Port = s.cfg.Port
		case "data":
			cfg.Data = s.cfg.Data
		case "snapshots":
			cfg.Snapshots.Dir = s.cfg.Snapshots.Dir
		case "keep-last":
			cfg.Snapshots.KeepLast = s.cfg.Snapshots.KeepLast
		case "api-key":
			cfg.APIKey = s.cfg.APIKey
		case "read-only-api-key":
			cfg.ReadOnlyAPIKey = s.cfg.ReadOnlyAPIKey
		case "log-level":
			cfg.LogLevel = s.cfg.LogLevel
		case "log-format":
			cfg.LogFormat = s.cfg.LogFormat
		}
	})
	cfg.LogFormat = strings.ToLower(cfg.LogFormat)
	return cfg, cfg.Validate()
}
