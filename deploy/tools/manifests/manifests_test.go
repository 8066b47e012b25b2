package manifests

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	"github.com/newsjet/newsjet/deploy/tools/crd"
	"github.com/newsjet/newsjet/deploy/tools/uncached"
	"github.com/newsjet/newsjet/internal/stage"
)

func TestMain(m *testing.M) { uncached.Main(m, "deploy/, scripts/, services/ and cmd/newsjet/") }

var loadDecoder = sync.OnceValues(func() (*Decoder, error) { return NewDecoder(context.Background()) })

// decoder returns the decoder shared by the tests, with the vendors' definitions loaded.
func decoder(t *testing.T) *Decoder {
	t.Helper()
	d, err := loadDecoder()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var loadLagMetadata = sync.OnceValues(func() (map[string]bool, error) {
	return crd.TriggerMetadata(context.Background(), LagTrigger)
})

// lagMetadata returns the nats-jetstream trigger's metadata keys from KEDA's source.
func lagMetadata(t *testing.T) map[string]bool {
	t.Helper()
	m, err := loadLagMetadata()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// root is the repository root, seen from deploy/tools/manifests.
const root = "../../.."

func deployPath(elem ...string) string {
	return filepath.Join(append([]string{root, "deploy"}, elem...)...)
}

// builtImages reads the images scripts/build-images.sh builds, as image names: the
// services of its services=(...) list and the names its build lines give literally
// (build newsjet ...).
func builtImages(t *testing.T) []string {
	t.Helper()
	script, err := os.ReadFile(filepath.Join(root, "scripts", "build-images.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^services=\(([^)]*)\)`).FindSubmatch(script)
	if m == nil {
		t.Fatal("scripts/build-images.sh: no services=(...) list")
	}
	names := strings.Fields(string(m[1]))
	for _, b := range regexp.MustCompile(`(?m)^\s*build ([a-z0-9-]+) `).FindAllSubmatch(script, -1) {
		names = append(names, string(b[1]))
	}
	var images []string
	for _, s := range names {
		if img := "newsjet/" + s; !slices.Contains(images, img) {
			images = append(images, img)
		}
	}
	return images
}

// exampleSecrets decodes deploy/secrets/*.example.yaml strictly and returns their names
// and keys: the Secrets an operator creates before applying a release overlay.
func exampleSecrets(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob(deployPath("secrets", "*.example.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no secret examples in deploy/secrets (%v)", err)
	}
	out := map[string][]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		o, err := decoder(t).Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		s, ok := o.Typed.(*corev1.Secret)
		if !ok {
			t.Fatalf("%s holds a %s, want a Secret", f, o.Kind)
		}
		if s.Namespace != "newsjet" || filepath.Base(f) != s.Name+".example.yaml" {
			t.Errorf("%s: Secret %s/%s should be named after its file, in namespace newsjet", f, s.Namespace, s.Name)
		}
		for k, v := range s.StringData {
			if !strings.Contains(v, "<") {
				t.Errorf("%s: key %s holds no <placeholder>: examples must not carry real secrets", f, k)
			}
			out[s.Name] = append(out[s.Name], k)
		}
	}
	return out
}

// flagRE finds a flag registration in Go source: fs.XxxVar(&v, "name", ...) or
// fs.Xxx("name", ...).
var flagRE = regexp.MustCompile(`fs\.\w+\((?:&[\w.]+,\s*)?"([a-z0-9-]+)"`)

// knownEnv accepts the variables of internal/stage's flags (stage.Config.RegisterFlags
// and stage.EnvName) and those of the flags each program registers in its package
// (services/<name>/*.go for a stage, cmd/newsjet/*.go for JobProgram, read from source so
// this module stays free of their dependencies).
func knownEnv(t *testing.T) func(program, name string) bool {
	t.Helper()
	fs := flag.NewFlagSet("stage", flag.ContinueOnError)
	var c stage.Config
	c.RegisterFlags(fs)
	runtime := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { runtime[stage.EnvName(f.Name)] = true })
	dirs := map[string]string{JobProgram: filepath.Join(root, "cmd", "newsjet")}
	for svc := range StageConsumers {
		dirs[svc] = filepath.Join(root, "services", svc)
	}
	own := map[string]map[string]bool{}
	for program, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s (%v)", dir, err)
		}
		own[program] = map[string]bool{}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range flagRE.FindAllStringSubmatch(string(src), -1) {
				own[program][stage.EnvName(m[1])] = true
			}
		}
	}
	return func(program, name string) bool { return runtime[name] || own[program][name] }
}

type overlay struct {
	name   string
	policy func(t *testing.T) Policy
}

var overlays = []overlay{
	{"dev", func(t *testing.T) Policy {
		return Policy{Namespace: "newsjet", Images: builtImages(t), Tag: DevTag, Autoscaler: NoAutoscaler,
			StreamReplicas: 1, KnownEnv: knownEnv(t), LagMetadata: lagMetadata(t)}
	}},
	{"prod", func(t *testing.T) Policy {
		return Policy{Namespace: "newsjet", Images: builtImages(t), ReleaseTag: true, Autoscaler: KEDA,
			StreamReplicas: 3, ExternalSecrets: exampleSecrets(t), KnownEnv: knownEnv(t), LagMetadata: lagMetadata(t)}
	}},
	{"prod-hpa", func(t *testing.T) Policy {
		return Policy{Namespace: "newsjet", Images: builtImages(t), ReleaseTag: true, Autoscaler: HPA,
			StreamReplicas: 3, ExternalSecrets: exampleSecrets(t), KnownEnv: knownEnv(t), LagMetadata: lagMetadata(t)}
	}},
}

var (
	renderOnce sync.Map // overlay name -> func() ([]Object, error)
)

// render builds an overlay once per test binary and returns fresh copies of its objects.
func render(t *testing.T, name string) []Object {
	t.Helper()
	f, _ := renderOnce.LoadOrStore(name, sync.OnceValues(func() ([]Object, error) {
		d, err := loadDecoder()
		if err != nil {
			return nil, err
		}
		return d.Render(deployPath("overlays", name))
	}))
	objs, err := f.(func() ([]Object, error))()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]Object, len(objs))
	for i, o := range objs {
		c, err := decoder(t).Decode(o.JSON)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = c
	}
	return out
}

// TestOverlays renders every overlay, decodes each object strictly against its API type
// and checks the deployment policy.
func TestOverlays(t *testing.T) {
	dirs, err := filepath.Glob(deployPath("overlays", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != len(overlays) {
		t.Fatalf("deploy/overlays has %d overlays, the test knows %d: add the new one here", len(dirs), len(overlays))
	}
	for _, ov := range overlays {
		t.Run(ov.name, func(t *testing.T) {
			objs := render(t, ov.name)
			kinds := map[string]int{}
			for _, o := range objs {
				kinds[o.Kind]++
			}
			t.Logf("%d objects: %v", len(objs), kinds)
			for _, err := range Check(objs, ov.policy(t)) {
				t.Error(err)
			}
		})
	}
}

// TestPolicyCatchesViolations breaks one rule at a time in the prod overlay and expects
// Check to name it.
func TestPolicyCatchesViolations(t *testing.T) {
	policy := overlays[1].policy(t)
	if errs := Check(render(t, "prod"), policy); len(errs) != 0 {
		t.Fatalf("prod overlay does not pass: %v", errs)
	}
	deployment := func(objs []Object, name string) *appsv1.Deployment {
		for _, o := range objs {
			if d, ok := o.Typed.(*appsv1.Deployment); ok && d.Name == name {
				return d
			}
		}
		t.Fatalf("no Deployment %s", name)
		return nil
	}
	// setLagMetadata sets a metadata key of the nats-jetstream trigger of a stage's ScaledObject.
	setLagMetadata := func(objs []Object, name, key, value string) {
		for _, x := range objs {
			u, ok := x.Typed.(*unstructured.Unstructured)
			if !ok || u.GetKind() != "ScaledObject" || u.GetName() != name {
				continue
			}
			triggers, _, _ := unstructured.NestedSlice(u.Object, "spec", "triggers")
			meta := triggers[0].(map[string]any)["metadata"].(map[string]any)
			meta[key] = value
			if err := unstructured.SetNestedSlice(u.Object, triggers, "spec", "triggers"); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatalf("no ScaledObject %s", name)
	}
	without := func(objs []Object, kind, name string) []Object {
		return slices.DeleteFunc(objs, func(o Object) bool { return o.Kind == kind && o.Name == name })
	}
	cases := []struct {
		name   string
		break_ func([]Object) []Object
		want   string
	}{
		{"latest tag", func(o []Object) []Object {
			deployment(o, "cleaner").Spec.Template.Spec.Containers[0].Image = "newsjet/cleaner:latest"
			return o
		}, "latest tag"},
		{"dev tag in release", func(o []Object) []Object {
			deployment(o, "cleaner").Spec.Template.Spec.Containers[0].Image = "newsjet/cleaner:dev"
			return o
		}, `moving "dev" tag`},
		{"image not built", func(o []Object) []Object {
			deployment(o, "sink").Spec.Template.Spec.Containers[0].Image = "example/sink:v1"
			return o
		}, "not built by scripts/build-images.sh"},
		{"no readiness probe", func(o []Object) []Object {
			deployment(o, "fetcher").Spec.Template.Spec.Containers[0].ReadinessProbe = nil
			return o
		}, "readinessProbe"},
		{"liveness on wrong path", func(o []Object) []Object {
			deployment(o, "fetcher").Spec.Template.Spec.Containers[0].LivenessProbe.HTTPGet.Path = "/"
			return o
		}, `livenessProbe path "/"`},
		{"no memory limit", func(o []Object) []Object {
			delete(deployment(o, "extractor").Spec.Template.Spec.Containers[0].Resources.Limits, corev1.ResourceMemory)
			return o
		}, "memory request and limit"},
		{"writable root", func(o []Object) []Object {
			deployment(o, "extractor").Spec.Template.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem = ptr.To(false)
			return o
		}, "readOnlyRootFilesystem"},
		{"root user", func(o []Object) []Object {
			deployment(o, "sink").Spec.Template.Spec.SecurityContext.RunAsUser = ptr.To[int64](0)
			return o
		}, "non-root user"},
		{"service account token", func(o []Object) []Object {
			deployment(o, "sink").Spec.Template.Spec.AutomountServiceAccountToken = nil
			return o
		}, "automountServiceAccountToken"},
		{"hostPath volume", func(o []Object) []Object {
			s := &deployment(o, "cleaner").Spec.Template.Spec
			s.Volumes = append(s.Volumes, corev1.Volume{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}})
			return o
		}, "only emptyDir"},
		{"no PDB", func(o []Object) []Object { return without(o, "PodDisruptionBudget", "cleaner") }, "PodDisruptionBudgets select it"},
		{"no metrics Service", func(o []Object) []Object { return without(o, "Service", "extractor") }, "no metrics Service"},
		{"no NATS egress", func(o []Object) []Object { return without(o, "NetworkPolicy", "fetcher") }, "reach NATS"},
		{"no ScaledObject", func(o []Object) []Object { return without(o, "ScaledObject", "sink") }, "0 ScaledObjects"},
		{"replicas pinned under KEDA", func(o []Object) []Object {
			deployment(o, "sink").Spec.Replicas = ptr.To[int32](3)
			return o
		}, "spec.replicas is set"},
		{"scaled on another consumer", func(o []Object) []Object {
			setLagMetadata(o, "extractor", "consumer", "cleaner")
			return o
		}, "scales on NEWS_CLEANED/cleaner"},
		{"unknown trigger metadata", func(o []Object) []Object {
			setLagMetadata(o, "sink", "lagTreshold", "5")
			return o
		}, `unknown nats-jetstream metadata "lagTreshold"`},
		{"more replicas than MaxAckPending feeds", func(o []Object) []Object {
			for _, x := range o {
				if u, ok := x.Typed.(*unstructured.Unstructured); ok && u.GetKind() == "ScaledObject" && u.GetName() == "fetcher" {
					if err := unstructured.SetNestedField(u.Object, int64(20), "spec", "maxReplicaCount"); err != nil {
						t.Fatal(err)
					}
				}
			}
			return o
		}, "exceed the consumer's MaxAckPending"},
		{"missing NACK consumer", func(o []Object) []Object { return without(o, "Consumer", "news-raw-cleaner") }, "no NACK Consumer"},
		{"unknown setting", func(o []Object) []Object {
			c := &deployment(o, "cleaner").Spec.Template.Spec.Containers[0]
			c.Env = append(c.Env, corev1.EnvVar{Name: "NEWSJET_NATS_ULR", Value: "x"})
			return o
		}, "NEWSJET_NATS_ULR is not a setting"},
		{"missing secret key", func(o []Object) []Object {
			for _, e := range deployment(o, "sink").Spec.Template.Spec.Containers[0].Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					e.ValueFrom.SecretKeyRef.Key = "password"
				}
			}
			return o
		}, `key "password"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantViolation(t, Check(c.break_(render(t, "prod")), policy), c.want)
		})
	}
}

// wantViolation fails unless one of errs mentions want; each must wrap ErrPolicy.
func wantViolation(t *testing.T, errs []error, want string) {
	t.Helper()
	found := false
	for _, err := range errs {
		if !errors.Is(err, ErrPolicy) {
			t.Errorf("%v does not wrap ErrPolicy", err)
		}
		found = found || strings.Contains(err.Error(), want)
	}
	if !found {
		t.Errorf("no violation mentions %q; got %v", want, errs)
	}
}

func TestDecodeIsStrict(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want error
	}{
		{"unknown field", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replica: 2\n", ErrDecode},
		{"wrong type", "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: 80\n", ErrDecode},
		{"duplicate field", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\ndata: {c: d}\n", ErrDecode},
		{"CRD unknown field", "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: x}\nspec:\n  scaleTargetRef: {name: x}\n  trigger: []\n", ErrDecode},
		{"NACK unknown field", "apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: {name: x}\nspec: {name: X, subjects: [a], retention: limits, storage: file, replicas: 1, maxage: 1h}\n", ErrDecode},
		{"NACK value outside the enum", "apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: {name: x}\nspec: {name: X, subjects: [a], retention: work-queue, storage: file, replicas: 1}\n", ErrDecode},
		{"CRD wrong type", "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: x}\nspec:\n  scaleTargetRef: {name: x}\n  maxReplicaCount: many\n  triggers: [{type: cpu, metadata: {value: '50'}}]\n", ErrDecode},
		{"CRD metadata unknown field", "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: x, label: {a: b}}\nspec: {selector: {}, endpoints: [{port: http}]}\n", ErrDecode},
		{"unknown kind", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", ErrUnknownKind},
		{"no name", "apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n", ErrDecode},
		{"not YAML", "apiVersion: [\n", ErrDecode},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := decoder(t).Decode([]byte(c.yaml)); !errors.Is(err, c.want) {
				t.Errorf("Decode = %v, want %v", err, c.want)
			}
		})
	}
	good := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x, namespace: ns}\nspec:\n  selector: {matchLabels: {a: b}}\n  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: x, image: 'i:1'}]}}\n"
	o, err := decoder(t).Decode([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := o.Typed.(*appsv1.Deployment); !ok || d.Spec.Template.Spec.Containers[0].Image != "i:1" || o.ID() != "Deployment/ns/x" {
		t.Errorf("Decode(good) = %+v", o)
	}
}

func TestRenderReportsBadKustomization(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources: [missing.yaml]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := decoder(t).Render(dir); !errors.Is(err, ErrRender) {
		t.Errorf("Render = %v, want ErrRender", err)
	}
}
