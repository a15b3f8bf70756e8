package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/amberdb/amber/api/client"
	"github.com/amberdb/amber/snapshot"
)

const snapshotUsage = `Usage:
  amber snapshot create   [flags] COLLECTION | --full
  amber snapshot list     [flags] COLLECTION | --full
  amber snapshot download [flags] COLLECTION NAME | --full NAME   [-o FILE]
  amber snapshot delete   [flags] COLLECTION NAME | --full NAME
  amber snapshot recover  [flags] COLLECTION (--location URL | --file FILE) [--priority P] [--checksum HEX]
  amber snapshot recover  [flags] --full --location URL            (Amber servers only)
  amber snapshot verify   FILE [--checksum HEX]

The server commands work against Amber and against Qdrant. --url defaults to
$AMBER_URL or http://localhost:6333, --api-key to $AMBER_API_KEY.
`

// snapshotOptions are the flags shared by the snapshot subcommands.
type snapshotOptions struct {
	URL, APIKey    string
	Full, JSON     bool
	Output         string
	Location, File string
	Priority       string
	Checksum       string
	SourceAPIKey   string
	Args           []string
}

func runSnapshotCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, snapshotUsage)
		if len(args) == 0 {
			return usageError{"snapshot needs a command"}
		}
		return nil
	}
	sub := args[0]
	fs := flag.NewFlagSet("snapshot "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, snapshotUsage) }
	var o snapshotOptions
	fs.StringVar(&o.URL, "url", envOr("AMBER_URL", "http://localhost:6333"), "server URL")
	fs.StringVar(&o.APIKey, "api-key", os.Getenv("AMBER_API_KEY"), "API key of the server")
	fs.BoolVar(&o.Full, "full", false, "full snapshots instead of a collection's")
	fs.BoolVar(&o.JSON, "json", false, "print JSON")
	fs.StringVar(&o.Output, "o", "", "download: output file (default the snapshot's name)")
	fs.StringVar(&o.Location, "location", "", "recover: file:// or http(s):// URL the server reads")
	fs.StringVar(&o.File, "file", "", "recover: local file to upload")
	fs.StringVar(&o.Priority, "priority", "", "recover: snapshot (default), replica or no_sync")
	fs.StringVar(&o.Checksum, "checksum", "", "expected SHA-256 (recover, verify)")
	fs.StringVar(&o.SourceAPIKey, "source-api-key", "", "recover: API key of the server the location points at")
	if err := fs.Parse(reorderFlags(args[1:])); err != nil {
		return err
	}
	o.Args = fs.Args()
	if sub == "verify" {
		return runSnapshotVerify(o, stdout)
	}
	c := client.New(o.URL, o.APIKey)
	switch sub {
	case "create":
		return runSnapshotCreate(ctx, c, o, stdout)
	case "list":
		return runSnapshotList(ctx, c, o, stdout)
	case "download":
		return runSnapshotDownload(ctx, c, o, stdout)
	case "delete":
		return runSnapshotDelete(ctx, c, o, stdout)
	case "recover":
		return runSnapshotRecover(ctx, c, o, stdout)
	}
	return usageError{fmt.Sprintf("unknown snapshot command %q", sub)}
}

// reorderFlags moves flags after positional arguments to the front, so that
// "list articles --json" works as "list --json articles".
func reorderFlags(args []string) []string {
	var flags, pos []string
	valued := map[string]bool{"-url": true, "-api-key": true, "-o": true, "-location": true, "-file": true, "-priority": true, "-checksum": true, "-source-api-key": true}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags = append(flags, a)
			if valued["-"+strings.TrimLeft(a, "-")] && !strings.Contains(a, "=") && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// target returns the collection ("" for --full) and the remaining args.
func (o snapshotOptions) target(want int) (string, []string, error) {
	if o.Full {
		if len(o.Args) != want {
			return "", nil, usageError{fmt.Sprintf("expected %d argument(s) with --full, got %d", want, len(o.Args))}
		}
		return "", o.Args, nil
	}
	if len(o.Args) != want+1 {
		return "", nil, usageError{fmt.Sprintf("expected COLLECTION and %d more argument(s), got %q", want, o.Args)}
	}
	return o.Args[0], o.Args[1:], nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runSnapshotCreate(ctx context.Context, c *client.Client, o snapshotOptions, out io.Writer) error {
	coll, _, err := o.target(0)
	if err != nil {
		return err
	}
	info, err := c.CreateSnapshot(ctx, coll)
	if err != nil {
		return err
	}
	if o.JSON {
		return printJSON(out, info)
	}
	fmt.Fprintf(out, "%s\t%d bytes\tsha256 %s\n", info.Name, info.Size, info.Checksum)
	return nil
}

func runSnapshotList(ctx context.Context, c *client.Client, o snapshotOptions, out io.Writer) error {
	coll, _, err := o.target(0)
	if err != nil {
		return err
	}
	list, err := c.ListSnapshots(ctx, coll)
	if err != nil {
		return err
	}
	if o.JSON {
		if list == nil {
			list = []snapshot.Info{}
		}
		return printJSON(out, list)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCREATED\tSIZE\tSHA256")
	for _, s := range list {
		created := ""
		if s.CreationTime != nil {
			created = *s.CreationTime
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", s.Name, created, s.Size, s.Checksum)
	}
	return tw.Flush()
}

func runSnapshotDownload(ctx context.Context, c *client.Client, o snapshotOptions, out io.Writer) error {
	coll, rest, err := o.target(1)
	if err != nil {
		return err
	}
	name := rest[0]
	path := o.Output
	if path == "" {
		path = filepath.Base(name)
	}
	var want string
	if list, err := c.ListSnapshots(ctx, coll); err == nil {
		for _, s := range list {
			if s.Name == name {
				want = s.Checksum
			}
		}
	}
	h := sha256.New()
	n, err := c.Download(ctx, coll, name, path, h)
	if err != nil {
		return err
	}
	got := hex.EncodeToString(h.Sum(nil))
	if want != "" && got != want {
		os.Remove(path)
		return fmt.Errorf("checksum mismatch: server lists %s, downloaded %s", want, got)
	}
	fmt.Fprintf(out, "%s\t%d bytes\tsha256 %s\n", path, n, got)
	return nil
}

func runSnapshotDelete(ctx context.Context, c *client.Client, o snapshotOptions, out io.Writer) error {
	coll, rest, err := o.target(1)
	if err != nil {
		return err
	}
	if err := c.DeleteSnapshot(ctx, coll, rest[0]); err != nil {
		return err
	}
	fmt.Fprintf(out, "deleted %s\n", rest[0])
	return nil
}

func runSnapshotRecover(ctx context.Context, c *client.Client, o snapshotOptions, out io.Writer) error {
	coll, _, err := o.target(0)
	if err != nil {
		return err
	}
	if (o.Location == "") == (o.File == "") {
		return usageError{"recover needs exactly one of --location and --file"}
	}
	if o.File != "" {
		err = c.Upload(ctx, coll, o.File, o.Priority, o.Checksum)
	} else {
		err = c.RecoverSnapshot(ctx, coll, client.RecoverRequest{Location: o.Location, Priority: o.Priority, Checksum: o.Checksum, APIKey: o.SourceAPIKey})
	}
	if err != nil {
		return err
	}
	what := coll
	if o.Full {
		what = "all collections of the full snapshot"
	}
	fmt.Fprintf(out, "recovered %s\n", what)
	return nil
}

// runSnapshotVerify checks a snapshot file offline: its SHA-256 against the
// sidecar or --checksum, then every entry against the manifest.
func runSnapshotVerify(o snapshotOptions, out io.Writer) error {
	if len(o.Args) != 1 {
		return usageError{"verify needs one FILE"}
	}
	path := o.Args[0]
	want := strings.ToLower(strings.TrimSpace(o.Checksum))
	if want == "" {
		if sum, err := snapshot.ReadChecksum(path + snapshot.SidecarExt); err == nil {
			want = sum
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("read sidecar: %w", err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	m, err := snapshot.Verify(io.TeeReader(f, h), snapshot.Limits{})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	got := hex.EncodeToString(h.Sum(nil))
	if want != "" && got != want {
		return fmt.Errorf("%s: checksum mismatch: expected %s, actual %s", path, want, got)
	}
	if o.JSON {
		return printJSON(out, map[string]any{"file": path, "sha256": got, "checksum_checked": want != "", "manifest": m})
	}
	checked := "no sidecar or --checksum: SHA-256 not compared"
	if want != "" {
		checked = "SHA-256 matches"
	}
	fmt.Fprintf(out, "%s: ok (%s snapshot, %d files, %d points; %s)\nsha256 %s\n", path, m.Kind, len(m.Files), m.PointCount, checked, got)
	return nil
}
