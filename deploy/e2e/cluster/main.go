// Command cluster runs newsjet end to end on a real one-node Kubernetes cluster that it
// brings up on this machine and tears down again: control plane and kubelet v1.37.2 from the
// Go module proxy, containerd, runc and CNI plugins from Debian, a pause image and CoreDNS
// built here, the project's images (scripts/build-images.sh, tagged with `git describe`)
// loaded into a private containerd; NATS from the official chart with
// deploy/nats/values-dev.yaml and newsjet-image.yaml, NACK in its control-loop mode, a
// PostgreSQL of its own, kube-router enforcing NetworkPolicies, KEDA, and the dev overlay with
// the KEDA component, applied with `kubectl apply --server-side` twice (the second must
// change nothing).
//
// Then: a pod publishes -pages pages, a stage pod is deleted mid-stream, and every page must
// be stored exactly once in PostgreSQL; KEDA must scale a stage up on its consumer's lag and
// back down; a pod without the newsjet.io/sink-client label must not reach the sink's API,
// one with it must. It prints a summary with timings and exits 1 on any failure.
//
// It needs root and changes the host's network: a bridge (nj0, 10.244.0.1/24), iptables rules
// that keep pod traffic on that bridge (pods reach nothing beyond this host), kube-proxy's and
// kube-router's rules; all are removed at the end, and every process it started is stopped by
// its PID. Cold, the builds take most of an hour; they are cached for later runs.
//
//	go run ./deploy/e2e/cluster [-pages 500] [-chart DIR] [-keda=false]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/newsjet/newsjet/deploy/e2e/internal/apicheck"
	"github.com/newsjet/newsjet/deploy/e2e/internal/cluster"
	"github.com/newsjet/newsjet/deploy/e2e/internal/deploysets"
	"github.com/newsjet/newsjet/deploy/e2e/internal/kube"
	"github.com/newsjet/newsjet/deploy/tools/crd"
	"github.com/newsjet/newsjet/deploy/tools/manifests"
)

func main() {
	pages := flag.Int("pages", 500, "pages to publish")
	chartDir := flag.String("chart", "", "the NATS chart (default: the 1.x chart under $NEWSJET_NATS_CHARTS or ../shared/k8s)")
	withKEDA := flag.Bool("keda", true, "build and run KEDA, apply the KEDA component and check scaling (false: a shorter run without them)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s := &summary{start: time.Now(), out: os.Stdout}
	err := run(ctx, s, *pages, *chartDir, *withKEDA)
	s.print(err)
	if err != nil {
		stop()
		os.Exit(1)
	}
}

// summary collects the timed phases and figures the run prints at the end.
type summary struct {
	start  time.Time
	out    io.Writer
	phases []string
	facts  []string
	last   time.Time
}

func (s *summary) phase(name string) {
	now := time.Now()
	if s.last.IsZero() {
		s.last = s.start
	}
	line := fmt.Sprintf("%-48s %6.1fs", name, now.Sub(s.last).Seconds())
	s.phases = append(s.phases, line)
	fmt.Fprintln(s.out, "cluster: done:", line)
	s.last = now
}

func (s *summary) fact(format string, args ...any) {
	f := fmt.Sprintf(format, args...)
	s.facts = append(s.facts, f)
	fmt.Fprintln(s.out, "cluster:", f)
}

func (s *summary) print(err error) {
	fmt.Fprintln(s.out, "\n=== newsjet cluster end-to-end summary")
	for _, p := range s.phases {
		fmt.Fprintln(s.out, "  "+p)
	}
	for _, f := range s.facts {
		fmt.Fprintln(s.out, "  "+f)
	}
	fmt.Fprintf(s.out, "  total %.0fs\n", time.Since(s.start).Seconds())
	if err != nil {
		fmt.Fprintln(s.out, "  FAILED:", err)
	} else {
		fmt.Fprintln(s.out, "  PASSED")
	}
}

func run(ctx context.Context, s *summary, pages int, chartDir string, withKEDA bool) (err error) {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	repo, err := deploysets.RepoRoot(wd)
	if err != nil {
		return err
	}
	if chartDir == "" {
		charts, err := deploysets.Charts(deploysets.ChartsDir(repo))
		if err != nil {
			return err
		}
		for _, c := range charts {
			if strings.HasPrefix(filepath.Base(c), "nats-chart-1.") {
				chartDir = c
			}
		}
		if chartDir == "" {
			return fmt.Errorf("no NATS 1.x chart under %s: give -chart", deploysets.ChartsDir(repo))
		}
	}

	// Binaries and images.
	release, err := kube.Version()
	if err != nil {
		return err
	}
	bins, err := kube.Binaries(ctx, release, os.Stderr, "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl")
	if err != nil {
		return err
	}
	if bins["etcd"], err = kube.Etcd(ctx, os.Stderr); err != nil {
		return err
	}
	addons, err := cluster.BuildAddons(ctx, crd.NACKVersion, withKEDA, os.Stderr)
	if err != nil {
		return err
	}
	for k, v := range addons {
		bins[k] = v
	}
	s.phase("binaries (built or cached)")
	build := exec.CommandContext(ctx, filepath.Join(repo, "scripts", "build-images.sh"))
	build.Dir, build.Stdout, build.Stderr = repo, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("scripts/build-images.sh: %w", err)
	}
	tagOut, err := exec.CommandContext(ctx, "git", "-C", repo, "describe", "--always", "--dirty").Output()
	if err != nil {
		return err
	}
	tag := strings.TrimSpace(string(tagOut))
	images := []string{}
	for _, n := range []string{"nats", "fetcher", "cleaner", "extractor", "sink", "newsjet"} {
		images = append(images, "newsjet/"+n+":"+tag)
	}
	pause, err := cluster.PauseBinary(ctx, release)
	if err != nil {
		return err
	}
	addonImages := map[string]string{}
	specs := map[string][2]string{"pause": {pause, "3.10"}, "coredns": {bins["coredns"], cluster.CoreDNSVersion}}
	if withKEDA {
		specs["keda"] = [2]string{bins["keda"], cluster.KEDAVersion}
		specs["keda-adapter"] = [2]string{bins["keda-adapter"], cluster.KEDAVersion}
	}
	for name, spec := range specs {
		ref, err := cluster.ScratchImage(ctx, name, spec[1], spec[0])
		if err != nil {
			return err
		}
		addonImages[name] = ref
		images = append(images, ref)
	}
	s.phase("images (newsjet " + tag + ", pause, CoreDNS, KEDA)")

	dir, err := os.MkdirTemp("", "newsjet-cluster-")
	if err != nil {
		return err
	}
	c, err := cluster.Up(ctx, cluster.Options{Dir: dir, Log: os.Stdout, Bins: bins, Images: images, AddonImages: addonImages})
	up := err == nil
	defer func() {
		if up {
			hooks, derr := c.DeleteWorkloads(context.Background(), 3*time.Minute, "e2e", "newsjet", "keda", "nats")
			if derr == nil {
				s.fact("workloads deleted through the API; FailedPreStopHook events: %d %v", len(hooks), hooks)
				if len(hooks) > 0 {
					derr = fmt.Errorf("preStop hooks failed: %v", hooks)
				}
			}
			err = errors.Join(err, derr)
		}
		derr := c.Down()
		if derr == nil && err == nil {
			derr = os.RemoveAll(dir)
		} else {
			fmt.Fprintf(s.out, "cluster: logs kept in %s\n", dir)
		}
		err = errors.Join(err, derr)
		s.phase(fmt.Sprintf("teardown (%d processes stopped by PID)", len(c.Procs())))
	}()
	if err != nil {
		return err
	}
	s.phase("cluster up: node Ready, CoreDNS ready")

	dec, err := manifests.NewDecoder(ctx)
	if err != nil {
		return err
	}
	checker, err := apicheck.New(c.CP.Config, io.Discard)
	if err != nil {
		return err
	}
	if err := checker.InstallCRDs(ctx, dec.CRDs().Definitions); err != nil {
		return err
	}
	if err := c.KubeRouter(ctx, bins["kube-router"]); err != nil {
		return err
	}
	values := []string{filepath.Join(repo, "deploy", "nats", "values-dev.yaml"), filepath.Join(repo, "deploy", "nats", "newsjet-image.yaml")}
	if err := c.NATS(ctx, chartDir, values, tag); err != nil {
		return err
	}
	if err := c.NACK(ctx, bins["jetstream-controller"]); err != nil {
		return err
	}
	dsn, err := c.Postgres(ctx)
	if err != nil {
		return err
	}
	if withKEDA {
		kedaDir, err := crd.ModuleDir(ctx, "github.com/kedacore/keda/v2", cluster.KEDAVersion)
		if err != nil {
			return err
		}
		if err := c.KEDA(ctx, kedaDir, addonImages["keda"], addonImages["keda-adapter"]); err != nil {
			return err
		}
	}
	s.phase("NATS (chart " + filepath.Base(chartDir) + "), NACK, PostgreSQL, kube-router, KEDA")

	if err := applyOverlay(ctx, c, s, repo, tag, withKEDA); err != nil {
		return err
	}
	if err := pipeline(ctx, c, s, dsn, tag, pages, withKEDA); err != nil {
		return err
	}
	return sinkPolicy(ctx, c, s, tag)
}

// stages are the Deployments of the dev overlay.
var stages = []string{"fetcher", "cleaner", "extractor", "sink"}

// applyOverlay applies the dev overlay with the KEDA component and the run's image tag,
// server-side, twice, and fails if the second apply changed any object.
func applyOverlay(ctx context.Context, c *cluster.Cluster, s *summary, repo, tag string, withKEDA bool) error {
	dir := filepath.Join(c.Dir, "overlay")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rel := func(p string) string {
		r, _ := filepath.Rel(dir, filepath.Join(repo, p))
		return r
	}
	k := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: newsjet\nresources: [" + rel("deploy/overlays/dev") + "]\n"
	if withKEDA {
		k += "components: [" + rel("deploy/components/keda") + "]\n"
	}
	k += "images:\n"
	for _, st := range stages {
		k += "  - {name: newsjet/" + st + ", newTag: " + tag + "}\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k), 0o644); err != nil {
		return err
	}
	if _, err := c.Kubectl(ctx, "", "apply", "--server-side", "-k", dir); err != nil {
		return err
	}
	before, err := versions(ctx, c, dir)
	if err != nil {
		return err
	}
	if _, err := c.Kubectl(ctx, "", "apply", "--server-side", "-k", dir); err != nil {
		return err
	}
	after, err := versions(ctx, c, dir)
	if err != nil {
		return err
	}
	var changed []string
	for id, v := range before {
		if after[id] != v {
			changed = append(changed, id)
		}
	}
	if len(changed) > 0 {
		return fmt.Errorf("the second kubectl apply --server-side changed %v", changed)
	}
	s.fact("kubectl apply --server-side -k (dev overlay, KEDA component %v), twice: second apply changed none of %d objects", withKEDA, len(before))
	for _, st := range stages {
		if err := c.WaitDeployment(ctx, "newsjet", st, 5*time.Minute); err != nil {
			return err
		}
	}
	s.phase("dev overlay applied, stages ready")
	return nil
}

// versions returns, for every object of the kustomization, its generation when it has one
// (controllers keep writing status, which moves resourceVersion) and its resourceVersion
// otherwise.
func versions(ctx context.Context, c *cluster.Cluster, dir string) (map[string]string, error) {
	out, err := c.Kubectl(ctx, "", "get", "-k", dir, "-o", `jsonpath={range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name} {.metadata.generation} {.metadata.resourceVersion}{"\n"}{end}`)
	if err != nil {
		return nil, err
	}
	v := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		switch len(f) {
		case 3:
			v[f[0]] = "generation " + f[1]
		case 2:
			v[f[0]] = "resourceVersion " + f[1]
		}
	}
	return v, nil
}

func psqlCount(ctx context.Context, dsn, query string) (int, error) {
	out, err := exec.CommandContext(ctx, "psql", dsn, "-qAtc", query).Output()
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(out)))
}

// pagesConfigMap is the ConfigMap name holding pages from..from+n-1: distinct small news
// pages, each naming itself by its canonical link.
func pagesConfigMap(name string, from, n int) (string, []string) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: e2e}\ndata:\n")
	var files []string
	for i := from; i < from+n; i++ {
		name := fmt.Sprintf("p%04d.html", i)
		files = append(files, "/pages/"+name)
		fmt.Fprintf(&b, "  %s: |\n    <html lang=\"en\"><head><title>Harbour report %d</title>"+
			"<link rel=\"canonical\" href=\"https://e2e.newsjet.test/news/%d\"></head><body><article><h1>Harbour report %d</h1>"+
			"<p>The harbour authority counted %d ships on day %d of the season, a figure the port office publishes every morning.</p>"+
			"<p>Pilots said the fog lifted early, and the ferries kept to their timetable for the %dth day in a row.</p></article></body></html>\n",
			name, i, i, i, 40+i%17, i, i)
	}
	return b.String(), files
}

// pipeline publishes the pages from a pod, deletes a stage pod mid-stream, and waits until
// PostgreSQL holds every page exactly once, watching the stages' replica counts (KEDA).
func pipeline(ctx context.Context, c *cluster.Cluster, s *summary, dsn, tag string, pages int, withKEDA bool) error {
	ns := "apiVersion: v1\nkind: Namespace\nmetadata: {name: e2e, labels: {pod-security.kubernetes.io/enforce: restricted}}\n"
	if _, err := c.Kubectl(ctx, ns, "apply", "--server-side", "-f", "-"); err != nil {
		return err
	}
	t0 := time.Now()
	if err := publish(ctx, c, tag, "pages", 0, pages); err != nil {
		return err
	}
	// As soon as the first article is stored (pages are in flight in every stage), delete
	// the extractor's pod: the Deployment replaces it, and the messages it held are
	// redelivered to the new one.
	deleted, storedAtDelete := "", 0
	if err := c.WaitEvery(ctx, "the first article in PostgreSQL", 5*time.Minute, 20*time.Millisecond, func() (bool, error) {
		n, err := psqlCount(ctx, dsn, "SELECT count(*) FROM articles")
		if err != nil || n == 0 {
			return false, nil
		}
		pods, err := c.Core.CoreV1().Pods("newsjet").List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=extractor"})
		if err != nil || len(pods.Items) == 0 {
			return false, err
		}
		deleted, storedAtDelete = pods.Items[0].Name, n
		return true, c.Core.CoreV1().Pods("newsjet").Delete(ctx, deleted, metav1.DeleteOptions{})
	}); err != nil {
		return err
	}
	s.fact("deleted stage pod %s with %d of %d articles stored", deleted, storedAtDelete, pages)
	if storedAtDelete >= pages {
		return fmt.Errorf("the pipeline finished before the stage pod was deleted: not mid-stream")
	}
	if err := storedOnce(ctx, c, s, dsn, pages, t0); err != nil {
		return err
	}
	s.phase("pipeline: every page stored once")
	if withKEDA {
		return kedaScale(ctx, c, s, dsn, tag, pages)
	}
	return nil
}

// storedOnce waits until PostgreSQL holds want articles and checks each is stored once.
func storedOnce(ctx context.Context, c *cluster.Cluster, s *summary, dsn string, want int, t0 time.Time) error {
	err := c.WaitFor(ctx, fmt.Sprintf("%d articles in PostgreSQL", want), 15*time.Minute, func() (bool, error) {
		n, err := psqlCount(ctx, dsn, "SELECT count(*) FROM articles")
		return err == nil && n >= want, nil
	})
	if err != nil {
		return err
	}
	elapsed := time.Since(t0)
	articles, err1 := psqlCount(ctx, dsn, "SELECT count(*) FROM articles")
	versions, err2 := psqlCount(ctx, dsn, "SELECT count(*) FROM article_versions")
	distinct, err3 := psqlCount(ctx, dsn, "SELECT count(DISTINCT canonical_url) FROM articles")
	if err := errors.Join(err1, err2, err3); err != nil {
		return err
	}
	s.fact("%d pages published so far; PostgreSQL holds %d articles, %d versions, %d distinct URLs (%.0fs)", want, articles, versions, distinct, elapsed.Seconds())
	if articles != want || versions != want || distinct != want {
		return fmt.Errorf("want every page stored exactly once: %d articles, %d versions, %d URLs for %d pages", articles, versions, distinct, want)
	}
	return nil
}

// publish runs a Job in namespace e2e that publishes pages from..from+n-1 (a ConfigMap
// named name) with `newsjet publish`.
func publish(ctx context.Context, c *cluster.Cluster, tag, name string, from, n int) error {
	cm, files := pagesConfigMap(name, from, n)
	args := `["publish", "--nats-url", "nats://nats.nats.svc.cluster.local:4222", "` + strings.Join(files, `", "`) + `"]`
	job := `apiVersion: batch/v1
kind: Job
metadata: {name: ` + name + `, namespace: e2e}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, runAsUser: 65532, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: publish
          image: newsjet/newsjet:` + tag + `
          imagePullPolicy: IfNotPresent
          args: ` + args + `
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
          volumeMounts: [{name: pages, mountPath: /pages}]
      volumes: [{name: pages, configMap: {name: ` + name + `}}]
`
	_, err := c.Kubectl(ctx, cm+"---\n"+job, "apply", "--server-side", "-f", "-")
	return err
}

// kedaScale makes real consumer lag on the cleaner's consumer: it stops (SIGSTOP) the
// cleaner's processes on the node and publishes another batch of pages, waits for KEDA to
// scale the cleaner above its minimum, resumes the stopped processes, and checks that every
// page of both batches is stored once.
func kedaScale(ctx context.Context, c *cluster.Cluster, s *summary, dsn, tag string, pages int) error {
	const stage = "cleaner"
	d, err := c.Core.AppsV1().Deployments("newsjet").Get(ctx, stage, metav1.GetOptions{})
	if err != nil {
		return err
	}
	min := *d.Spec.Replicas
	pids, err := c.StagePIDs(ctx, "newsjet", "app.kubernetes.io/name="+stage)
	if err != nil {
		return err
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			return fmt.Errorf("stopping %s (pid %d): %w", stage, pid, err)
		}
	}
	resume := func() {
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}
	defer resume()
	t0 := time.Now()
	if err := publish(ctx, c, tag, "pages-lag", pages, pages); err != nil {
		return err
	}
	var up int32
	if err := c.WaitFor(ctx, "KEDA to scale "+stage+" up", 5*time.Minute, func() (bool, error) {
		d, err := c.Core.AppsV1().Deployments("newsjet").Get(ctx, stage, metav1.GetOptions{})
		if err != nil || d.Spec.Replicas == nil {
			return false, nil
		}
		up = *d.Spec.Replicas
		return up > min, nil
	}); err != nil {
		return err
	}
	s.fact("KEDA scaled %s %d -> %d replicas %.0fs after %d pages queued behind its stopped pods", stage, min, up, time.Since(t0).Seconds(), pages)
	resume()
	if err := storedOnce(ctx, c, s, dsn, 2*pages, t0); err != nil {
		return err
	}
	s.phase("KEDA scale-up on consumer lag")
	return scaleDown(ctx, c, s, stage, min)
}

// sinkPolicy checks the sink's NetworkPolicy: its read API answers a pod labelled
// newsjet.io/sink-client=true and stays unreachable for one without the label. Each probe is
// one pod the kubelet restarts on failure (same address, so kube-router, which admits a new
// pod a moment after it starts, sees it once): the client must succeed within two minutes,
// the other must not within one.
func sinkPolicy(ctx context.Context, c *cluster.Cluster, s *summary, tag string) error {
	probe := func(name string, client bool, wait time.Duration) (bool, int32, error) {
		label := ""
		if client {
			label = `, labels: {newsjet.io/sink-client: "true"}`
		}
		pod := `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `, namespace: e2e` + label + `}
spec:
  restartPolicy: OnFailure
  automountServiceAccountToken: false
  securityContext: {runAsNonRoot: true, runAsUser: 65532, seccompProfile: {type: RuntimeDefault}}
  containers:
    - name: probe
      image: newsjet/newsjet:` + tag + `
      imagePullPolicy: IfNotPresent
      args: [articles, --api, "http://sink.newsjet.svc.cluster.local:8080", list, --limit, "1"]
      securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
`
		if _, err := c.Kubectl(ctx, pod, "apply", "--server-side", "-f", "-"); err != nil {
			return false, 0, err
		}
		var restarts int32
		err := c.WaitFor(ctx, "probe pod "+name+" to succeed", wait, func() (bool, error) {
			p, err := c.Core.CoreV1().Pods("e2e").Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			for _, cs := range p.Status.ContainerStatuses {
				restarts = cs.RestartCount
			}
			return p.Status.Phase == corev1.PodSucceeded, nil
		})
		logs, _ := c.Core.CoreV1().Pods("e2e").GetLogs(name, &corev1.PodLogOptions{}).Do(ctx).Raw()
		fmt.Fprintf(s.out, "cluster: probe %s after %d restarts: %s\n", name, restarts, strings.TrimSpace(string(logs)))
		if errors.Is(err, kube.ErrNotReady) {
			return false, restarts, nil
		}
		return err == nil, restarts, err
	}
	with, _, err := probe("sink-client", true, 2*time.Minute)
	if err != nil {
		return err
	}
	without, tries, err := probe("no-label", false, time.Minute)
	if err != nil {
		return err
	}
	s.fact("sink API from a pod with newsjet.io/sink-client=true: reached %v; without the label: reached %v (%d tries in a minute)", with, without, tries+1)
	if !with || without {
		return errors.New("the sink's NetworkPolicy is not enforced as declared")
	}
	s.phase("NetworkPolicy: only sink clients reach the sink")
	return nil
}

// scaleDown waits for KEDA to bring the stage back to min replicas once the lag is gone.
func scaleDown(ctx context.Context, c *cluster.Cluster, s *summary, stage string, min int32) error {
	t0 := time.Now()
	err := c.WaitFor(ctx, stage+" back at "+strconv.Itoa(int(min))+" replicas", 20*time.Minute, func() (bool, error) {
		d, err := c.Core.AppsV1().Deployments("newsjet").Get(ctx, stage, metav1.GetOptions{})
		return err == nil && d.Spec.Replicas != nil && *d.Spec.Replicas <= min, nil
	})
	if err != nil {
		return err
	}
	s.fact("KEDA scaled %s back to %d replicas %.0fs after its lag was gone", stage, min, time.Since(t0).Seconds())
	s.phase("KEDA scale-down")
	return nil
}
