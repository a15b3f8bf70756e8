// Command amber is Amber's one binary: the Qdrant-compatible database server
// and the tools around its snapshots.
//
// Exit codes: 0 success, 1 failure, 2 usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `amber: a Qdrant-compatible vector database with snapshots built in

Usage:
  amber serve [flags]                 run the database (port 6333, data in ./amber-data)
  amber snapshot <command> [flags]    create, list, download, delete, recover, verify snapshots
  amber version                       print the version

Run 'amber <command> -h' for a command's flags.
`

// Version is Amber's own version; the API reports Qdrant's for clients.
const Version = "0.1.0"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = runServeCommand(ctx, args[1:], stderr)
	case "snapshot":
		err = runSnapshotCommand(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "amber", Version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "amber: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "amber:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "amber:", err)
		return 1
	}
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }
