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
// "kube-apiserver", "kubectl"), building the missing ones into the cache. A build uses a
// throwaway module that requires k8s.io/kubernetes and replaces each staging module it
// lists (k8s.io/api, k8s.io/apiserver, ...) by the same module at the matching v0 version,
// since k8s.io/kubernetes cannot be installed directly; binaries are static
// (CGO_ENABLED=0), stripped and built with -trimpath. Progress goes to log.
func Binaries(ctx context.Context, release string, log io.Writer, commands ...string) (map[string]string, error) {
	dir, err := CacheDir("kubernetes", release)
	if err != nil {
		return nil, err
	}
	paths := map[string]string{}
	var missing []string
	for _, c := range commands {
		paths[c] = filepath.Join(dir, c)
		if !executable(paths[c]) {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return paths, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBuild, err)
	}
	work, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBuild, err)
	}
	defer os.RemoveAll(work)
	fmt.Fprintf(log, "kube: building %s %s into %s (once per version)\n", strings.Join(missing, ", "), release, dir)
	if err := writeBuildModule(ctx, work, release); err != nil {
		return nil, err
	}
	var pkgs, get []string
	for _, c := range missing {
		pkgs = append(pkgs, "k8s.io/kubernetes/cmd/"+c)
		get = append(get, "k8s.io/kubernetes/cmd/"+c+"@"+release)
	}
	if err := goCmd(ctx, work, log, append([]string{"get"}, get...)...); err != nil {
		return nil, err
	}
	minor := strings.Split(strings.TrimPrefix(release, "v"), ".")
	ldflags := strings.Join([]string{
		"-s", "-w",
		"-X", "k8s.io/component-base/version.gitVersion=" + release,
		"-X", "k8s.io/component-base/version.gitMajor=" + minor[0],
		"-X", "k8s.io/component-base/version.gitMinor=" + minor[1],
		"-X", "k8s.io/component-base/version.gitTreeState=clean",
		"-X", "k8s.io/client-go/pkg/version.gitVersion=" + release,
		"-X", "k8s.io/client-go/pkg/version.gitMajor=" + minor[0],
		"-X", "k8s.io/client-go/pkg/version.gitMinor=" + minor[1],
	}, " ")
	out := filepath.Join(work, "bin")
	args := append([]string{"build", "-trimpath", "-gcflags=all=-dwarf=false", "-ldflags", ldflags, "-o", out + "/"}, pkgs...)
	if err := goCmd(ctx, work, log, args...); err != nil {
		return nil, err
	}
	for _, c := range missing {
		if err := os.Rename(filepath.Join(out, c), paths[c]); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBuild, err)
		}
	}
	return paths, nil
}

// writeBuildModule writes the throwaway module that builds k8s.io/kubernetes at release.
func writeBuildModule(ctx context.Context, dir, release string) error {
	var dl struct {
		GoMod string
		Error string
	}
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", "k8s.io/kubernetes@"+release)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, goEnv(), &stdout, os.Stderr
	runErr := cmd.Run()
	if err := json.Unmarshal(stdout.Bytes(), &dl); err != nil || dl.Error != "" || runErr != nil {
		return fmt.Errorf("%w: downloading k8s.io/kubernetes@%s: %v %s", ErrBuild, release, runErr, dl.Error)
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
	staging := "v0" + strings.TrimPrefix(release, "v1")
	if err := errors.Join(
		f.AddModuleStmt("newsjet.invalid/kubernetes-build"),
		f.AddGoStmt(upstream.Go.Version),
		f.AddRequire("k8s.io/kubernetes", release),
	); err != nil {
		return fmt.Errorf("%w: %v", ErrBuild, err)
	}
	for _, r := range upstream.Replace {
		if !strings.HasPrefix(r.New.Path, "./staging/") {
			continue
		}
		if err := f.AddReplace(r.Old.Path, "", r.Old.Path, staging); err != nil {
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
