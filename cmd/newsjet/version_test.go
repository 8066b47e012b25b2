package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsjet/newsjet/internal/stage"
)

// Every binary of one commit reports the one version set at link time (as
// scripts/build-images.sh does), and "dev" without it.
func TestBinariesShareOneVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every binary")
	}
	if stage.Version != "dev" {
		t.Errorf("a build without -ldflags reports %q, want dev", stage.Version)
	}
	const v = "v0.0.0-one-version"
	dir := t.TempDir()
	ldflags := "-X github.com/newsjet/newsjet/internal/stage.Version=" + v
	binaries := map[string]string{
		"newsjet":   ".",
		"fetcher":   "../../services/fetcher/cmd/fetcher",
		"cleaner":   "../../services/cleaner/cmd/cleaner",
		"extractor": "../../services/extractor/cmd/extractor",
		"sink":      "../../services/sink/cmd/sink",
	}
	for name, pkg := range binaries {
		bin := filepath.Join(dir, name)
		build := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, ".")
		build.Dir = pkg
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", name, err, out)
		}
		out, err := exec.Command(bin, "--version").Output()
		want := name + " " + v + "\n"
		if name == "newsjet" {
			want = `{"version":"` + v + `"}` + "\n"
		}
		if err != nil || string(out) != want {
			t.Errorf("%s --version: %q, %v; want %q", name, out, err, strings.TrimSpace(want))
		}
	}
}
