package chart_test

import (
	"bufio"
	"encoding/json"
	"flag"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/newsjet/newsjet/deploy/e2e/internal/chart"
	"github.com/newsjet/newsjet/deploy/e2e/internal/deploysets"
	"github.com/newsjet/newsjet/deploy/tools/uncached"
)

func TestMain(m *testing.M) { uncached.Main(m, "deploy/ and the NATS charts") }

// image is what a Dockerfile of a FROM scratch image says about running it.
type image struct {
	entrypoint, cmd []string
	path            []string        // ENV PATH
	files           map[string]bool // COPY destinations
}

func readDockerfile(t *testing.T, file string) image {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img := image{files: map[string]bool{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		for strings.HasSuffix(line, "\\") && sc.Scan() {
			line = strings.TrimSuffix(line, "\\") + " " + strings.TrimSpace(sc.Text())
		}
		word, rest, _ := strings.Cut(line, " ")
		switch strings.ToUpper(word) {
		case "ENTRYPOINT", "CMD":
			var argv []string
			if err := json.Unmarshal([]byte(rest), &argv); err != nil {
				t.Fatalf("%s: %s is not in exec form: %v", file, word, err)
			}
			if strings.ToUpper(word) == "ENTRYPOINT" {
				img.entrypoint = argv
			} else {
				img.cmd = argv
			}
		case "ENV":
			if v, ok := strings.CutPrefix(rest, "PATH="); ok {
				img.path = strings.Split(v, ":")
			}
		case "COPY":
			fields := slices.DeleteFunc(strings.Fields(rest), func(s string) bool { return strings.HasPrefix(s, "--") })
			dst := fields[len(fields)-1]
			if strings.HasSuffix(dst, "/") {
				dst += path.Base(fields[0])
			}
			img.files[dst] = true
		}
	}
	return img
}

// lookPath resolves a command the way the container runtime does for an exec hook: an
// absolute path as is, a bare name through the image's PATH.
func (img image) lookPath(cmd string) (string, bool) {
	if path.IsAbs(cmd) {
		return cmd, img.files[cmd]
	}
	for _, dir := range img.path {
		if p := path.Join(dir, cmd); img.files[p] {
			return p, true
		}
	}
	return "", false
}

// TestNewsjetImageRunsUnderChart renders the official NATS chart (each version found) with
// deploy/nats's values and the newsjet-image layer, and checks that newsjet's NATS image
// (deploy/images/nats/Dockerfile) runs under it unchanged: the command the pod runs (the
// image's entrypoint with the chart's arguments) is accepted by nats-server's own option
// parser with the chart's rendered config, JetStream storing in the chart's directory, and
// the chart's preStop hook finds nats-server in the image.
func TestNewsjetImageRunsUnderChart(t *testing.T) {
	repo, err := deploysets.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	charts, err := deploysets.Charts(deploysets.ChartsDir(repo))
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) == 0 {
		t.Skipf("no NATS chart in %s (set NEWSJET_NATS_CHARTS)", deploysets.ChartsDir(repo))
	}
	img := readDockerfile(t, filepath.Join(repo, "deploy", "images", "nats", "Dockerfile"))
	if len(img.entrypoint) == 0 {
		t.Fatal("the NATS image has no ENTRYPOINT")
	}
	for _, dir := range charts {
		for _, values := range []string{"values-dev.yaml", "values-prod.yaml"} {
			t.Run(filepath.Base(dir)+"/"+values, func(t *testing.T) {
				objs, err := chart.Render(dir, chart.Release{
					Name: "nats", Namespace: "nats",
					ValueFiles: []string{filepath.Join(repo, "deploy", "nats", values), filepath.Join(repo, "deploy", "nats", "newsjet-image.yaml")},
				}, nil)
				if err != nil {
					t.Fatal(err)
				}
				checkRunsUnder(t, img, objs)
			})
		}
	}
}

func checkRunsUnder(t *testing.T, img image, objs []*unstructured.Unstructured) {
	var sts appsv1.StatefulSet
	configMaps := map[string]*corev1.ConfigMap{}
	for _, o := range objs {
		switch o.GetKind() {
		case "StatefulSet":
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &sts); err != nil {
				t.Fatal(err)
			}
		case "ConfigMap":
			var cm corev1.ConfigMap
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &cm); err != nil {
				t.Fatal(err)
			}
			configMaps[cm.Name] = &cm
		}
	}
	pod := sts.Spec.Template.Spec
	i := slices.IndexFunc(pod.Containers, func(c corev1.Container) bool { return c.Name == "nats" })
	if i < 0 {
		t.Fatal("the chart's StatefulSet has no nats container")
	}
	c := pod.Containers[i]
	if !strings.HasPrefix(c.Image, "newsjet/nats:") || c.ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("image %s pulled %s, want newsjet/nats:<tag>, IfNotPresent", c.Image, c.ImagePullPolicy)
	}
	if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("the nats container's root file system is writable")
	}
	if sc := pod.SecurityContext; sc == nil || sc.FSGroup == nil || *sc.FSGroup != 65532 {
		t.Error("no fsGroup 65532: the image's user could not write the JetStream volume")
	}
	for _, other := range pod.Containers {
		if other.Name == "reloader" {
			t.Errorf("the config reloader runs %s, an image not built here", other.Image)
		}
	}

	// The config files the pod mounts, written where the test can read them.
	root := t.TempDir()
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name != m.Name || v.ConfigMap == nil {
				continue
			}
			cm, ok := configMaps[v.ConfigMap.Name]
			if !ok {
				t.Fatalf("volume %s mounts ConfigMap %s, which the chart does not render", v.Name, v.ConfigMap.Name)
			}
			dir := filepath.Join(root, v.Name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for k, data := range cm.Data {
				if err := os.WriteFile(filepath.Join(dir, k), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			mounts[m.MountPath] = dir
		}
	}
	argv := img.entrypoint
	if len(c.Command) > 0 {
		argv = c.Command
	}
	args := img.cmd
	if c.Args != nil {
		args = c.Args
	}
	var rewritten []string
	for _, a := range args {
		for mp, dir := range mounts {
			if rest, ok := strings.CutPrefix(a, mp+"/"); ok {
				a = filepath.Join(dir, rest)
			}
		}
		rewritten = append(rewritten, a)
	}
	if _, ok := img.lookPath(argv[0]); !ok {
		t.Errorf("the pod runs %q, which the image does not hold", argv[0])
	}
	t.Setenv("POD_NAME", sts.Name+"-0")
	t.Setenv("SERVER_NAME", sts.Name+"-0")
	fs := flag.NewFlagSet("nats-server", flag.ContinueOnError)
	opts, err := server.ConfigureOptions(fs, append(argv[1:], rewritten...), func() {}, func() {}, func() {})
	if err != nil {
		t.Fatalf("nats-server refuses %v with the chart's config: %v", append(argv, args...), err)
	}
	if !opts.JetStream || opts.StoreDir != "/data" {
		t.Errorf("JetStream %v storing in %q, want on, in the chart's /data", opts.JetStream, opts.StoreDir)
	}

	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Exec == nil {
		t.Fatal("the chart no longer has an exec preStop hook: review this test")
	}
	hook := c.Lifecycle.PreStop.Exec.Command
	if _, ok := img.lookPath(hook[0]); !ok {
		t.Errorf("the chart's preStop hook runs %q, which the image's PATH %v does not hold", hook[0], img.path)
	}
}
