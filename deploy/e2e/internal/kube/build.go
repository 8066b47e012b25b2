// Package kube builds, starts and stops the Kubernetes components newsjet's end-to-end checks
// run on this machine: etcd from Debian's etcd-server package, and kube-apiserver and the other
// binaries of k8s.io/kubernetes built from the Go module proxy at the version matching the
// k8s.io/api module this program was built with. Built and extracted binaries are kept under
// the user's cache directory, keyed by version, so only the first run pays for them.
package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// ErrBuild is wrapped by every failure to obtain a binary.
var ErrBuild = errors.New("kube: cannot build or find binary")

// apiModule is the module whose version selects the Kubernetes release: k8s.io/api v0.X.Y
// belongs to Kubernetes v1.X.Y.
const apiModule = "k8s.io/api"

// Version returns the Kubernetes release matching the k8s.io/api module linked into this
// program (v0.37.2 gives v1.37.2), as its build information records it; a test binary,
// which records none, asks `go list -m` in its working directory instead.
func Version() (string, error) {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			if m.Path == apiModule {
				if m.Replace != nil {
					m = m.Replace
				}
				return releaseOf(m.Version)
			}
		}
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", apiModule).Output()
	if err != nil {
		return "", fmt.Errorf("%w: %s is not linked into this binary, and go list -m %s failed: %v", ErrBuild, apiModule, apiModule, err)
	}
	return releaseOf(strings.TrimSpace(string(out)))
}

// releaseOf maps a staging module version (v0.37.2) to its Kubernetes release (v1.37.2).
func releaseOf(staging string) (string, error) {
	if !semver.IsValid(staging) || semver.Major(staging) != "v0" || semver.Prerelease(staging) != "" {
		return "", fmt.Errorf("%w: %s %s is not a release of a Kubernetes staging module", ErrBuild, apiModule, staging)
	}
	return "v1" + strings.TrimPrefix(staging, "v0"), nil
}

// CacheDir is where binaries of the named component and version are kept:
// ${XDG_CACHE_HOME:-$HOME/.cache}/newsjet/<component>/<version>.
func CacheDir(component, version string) (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBuild, err)
	}
	return filepath.Join(base, "newsjet", component, version), nil
}

func executable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// Cached reports whether the named commands of release are all in the cache.
func Cached(release string, commands ...string) bool {
	dir, err := CacheDir("kubernetes", release)
	if err != nil {
		return false
	}
	for _, c := range commands {
		if !executable(filepath.Join(dir, c)) {
			return false
		}
	}
	return true
}

// Binaries returns the paths of the named commands of k8s.io/kubernetes at release (e.g.
// "kube-apiserver", "kubectl"), building the missing ones into the cache. k8s.io/kubernetes
// cannot be installed directly (its go.mod replaces its staging modules by local
// directories), so the build module replaces each staging module (k8s.io/api,
// k8s.io/apiserver, ...) by the same module at the matching v0 version.
func Binaries(ctx context.Context, release string, log io.Writer, commands ...string) (map[string]string, error) {
	minor := strings.Split(strings.TrimPrefix(release, "v"), ".")
	b := GoBuild{
		Component: "kubernetes", Module: "k8s.io/kubernetes", Version: release, Packages: map[string]string{},
		LDFlags: []string{
			"-X", "k8s.io/component-base/version.gitVersion=" + release,
			"-X", "k8s.io/component-base/version.gitMajor=" + minor[0],
			"-X", "k8s.io/component-base/version.gitMinor=" + minor[1],
			"-X", "k8s.io/component-base/version.gitTreeState=clean",
			"-X", "k8s.io/client-go/pkg/version.gitVersion=" + release,
			"-X", "k8s.io/client-go/pkg/version.gitMajor=" + minor[0],
			"-X", "k8s.io/client-go/pkg/version.gitMinor=" + minor[1],
		},
	}
	for _, c := range commands {
		b.Packages[c] = "k8s.io/kubernetes/cmd/" + c
	}
	return b.Binaries(ctx, log)
}

// GoBuild builds commands of a Go module at a version from the module proxy, outside any
// workspace, into the cache: static (CGO_ENABLED=0), stripped, -trimpath. The throwaway
// build module requires Module at Version and repeats its replace directives, a local
// ./staging/src/<module> directory becoming <module> at the v0 version of a v1 release
// (k8s.io/kubernetes's layout).
type GoBuild struct {
	// Component and Version name the cache directory: <cache>/newsjet/<Component>/<Version>.
	Component, Module, Version string
	// Packages maps each binary to the main package it is built from, a package of Module
	// or, for "", Main.
	Packages map[string]string
	// Main is the source of a main package of the build module itself, for a binary that
	// assembles the module's packages (CoreDNS with a chosen set of plugins).
	Main []byte
	// LDFlags are added to -s -w.
	LDFlags []string
}

// Binaries returns the path of every binary of b, building the missing ones.
func (b GoBuild) Binaries(ctx context.Context, log io.Writer) (map[string]string, error) {
	dir, err := CacheDir(b.Component, b.Version)
	if err != nil {
		return nil, err
	}
	paths := map[string]string{}
	var missing []string
	for name := range b.Packages {
		paths[name] = filepath.Join(dir, name)
		if !executable(paths[name]) {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return paths, nil
	}
	sort.Strings(missing)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBuild, err)
	}
	work, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBuild, err)
	}
	defer os.RemoveAll(work)
	fmt.Fprintf(log, "kube: building %s (%s %s) into %s (once per version)\n", strings.Join(missing, ", "), b.Module, b.Version, dir)
	if err := writeBuildModule(ctx, work, b.Module, b.Version); err != nil {
		return nil, err
	}
	get := []string{"get"}
	for _, name := range missing {
		if pkg := b.Packages[name]; pkg != "" {
			get = append(get, pkg+"@"+b.Version)
		} else {
			get = append(get, b.Module+"@"+b.Version)
		}
	}
	if b.Main != nil {
		if err := os.MkdirAll(filepath.Join(work, "main"), 0o755); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBuild, err)
		}
		if err := os.WriteFile(filepath.Join(work, "main", "main.go"), b.Main, 0o644); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBuild, err)
		}
	}
	if err := goCmd(ctx, work, log, get...); err != nil {
		return nil, err
	}
	if b.Main != nil {
		if err := goCmd(ctx, work, log, "mod", "tidy"); err != nil {
			return nil, err
		}
	}
	ldflags := strings.Join(append([]string{"-s", "-w"}, b.LDFlags...), " ")
	out := filepath.Join(work, "bin")
	for _, name := range missing {
		pkg := b.Packages[name]
		if pkg == "" {
			pkg = "./main"
		}
		if err := goCmd(ctx, work, log, "build", "-trimpath", "-gcflags=all=-dwarf=false", "-ldflags", ldflags, "-o", filepath.Join(out, name), pkg); err != nil {
			return nil, err
		}
		if err := os.Rename(filepath.Join(out, name), paths[name]); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBuild, err)
		}
	}
	return paths, nil
}

// writeBuildModule writes the throwaway module that builds module at version.
func writeBuildModule(ctx context.Context, dir, module, version string) error {
	var dl struct {
		GoMod string
		Error string
	}
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", module+"@"+version)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, goEnv(), &stdout, os.Stderr
	runErr := cmd.Run()
	if err := json.Unmarshal(stdout.Bytes(), &dl); err != nil || dl.Error != "" || runErr != nil {
		return fmt.Errorf("%w: downloading %s@%s: %v %s", ErrBuild, module, version, runErr, dl.Error)
	}
	data, err := os.ReadFile(dl.GoMod)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBuild, err)
	}
	upstream, err := modfile.Parse(dl.GoMod, data, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBuild, err)
	}
	f := &modfile.File{}
	if err := errors.Join(
		f.AddModuleStmt("newsjet.invalid/build"),
		f.AddGoStmt(upstream.Go.Version),
		f.AddRequire(module, version),
	); err != nil {
		return fmt.Errorf("%w: %v", ErrBuild, err)
	}
	staging := "v0" + strings.TrimPrefix(version, "v1")
	for _, r := range upstream.Replace {
		switch {
		case r.New.Version != "":
			err = f.AddReplace(r.Old.Path, r.Old.Version, r.New.Path, r.New.Version)
		case strings.HasPrefix(r.New.Path, "./staging/"):
			err = f.AddReplace(r.Old.Path, "", r.Old.Path, staging)
		default:
			err = fmt.Errorf("replace %s => %s: a local directory the module proxy does not serve", r.Old.Path, r.New.Path)
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBuild, err)
		}
	}
	out, err := f.Format()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBuild, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), out, 0o644); err != nil {
		return fmt.Errorf("%w: %v", ErrBuild, err)
	}
	return nil
}

// goEnv is the environment of the go commands a build runs: outside any workspace, module
// mode, no cgo.
func goEnv() []string {
	return append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod -buildvcs=false", "CGO_ENABLED=0")
}

func goCmd(ctx context.Context, dir string, log io.Writer, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, goEnv(), log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: go %s: %v", ErrBuild, args[0], err)
	}
	return nil
}
