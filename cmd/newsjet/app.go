package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/segmentio/encoding/json"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/newsjet/newsjet/services/sink/client"
)

// ErrUsage marks a command line that cannot be run; the command exits 2.
var ErrUsage = errors.New("usage")

// app holds what every subcommand shares: stdout for JSON lines only, stderr for logs.
type app struct {
	stdin  io.Reader
	stdout *jsonLines
	stderr io.Writer
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	return &app{stdin: stdin, stdout: &jsonLines{w: stdout}, stderr: stderr}
}

// command is one subcommand: it parses its own flags from args.
type command struct {
	summary string
	run     func(a *app, ctx context.Context, args []string) error
}

// commands returns the subcommands by name.
func commands() map[string]command {
	return map[string]command{
		"run":      {"run NATS with JetStream and all four stages in this process", (*app).cmdRun},
		"extract":  {"clean and extract HTML files without a broker, one JSON line per file", (*app).cmdExtract},
		"articles": {"query the stored articles through the sink's read API", (*app).cmdArticles},
		"dead":     {"list dead letters as JSON lines (filters, --follow); dead show ID prints one with its payload", (*app).cmdDead},
		"replay":   {"replay dead: republish dead letters' payloads; replay raw: re-extract stored raw pages", (*app).cmdReplay},
		"publish":  {"publish HTML files as raw pages, or URLs as fetch requests, to a NATS server", (*app).cmdPublish},
		"tail":     {"print articles from the extracted stream as they arrive", (*app).cmdTail},
		"version":  {"print the version", (*app).cmdVersion},
	}
}

// run executes the subcommand named by args[0] and returns the process exit code:
// 0 on success, 1 on failure, 2 on a usage error.
func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		a.usage()
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(a.stderr, "newsjet: unknown command %q\n", args[0])
		a.usage()
		return 2
	}
	err := cmd.run(a, ctx, args[1:])
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage), errors.Is(err, client.ErrUsage):
		fmt.Fprintf(a.stderr, "newsjet %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(a.stderr, "newsjet %s: %v\n", args[0], err)
		return 1
	}
}

func (a *app) usage() {
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: newsjet <command> [flags] [args]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-9s %s\n", n, cmds[n].summary)
	}
	b.WriteString("\nRun `newsjet <command> -h` for a command's flags. stdout carries only JSON lines; logs go to stderr.\n")
	io.WriteString(a.stderr, b.String())
}

// flagSet returns a flag set for a subcommand that reports errors to stderr.
func (a *app) flagSet(name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet("newsjet "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "usage: newsjet %s [flags] %s\n\n%s.\n\nflags:\n", name, args, commands()[name].summary)
		fs.PrintDefaults()
	}
	return fs
}

// lookupEnv reads the NEWSJET_* variables behind the flags (see stage.ParseFlags).
var lookupEnv = os.LookupEnv

// usageErr turns a flag error into ErrUsage (the flag package has already printed it);
// flag.ErrHelp passes through, so -h exits 0.
func usageErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrUsage, err)
}

// contentTypeFlag registers --content-type, the Content-Type recorded for page files.
func contentTypeFlag(fs *flag.FlagSet) *string {
	return fs.String("content-type", "", "Content-Type of the page files, e.g. \"text/html; charset=shift_jis\" for pages that do not declare their charset")
}

// logFlags registers --log-level (NEWSJET_LOG_LEVEL through stage.ParseFlags).
func logFlags(fs *flag.FlagSet) *string {
	return fs.String("log-level", "info", "log level: debug, info, warn, error")
}

// logger returns a zap JSON logger writing to stderr at the named level.
func (a *app) logger(level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("%w: --log-level: %v", ErrUsage, err)
	}
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), zapcore.AddSync(lockedWriter{w: a.stderr, mu: &sync.Mutex{}}), lvl)
	return zap.New(core), nil
}

func (a *app) cmdVersion(_ context.Context, args []string) error {
	fs := a.flagSet("version", "")
	if err := fs.Parse(args); err != nil {
		return usageErr(err)
	}
	return a.stdout.write(map[string]string{"version": version})
}

// jsonLines writes one JSON value per line (HTML characters unescaped); safe for
// concurrent use.
type jsonLines struct {
	mu sync.Mutex
	w  io.Writer
}

func (j *jsonLines) write(v any) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	enc := json.NewEncoder(j.w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	return nil
}

// Write writes p as it is, under the lock: for commands that encode their own lines.
func (j *jsonLines) Write(p []byte) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.w.Write(p)
}

// lockedWriter serialises writes to a shared writer (stderr in tests is a buffer).
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
