package main

import (
	"bufio"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/services/fetcher"
	"github.com/newsjet/newsjet/services/sink"
)

// readmeTable is one configuration table of the README: the section it is in, the
// line that introduces it, and its rows as cells.
type readmeTable struct {
	section, intro string
	header         []string
	rows           [][]string
}

// readmeTables returns the README's tables whose first column is "flag", each with
// the first line of the paragraph before it.
func readmeTables(t *testing.T) []readmeTable {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		tables         []readmeTable
		cur            *readmeTable
		section, intro string
		blank          = true
		sc             = bufio.NewScanner(f)
	)
	cells := func(line string) []string {
		parts := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "|"):
			c := cells(line)
			switch {
			case cur == nil && c[0] == "flag":
				tables = append(tables, readmeTable{section: section, intro: intro, header: c})
				cur = &tables[len(tables)-1]
			case cur != nil && !strings.HasPrefix(c[0], "---"):
				cur.rows = append(cur.rows, c)
			}
			continue
		case strings.HasPrefix(line, "## "):
			section = strings.TrimPrefix(line, "## ")
		case strings.TrimSpace(line) != "" && blank:
			intro = line // a table's intro is the paragraph before it, by its first line
		}
		blank = strings.TrimSpace(line) == ""
		cur = nil
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return tables
}

var (
	flagRE = regexp.MustCompile("`--([a-z0-9-]+)")
	envRE  = regexp.MustCompile("NEWSJET_[A-Z0-9_]+")
)

// TestREADMEFlagsExist checks every flag and environment variable named in the
// README's configuration tables against the command it is listed for: the runtime's
// table against the four stage binaries (and newsjet run where its last column says
// yes), the fetcher's and the sink's tables against their binaries and newsjet run, and
// newsjet run's own table against newsjet run.
func TestREADMEFlagsExist(t *testing.T) {
	var fcfg fetcher.Config
	var scfg sink.Config
	stages := map[string]*flag.FlagSet{
		"fetcher":   stage.FlagSet("fetcher", fcfg.RegisterServiceFlags),
		"cleaner":   stage.FlagSet("cleaner", nil),
		"extractor": stage.FlagSet("extractor", nil),
		"sink":      stage.FlagSet("sink", scfg.RegisterFlags),
	}
	run, _ := newApp(nil, nil, nil).runFlagSet()
	check := func(cmd string, fs *flag.FlagSet, row []string, envCol int) {
		t.Helper()
		flags := flagRE.FindAllStringSubmatch(row[0], -1)
		if len(flags) == 0 {
			t.Errorf("README row %q names no flag", row[0])
		}
		for _, m := range flags {
			if fs.Lookup(m[1]) == nil {
				t.Errorf("README lists --%s for %s, which has no such flag", m[1], cmd)
			}
		}
		if envCol < 0 {
			return
		}
		envs := envRE.FindAllString(row[envCol], -1)
		if len(envs) != len(flags) {
			t.Errorf("README row %q: %d flags but %d variables", row[0], len(flags), len(envs))
			return
		}
		for i, env := range envs {
			if want := stage.EnvName(flags[i][1]); env != want {
				t.Errorf("README names %s for --%s on %s, which reads %s", env, flags[i][1], cmd, want)
			}
		}
	}
	seen := map[string]bool{}
	for _, tab := range readmeTables(t) {
		envCol := -1
		for i, h := range tab.header {
			if h == "env" {
				envCol = i
			}
		}
		switch {
		case tab.section == "Configuration" && strings.HasPrefix(tab.intro, "**Every service**"):
			seen["runtime"] = true
			for _, row := range tab.rows {
				for name, fs := range stages {
					check(name, fs, row, envCol)
				}
				if strings.HasPrefix(row[len(row)-1], "yes") {
					check("newsjet run", run, row, envCol)
				} else {
					for _, m := range flagRE.FindAllStringSubmatch(row[0], -1) {
						if run.Lookup(m[1]) != nil {
							t.Errorf("README says newsjet run has no --%s, but it does", m[1])
						}
					}
				}
			}
		case tab.section == "Configuration" && strings.HasPrefix(tab.intro, "**`newsjet run`**"):
			seen["run"] = true
			for _, row := range tab.rows {
				check("newsjet run", run, row, envCol)
			}
		case tab.section == "The fetcher" || tab.section == "The sink":
			name := strings.ToLower(strings.TrimPrefix(tab.section, "The "))
			seen[name] = true
			for _, row := range tab.rows {
				check(name, stages[name], row, envCol)
				check("newsjet run", run, row, envCol)
			}
		default:
			t.Errorf("README table of flags in %q after %q: no test knows which command it is for", tab.section, tab.intro)
		}
	}
	for _, want := range []string{"runtime", "run", "fetcher", "sink"} {
		if !seen[want] {
			t.Errorf("no %s flag table found in the README", want)
		}
	}
}
