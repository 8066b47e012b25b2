// Command apiserver checks newsjet's Kubernetes manifests against a real API server: etcd
// (Debian's etcd-server) and kube-apiserver of the release matching k8s.io/api, both on
// random loopback ports, with the KEDA, NACK and Prometheus Operator CRDs taken from those
// projects' Go modules at the versions deploy/tools pins. Every overlay of deploy/overlays,
// the Jobs of deploy/jobs (in the overlays' namespace), and the official NATS chart rendered
// with each values file of deploy/nats (when the chart is found: -charts, $NEWSJET_NATS_CHARTS
// or ../shared/k8s), goes through a server-side dry run, a real server-side apply (a create for
// the Jobs, which are named on creation), a dry-run Pod per pod template under its namespace's
// PodSecurity level, a second apply that must change nothing, and removal. It exits 1 naming object and
// field on any refusal, and stops everything it started, also when interrupted.
//
// The binaries are built or fetched once and kept under ${XDG_CACHE_HOME:-$HOME/.cache}/newsjet.
//
//	go run ./deploy/e2e/apiserver [-charts DIR] [-prepare]
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
	"time"

	"k8s.io/client-go/discovery"

	"github.com/newsjet/newsjet/deploy/e2e/internal/apicheck"
	"github.com/newsjet/newsjet/deploy/e2e/internal/chart"
	"github.com/newsjet/newsjet/deploy/e2e/internal/deploysets"
	"github.com/newsjet/newsjet/deploy/e2e/internal/kube"
	"github.com/newsjet/newsjet/deploy/tools/manifests"
)

func main() {
	charts := flag.String("charts", "", "directory of the NATS Helm chart(s) (default $NEWSJET_NATS_CHARTS or ../shared/k8s beside the repository)")
	prepare := flag.Bool("prepare", false, "only build or fetch the binaries into the cache, then exit")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if *prepare {
		_, err = binaries(ctx, os.Stderr)
	} else {
		err = run(ctx, os.Stdout, *charts)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "apiserver:", err)
		stop()
		os.Exit(1)
	}
}

// binaries returns kube-apiserver and etcd, building or fetching them into the cache.
func binaries(ctx context.Context, log io.Writer) (kube.ControlPlaneOptions, error) {
	release, err := kube.Version()
	if err != nil {
		return kube.ControlPlaneOptions{}, err
	}
	bins, err := kube.Binaries(ctx, release, log, "kube-apiserver")
	if err != nil {
		return kube.ControlPlaneOptions{}, err
	}
	etcd, err := kube.Etcd(ctx, log)
	if err != nil {
		return kube.ControlPlaneOptions{}, err
	}
	return kube.ControlPlaneOptions{APIServer: bins["kube-apiserver"], Etcd: etcd}, nil
}

// env is a running control plane with the vendors' CRDs installed.
type env struct {
	repo    string
	dir     string
	cp      *kube.ControlPlane
	checker *apicheck.Checker
	decoder *manifests.Decoder
}

// start brings up the control plane in a temporary directory and installs the CRDs. Stop
// it with env.stop, also after an error.
func start(ctx context.Context, out io.Writer) (*env, error) {
	t0 := time.Now()
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	e := &env{}
	if e.repo, err = deploysets.RepoRoot(wd); err != nil {
		return e, err
	}
	opts, err := binaries(ctx, out)
	if err != nil {
		return e, err
	}
	if e.dir, err = os.MkdirTemp("", "newsjet-apiserver-"); err != nil {
		return e, err
	}
	opts.Dir = e.dir
	t1 := time.Now()
	if e.cp, err = kube.StartControlPlane(ctx, opts); err != nil {
		return e, err
	}
	fmt.Fprintf(out, "apiserver: etcd (pid %d) and kube-apiserver (pid %d) ready at %s in %.1fs (binaries %.1fs)\n",
		e.cp.Etcd.PID(), e.cp.APIServer.PID(), e.cp.URL, time.Since(t1).Seconds(), t1.Sub(t0).Seconds())
	t2 := time.Now()
	if e.decoder, err = manifests.NewDecoder(ctx); err != nil {
		return e, err
	}
	if e.checker, err = apicheck.New(e.cp.Config, out); err != nil {
		return e, err
	}
	defs := e.decoder.CRDs().Definitions
	if err := e.checker.InstallCRDs(ctx, defs); err != nil {
		return e, err
	}
	fmt.Fprintf(out, "apiserver: %d vendor CRDs established in %.1fs\n", len(defs), time.Since(t2).Seconds())
	return e, nil
}

// stop stops the control plane and removes its directory; on failed, the logs are kept and
// named. A second call does nothing.
func (e *env) stop(out io.Writer, failed bool) {
	if e.cp != nil {
		e.cp.Stop()
		e.cp = nil
	}
	if e.dir == "" {
		return
	}
	if failed {
		fmt.Fprintf(out, "apiserver: logs kept in %s\n", e.dir)
	} else {
		os.RemoveAll(e.dir)
	}
	e.dir = ""
}

func run(ctx context.Context, out io.Writer, chartsDir string) (err error) {
	t0 := time.Now()
	e, err := start(ctx, out)
	defer func() { e.stop(out, err != nil) }()
	if err != nil {
		return err
	}
	sets, err := deploysets.Overlays(e.repo, e.decoder)
	if err != nil {
		return err
	}
	jobs, err := deploysets.Jobs(e.repo, e.decoder)
	if err != nil {
		return err
	}
	sets = append(sets, jobs)
	if chartsDir == "" {
		chartsDir = deploysets.ChartsDir(e.repo)
	}
	charts, err := deploysets.Charts(chartsDir)
	if err != nil {
		return err
	}
	if len(charts) == 0 {
		fmt.Fprintf(out, "apiserver: no NATS chart in %s: chart renders skipped\n", chartsDir)
	} else {
		disc, err := discovery.NewDiscoveryClientForConfig(e.cp.Config)
		if err != nil {
			return err
		}
		caps, err := chart.CapabilitiesOf(disc)
		if err != nil {
			return err
		}
		chartSets, err := deploysets.ChartSets(e.repo, charts, caps)
		if err != nil {
			return err
		}
		sets = append(sets, chartSets...)
	}
	var errs []error
	for _, s := range sets {
		if err := e.checker.Check(ctx, s); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintf(out, "apiserver: %d sets accepted in %.1fs\n", len(sets), time.Since(t0).Seconds())
	return nil
}
