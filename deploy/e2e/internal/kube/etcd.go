package kube

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// etcdPackage is the Debian package whose etcd the control plane runs.
const etcdPackage = "etcd-server"

// Etcd returns the path of an etcd binary: etcd on PATH if there is one, else the one kept
// in the cache (${XDG_CACHE_HOME:-$HOME/.cache}/newsjet/etcd/<Debian version>/etcd), else
// one extracted there from Debian's etcd-server package, fetched with `apt-get download`
// (nothing is installed; as root, `apt-get update` runs first when apt knows no such
// package).
func Etcd(ctx context.Context, log io.Writer) (string, error) {
	if p, err := exec.LookPath("etcd"); err == nil {
		return p, nil
	}
	base, err := CacheDir("etcd", "")
	if err != nil {
		return "", err
	}
	cached, _ := filepath.Glob(filepath.Join(base, "*", "etcd"))
	sort.Strings(cached)
	for i := len(cached) - 1; i >= 0; i-- {
		if executable(cached[i]) {
			return cached[i], nil
		}
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBuild, err)
	}
	work, err := os.MkdirTemp(base, ".download-")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBuild, err)
	}
	defer os.RemoveAll(work)
	fmt.Fprintf(log, "kube: fetching Debian's %s into %s (once per version)\n", etcdPackage, base)
	download := func() error {
		cmd := exec.CommandContext(ctx, "apt-get", "download", "-q", etcdPackage)
		cmd.Dir, cmd.Stdout, cmd.Stderr = work, log, log
		return cmd.Run()
	}
	if err := download(); err != nil {
		if os.Geteuid() != 0 {
			return "", fmt.Errorf("%w: apt-get download %s: %v (install it: apt-get install %s)", ErrBuild, etcdPackage, err, etcdPackage)
		}
		update := exec.CommandContext(ctx, "apt-get", "update", "-qq")
		update.Stdout, update.Stderr = log, log
		if err := update.Run(); err != nil {
			return "", fmt.Errorf("%w: apt-get update: %v", ErrBuild, err)
		}
		if err := download(); err != nil {
			return "", fmt.Errorf("%w: apt-get download %s: %v", ErrBuild, etcdPackage, err)
		}
	}
	debs, _ := filepath.Glob(filepath.Join(work, etcdPackage+"_*.deb"))
	if len(debs) != 1 {
		return "", fmt.Errorf("%w: apt-get download left %d packages", ErrBuild, len(debs))
	}
	// etcd-server_3.4.23-4+b4_amd64.deb: the version is the second field.
	version := strings.Split(filepath.Base(debs[0]), "_")[1]
	tree := filepath.Join(work, "tree")
	if out, err := exec.CommandContext(ctx, "dpkg-deb", "-x", debs[0], tree).CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w: dpkg-deb -x: %v: %s", ErrBuild, err, out)
	}
	dir := filepath.Join(base, version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBuild, err)
	}
	dst := filepath.Join(dir, "etcd")
	if err := os.Rename(filepath.Join(tree, "usr", "bin", "etcd"), dst); err != nil {
		return "", fmt.Errorf("%w: %s holds no usr/bin/etcd: %v", ErrBuild, filepath.Base(debs[0]), err)
	}
	return dst, nil
}
