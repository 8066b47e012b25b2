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

	"github.com/newsjet/newsjet/internal/stage"
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

// Exit codes of the newsjet command.
const (
	exitOK           = 0 // everything asked for was done
	exitFailed       = 1 // the command or the pipeline failed
	exitUsage        = 2 // the command line cannot be run
	exitInputsFailed = 3 // run --once, extract: some inputs failed (each reported on stderr), the others were done
)

// ErrInputsFailed is returned by run --once and extract when some of their inputs
// failed, each already reported on stderr; the command exits 3.
var ErrInputsFailed = errors.New("some inputs failed")

// run executes the subcommand named by args[0] and returns the process exit code (see
// exitOK and the others). "help", -h and --help print the usage on stdout; --version
// and -version are the version command.
func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		a.usage(a.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		a.usage(a.stdout)
		return exitOK
	case "-version", "--version":
		args = append([]string{"version"}, args[1:]...)
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(a.stderr, "newsjet: unknown command %q\n", args[0])
		a.usage(a.stderr)
		return exitUsage
	}
	err := cmd.run(a, ctx, args[1:])
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, ErrUsage), errors.Is(err, client.ErrUsage):
		fmt.Fprintf(a.stderr, "newsjet %s: %v\n", args[0], err)
		if errors.Is(err, errBadFlag) {
			fmt.Fprintf(a.stderr, "(newsjet %s -h lists its flags)\n", args[0])
		}
		return exitUsage
	case errors.Is(err, ErrInputsFailed):
		fmt.Fprintf(a.stderr, "newsjet %s: %v\n", args[0], err)
		return exitInputsFailed
	default:
		fmt.Fprintf(a.stderr, "newsjet %s: %v\n", args[0], err)
		return exitFailed
	}
}

// usage writes the list of commands to w.
func (a *app) usage(w io.Writer) {
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
	b.WriteString("Exit codes: 0 done, 1 failed, 2 bad command line, 3 (run --once, extract) some inputs failed.\n")
	io.WriteString(w, b.String())
}

// flagSet returns a flag set for a subcommand; parse it with a.parse. It prints
// nothing itself: a.parse prints the help on stdout for -h, and a bad flag's error is
// printed once, by run.
func (a *app) flagSet(name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet("newsjet "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: newsjet %s [flags] %s\n\n%s.\n\nflags:\n", name, args, commands()[name].summary)
		fs.PrintDefaults()
	}
	return fs
}

// lookupEnv reads the NEWSJET_* variables behind the flags (see stage.ParseFlags).
var lookupEnv = os.LookupEnv

// errBadFlag marks a flag or environment value that does not parse.
var errBadFlag = fmt.Errorf("%w: bad flag", ErrUsage)

// parse reads args and the NEWSJET_* environment into fs (stage.ParseFlags). For -h it
// prints the command's help on stdout and returns flag.ErrHelp (exit 0); a bad flag or
// value is an error wrapping ErrUsage.
func (a *app) parse(fs *flag.FlagSet, args []string) error {
	err := stage.ParseFlags(fs, args, lookupEnv)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(a.stdout)
		fs.Usage()
		fs.SetOutput(io.Discard)
		return err
	}
	return fmt.Errorf("%w: %v", errBadFlag, err)
}

// contentTypeFlag registers --content-type, the Content-Type recorded for page files.
func contentTypeFlag(fs *flag.FlagSet) *string {
	return fs.String("content-type", "", "Content-Type of the page files, e.g. \"text/html; charset=shift_jis\" (a charset declared nowhere is detected from the bytes)")
}

// logFlags registers --log-level (NEWSJET_LOG_LEVEL through stage.ParseFlags).
func logFlags(fs *flag.FlagSet) *string {
	return fs.String("log-level", "info", "log level: debug, info, warn, error")
}

// logger returns the JSON logger of every newsjet binary (stage.NewLoggerTo) on stderr
// at the named level.
func (a *app) logger(level string) (*zap.Logger, error) {
	log, err := stage.NewLoggerTo(a.stderr, level)
	if err != nil {
		return nil, fmt.Errorf("%w: --log-level: %v", ErrUsage, err)
	}
	return log, nil
}

func (a *app) cmdVersion(_ context.Context, args []string) error {
	fs := a.flagSet("version", "")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	return a.stdout.write(map[string]string{"version": stage.Version})
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
