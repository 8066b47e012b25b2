package manifests

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	nackv1beta2 "github.com/nats-io/nack/pkg/jetstream/apis/jetstream/v1beta2"

	"github.com/newsjet/newsjet/pkg/schema"
)

// ErrPolicy is wrapped by every policy violation Check reports.
var ErrPolicy = errors.New("manifests: policy violation")

// Autoscaler is how an overlay scales the stages.
type Autoscaler int

// The autoscalers an overlay may use.
const (
	NoAutoscaler Autoscaler = iota
	KEDA
	HPA
)

// Policy is what one overlay must satisfy besides the rules every overlay follows.
type Policy struct {
	// Namespace every namespaced object must be in.
	Namespace string
	// Images are the names scripts/build-images.sh builds (newsjet/<service>, JobImage).
	Images []string
	// Tag is the image tag every stage (and Job) must use; "" accepts any tag but "latest".
	Tag string
	// ReleaseTag refuses DevTag, the moving tag scripts/build-images.sh also applies.
	ReleaseTag bool
	// Autoscaler every stage Deployment must have (and no other).
	Autoscaler Autoscaler
	// StreamReplicas is the replica count of every NACK stream and object store.
	StreamReplicas int
	// ExternalSecrets are Secrets the overlay expects to exist already (created by the
	// operator), by name, with their keys.
	ExternalSecrets map[string][]string
	// KnownEnv reports whether a NEWSJET_* variable is read by the named program: a
	// stage, or JobProgram for the Jobs.
	KnownEnv func(program, name string) bool
	// LagMetadata lists the metadata keys of KEDA's nats-jetstream trigger, true for a
	// required one (crd.TriggerMetadata reads them from KEDA's source).
	LagMetadata map[string]bool
}

// LagTrigger is the KEDA trigger type that scales a stage on its consumer's lag.
const LagTrigger = "nats-jetstream"

// DevTag is the moving tag scripts/build-images.sh gives every image besides its version.
const DevTag = "dev"

// StageConsumers maps each stage to the durable consumer it reads (pkg/schema).
var StageConsumers = map[string]schema.ConsumerSpec{
	"fetcher":   schema.FetcherConsumer,
	"cleaner":   schema.CleanerConsumer,
	"extractor": schema.ExtractorConsumer,
	"sink":      schema.SinkConsumer,
}

// Ports the stages and their dependencies listen on.
const (
	natsClientPort = 4222
	postgresPort   = 5432
	httpPortName   = "http"
)

type index struct {
	deployments map[string]*appsv1.Deployment
	services    []*corev1.Service
	pdbs        []*policyv1.PodDisruptionBudget
	netpols     []*networkingv1.NetworkPolicy
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	scaled      []scaledObject
	configMaps  map[string]*corev1.ConfigMap
	secrets     map[string][]string
	streams     map[string]nackv1beta2.StreamSpec
	consumers   map[string]nackv1beta2.ConsumerSpec
	stores      []*nackv1beta2.ObjectStore
}

// scaledObject is what the policy reads of a KEDA ScaledObject, whose schema Decode checked
// against KEDA's definition.
type scaledObject struct {
	name                   string
	targetKind, targetName string
	min, max               *int32
	triggers               []scaleTrigger
}

type scaleTrigger struct {
	kind     string
	metadata map[string]string
}

func readScaledObject(u *unstructured.Unstructured) scaledObject {
	so := scaledObject{name: u.GetName()}
	so.targetKind, _, _ = unstructured.NestedString(u.Object, "spec", "scaleTargetRef", "kind")
	so.targetName, _, _ = unstructured.NestedString(u.Object, "spec", "scaleTargetRef", "name")
	count := func(field string) *int32 {
		if n, ok, _ := unstructured.NestedInt64(u.Object, "spec", field); ok {
			v := int32(n)
			return &v
		}
		return nil
	}
	so.min, so.max = count("minReplicaCount"), count("maxReplicaCount")
	triggers, _, _ := unstructured.NestedSlice(u.Object, "spec", "triggers")
	for _, t := range triggers {
		m, _ := t.(map[string]any)
		kind, _, _ := unstructured.NestedString(m, "type")
		meta, _, _ := unstructured.NestedStringMap(m, "metadata")
		so.triggers = append(so.triggers, scaleTrigger{kind: kind, metadata: meta})
	}
	return so
}

func newIndex(objs []Object, p Policy) *index {
	ix := &index{
		deployments: map[string]*appsv1.Deployment{},
		configMaps:  map[string]*corev1.ConfigMap{},
		secrets:     map[string][]string{},
		streams:     map[string]nackv1beta2.StreamSpec{},
		consumers:   map[string]nackv1beta2.ConsumerSpec{},
	}
	for name, keys := range p.ExternalSecrets {
		ix.secrets[name] = keys
	}
	for _, o := range objs {
		switch t := o.Typed.(type) {
		case *appsv1.Deployment:
			ix.deployments[t.Name] = t
		case *corev1.Service:
			ix.services = append(ix.services, t)
		case *policyv1.PodDisruptionBudget:
			ix.pdbs = append(ix.pdbs, t)
		case *networkingv1.NetworkPolicy:
			ix.netpols = append(ix.netpols, t)
		case *autoscalingv2.HorizontalPodAutoscaler:
			ix.hpas = append(ix.hpas, t)
		case *unstructured.Unstructured:
			if t.GetKind() == "ScaledObject" {
				ix.scaled = append(ix.scaled, readScaledObject(t))
			}
		case *corev1.ConfigMap:
			ix.configMaps[t.Name] = t
		case *corev1.Secret:
			var keys []string
			for k := range t.Data {
				keys = append(keys, k)
			}
			for k := range t.StringData {
				keys = append(keys, k)
			}
			ix.secrets[t.Name] = keys
		case *nackv1beta2.Stream:
			ix.streams[t.Spec.Name] = t.Spec
		case *nackv1beta2.Consumer:
			ix.consumers[t.Spec.StreamName+"/"+t.Spec.DurableName] = t.Spec
		case *nackv1beta2.ObjectStore:
			ix.stores = append(ix.stores, t)
		}
	}
	return ix
}

// Check returns every policy violation of the rendered objects, each wrapping ErrPolicy.
//
// Every overlay: each Deployment is one of the stages, runs newsjet/<stage> with a pinned
// tag, has startup/liveness/readiness probes on /healthz and /readyz, CPU and memory
// requests and limits, runs as a numeric non-root user with a read-only root file system,
// no privilege escalation, all capabilities dropped, the RuntimeDefault seccomp profile
// and no service-account token; it writes nowhere but size-limited emptyDirs; it has a
// PodDisruptionBudget, a metrics Service and a NetworkPolicy that lets it reach NATS
// (only the sink also reaches PostgreSQL); its ConfigMaps and Secrets exist and set only
// NEWSJET_* variables the service reads, with stream provisioning off; its autoscaler is
// the overlay's, scaling on the stage's own pkg/schema consumer, and then the Deployment
// leaves spec.replicas to it; its largest replica count times NEWSJET_CONCURRENCY fits
// the consumer's MaxAckPending. NACK streams and consumers cover every stage at the
// overlay's replica count.
func Check(objs []Object, p Policy) []error {
	var errs []error
	bad := func(id, format string, args ...any) { errs = append(errs, violation(id, format, args...)) }
	ix := newIndex(objs, p)
	for _, o := range objs {
		if o.Kind != "Namespace" && o.Namespace != p.Namespace {
			bad(o.ID(), "namespace %q, want %q", o.Namespace, p.Namespace)
		}
	}
	if len(ix.deployments) != len(StageConsumers) {
		bad("Deployments", "%d stage Deployments, want %d", len(ix.deployments), len(StageConsumers))
	}
	for name, d := range ix.deployments {
		id := "Deployment/" + name
		if _, ok := StageConsumers[name]; !ok {
			bad(id, "not a newsjet stage")
			continue
		}
		env := checkPod(id, name, d, p, ix, bad)
		checkCompanions(id, name, d, ix, bad)
		checkAutoscaling(id, name, d, env, p, ix, bad)
	}
	checkJetStream(p, ix, bad)
	return errs
}

type badFunc func(id, format string, args ...any)

// violation is a policy violation of the object id, wrapping ErrPolicy.
func violation(id, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrPolicy, id, fmt.Sprintf(format, args...))
}

// checkPod checks the pod template and returns the container's environment.
func checkPod(id, name string, d *appsv1.Deployment, p Policy, ix *index, bad badFunc) map[string]string {
	spec := d.Spec.Template.Spec
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || sel.Empty() || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		bad(id, "selector does not select its own pod template")
	}
	checkPodSecurity(id, spec, bad)
	c, ok := onlyContainer(id, spec, bad)
	if !ok {
		return nil
	}
	if c.Name != name {
		bad(id, "container %q should be named after its stage", c.Name)
	}
	checkImage(id, "newsjet/"+name, c, p, bad)
	checkProbes(id, c, bad)
	checkResources(id, c, bad)
	checkContainerSecurity(id, c, bad)
	checkVolumes(id, spec, c, ix, bad)
	env := podEnv(id, name, c, p, ix, bad)
	checkStageEnv(id, env, p, bad)
	return env
}

// checkPodSecurity checks the pod-level settings of the restricted profile newsjet's pods
// follow: no service-account token, a numeric non-root user, the RuntimeDefault seccomp
// profile.
func checkPodSecurity(id string, spec corev1.PodSpec, bad badFunc) {
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		bad(id, "automountServiceAccountToken must be false")
	}
	psc := spec.SecurityContext
	if psc == nil {
		bad(id, "no pod securityContext")
		return
	}
	if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		bad(id, "pod runAsNonRoot must be true")
	}
	if psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		bad(id, "pod runAsUser must be a numeric non-root user")
	}
	if psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		bad(id, "pod seccompProfile must be RuntimeDefault")
	}
}

// onlyContainer returns the pod's one container, reporting a pod with another count or
// with init or ephemeral containers; ok is false when there is not exactly one.
func onlyContainer(id string, spec corev1.PodSpec, bad badFunc) (c corev1.Container, ok bool) {
	if len(spec.Containers) != 1 {
		bad(id, "%d containers, want exactly one", len(spec.Containers))
		return c, false
	}
	if len(spec.InitContainers) > 0 || len(spec.EphemeralContainers) > 0 {
		bad(id, "init or ephemeral containers are not expected")
	}
	return spec.Containers[0], true
}

// checkImage checks that the container runs image (newsjet/<name>, one of p.Images) with a
// tag p accepts, pulled only when absent from the node.
func checkImage(id, image string, c corev1.Container, p Policy, bad badFunc) {
	ref, tag := c.Image, ""
	if i := strings.LastIndexByte(c.Image, ':'); i > strings.LastIndexByte(c.Image, '/') {
		ref, tag = c.Image[:i], c.Image[i+1:]
	}
	switch {
	case tag == "":
		bad(id, "image %q has no tag", c.Image)
	case tag == "latest":
		bad(id, "image %q uses the latest tag", c.Image)
	case p.Tag != "" && tag != p.Tag:
		bad(id, "image %q, want tag %q", c.Image, p.Tag)
	case p.ReleaseTag && tag == DevTag:
		bad(id, "image %q uses the moving %q tag in a release overlay", c.Image, DevTag)
	}
	if ref != image {
		bad(id, "image %q is not %s", c.Image, image)
	}
	if !slices.Contains(p.Images, ref) {
		bad(id, "image %q is not built by scripts/build-images.sh (%v)", ref, p.Images)
	}
	if c.ImagePullPolicy == corev1.PullAlways || c.ImagePullPolicy == "" {
		bad(id, "imagePullPolicy %q: images are loaded onto the nodes, set IfNotPresent", c.ImagePullPolicy)
	}
}

func portNamed(c corev1.Container, name string) bool {
	return slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == name })
}

func checkProbes(id string, c corev1.Container, bad badFunc) {
	want := []struct {
		kind  string
		probe *corev1.Probe
		path  string
	}{
		{"startupProbe", c.StartupProbe, "/healthz"},
		{"livenessProbe", c.LivenessProbe, "/healthz"},
		{"readinessProbe", c.ReadinessProbe, "/readyz"},
	}
	for _, w := range want {
		if w.probe == nil || w.probe.HTTPGet == nil {
			bad(id, "%s must be an HTTP GET of %s", w.kind, w.path)
			continue
		}
		g := w.probe.HTTPGet
		if g.Path != w.path {
			bad(id, "%s path %q, want %q", w.kind, g.Path, w.path)
		}
		if g.Port.StrVal == "" || !portNamed(c, g.Port.StrVal) {
			bad(id, "%s must use a named container port, got %q", w.kind, g.Port.String())
		}
	}
	if !portNamed(c, httpPortName) {
		bad(id, "no container port named %q", httpPortName)
	}
}

func checkResources(id string, c corev1.Container, bad badFunc) {
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := c.Resources.Requests[r]
		lim, okLim := c.Resources.Limits[r]
		if !okReq || !okLim || req.IsZero() || lim.IsZero() {
			bad(id, "%s request and limit must both be set", r)
			continue
		}
		if req.Cmp(lim) > 0 {
			bad(id, "%s request %s exceeds limit %s", r, req.String(), lim.String())
		}
	}
}

func checkContainerSecurity(id string, c corev1.Container, bad badFunc) {
	sc := c.SecurityContext
	if sc == nil {
		bad(id, "no container securityContext")
		return
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		bad(id, "allowPrivilegeEscalation must be false")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		bad(id, "readOnlyRootFilesystem must be true")
	}
	if sc.Privileged != nil && *sc.Privileged {
		bad(id, "must not be privileged")
	}
	if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
		bad(id, "container runs as root")
	}
	if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
		bad(id, "capabilities must drop ALL and add none")
	}
}

func checkVolumes(id string, spec corev1.PodSpec, c corev1.Container, ix *index, bad badFunc) {
	vols := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		vols[v.Name] = v
		switch {
		case v.EmptyDir != nil:
			if v.EmptyDir.SizeLimit == nil {
				bad(id, "emptyDir %q has no sizeLimit", v.Name)
			}
		case v.Secret != nil:
			if _, ok := ix.secrets[v.Secret.SecretName]; !ok {
				bad(id, "volume %q mounts unknown Secret %q", v.Name, v.Secret.SecretName)
			}
		case v.ConfigMap != nil:
			if _, ok := ix.configMaps[v.ConfigMap.Name]; !ok {
				bad(id, "volume %q mounts unknown ConfigMap %q", v.Name, v.ConfigMap.Name)
			}
		default:
			bad(id, "volume %q: only emptyDir, Secret and ConfigMap volumes are allowed", v.Name)
		}
	}
	for _, m := range c.VolumeMounts {
		v, ok := vols[m.Name]
		if !ok {
			bad(id, "mount of unknown volume %q", m.Name)
			continue
		}
		if v.EmptyDir == nil && !m.ReadOnly {
			bad(id, "mount %q must be read-only: only emptyDirs are written", m.Name)
		}
	}
}

// podEnv returns the container's environment (its ConfigMaps, then its literal entries),
// checking that every ConfigMap and Secret key it reads exists and that it sets only
// NEWSJET_* variables the named program reads (p.KnownEnv) and Go runtime settings.
func podEnv(id, name string, c corev1.Container, p Policy, ix *index, bad badFunc) map[string]string {
	env := map[string]string{}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			cm, ok := ix.configMaps[ef.ConfigMapRef.Name]
			if !ok {
				bad(id, "envFrom unknown ConfigMap %q", ef.ConfigMapRef.Name)
				continue
			}
			for k, v := range cm.Data {
				env[k] = v
			}
		case ef.SecretRef != nil:
			bad(id, "envFrom Secret %q: reference single keys instead", ef.SecretRef.Name)
		}
	}
	for _, e := range c.Env {
		env[e.Name] = e.Value
		if e.ValueFrom == nil {
			continue
		}
		switch {
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			keys, ok := ix.secrets[ref.Name]
			if !ok || !slices.Contains(keys, ref.Key) {
				bad(id, "env %s reads key %q of Secret %q, which does not exist", e.Name, ref.Key, ref.Name)
			}
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			cm, ok := ix.configMaps[ref.Name]
			if !ok {
				bad(id, "env %s reads unknown ConfigMap %q", e.Name, ref.Name)
			} else if _, ok := cm.Data[ref.Key]; !ok {
				bad(id, "env %s reads missing key %q of ConfigMap %q", e.Name, ref.Key, ref.Name)
			}
		}
	}
	for k := range env {
		switch {
		case strings.HasPrefix(k, "NEWSJET_"):
			if p.KnownEnv != nil && !p.KnownEnv(name, k) {
				bad(id, "%s is not a setting %s reads", k, name)
			}
		case k == "GOMEMLIMIT" || k == "GOMAXPROCS" || k == "GOGC":
		default:
			bad(id, "unexpected environment variable %s", k)
		}
	}
	return env
}

// checkStageEnv checks the settings every stage needs: provisioning off, the overlay's
// stream replicas, a nats:// URL and an HTTP address for probes and metrics.
func checkStageEnv(id string, env map[string]string, p Policy, bad badFunc) {
	if v, ok := env["NEWSJET_PROVISION"]; !ok || v != "false" {
		bad(id, "NEWSJET_PROVISION must be false: NACK owns the streams and consumers")
	}
	if v := env["NEWSJET_STREAM_REPLICAS"]; v != strconv.Itoa(p.StreamReplicas) {
		bad(id, "NEWSJET_STREAM_REPLICAS %q, want %d", v, p.StreamReplicas)
	}
	if !strings.HasPrefix(env["NEWSJET_NATS_URL"], "nats://") {
		bad(id, "NEWSJET_NATS_URL %q is not a nats:// URL", env["NEWSJET_NATS_URL"])
	}
	if env["NEWSJET_HTTP_ADDR"] == "" {
		bad(id, "NEWSJET_HTTP_ADDR must be set: probes and metrics need it")
	}
}

func selects(sel map[string]string, podLabels map[string]string) bool {
	return len(sel) > 0 && labels.SelectorFromSet(sel).Matches(labels.Set(podLabels))
}

func checkCompanions(id, name string, d *appsv1.Deployment, ix *index, bad badFunc) {
	pod := d.Spec.Template.Labels
	c := d.Spec.Template.Spec.Containers[0]
	pdb := 0
	for _, p := range ix.pdbs {
		s, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err == nil && !s.Empty() && s.Matches(labels.Set(pod)) {
			pdb++
			if p.Spec.MinAvailable == nil && p.Spec.MaxUnavailable == nil {
				bad(id, "PodDisruptionBudget %s sets neither minAvailable nor maxUnavailable", p.Name)
			}
		}
	}
	if pdb != 1 {
		bad(id, "%d PodDisruptionBudgets select it, want 1", pdb)
	}
	metrics := false
	for _, s := range ix.services {
		if !selects(s.Spec.Selector, pod) {
			continue
		}
		for _, sp := range s.Spec.Ports {
			if sp.TargetPort.StrVal != "" && !portNamed(c, sp.TargetPort.StrVal) {
				bad(id, "Service %s targets port %q the container does not name", s.Name, sp.TargetPort.StrVal)
			}
			if sp.Name == httpPortName && s.Labels["newsjet.io/metrics"] == "true" {
				metrics = true
			}
		}
	}
	if !metrics {
		bad(id, "no metrics Service (label newsjet.io/metrics=true, port %q) selects it", httpPortName)
	}
	checkNetwork(id, name, pod, ix, bad)
}

// checkNetwork requires a default-deny policy over the namespace and, for the stage,
// egress to the NATS client port; PostgreSQL's port is for the sink alone.
func checkNetwork(id, name string, pod map[string]string, ix *index, bad badFunc) {
	denyIn, denyOut, nats, postgres := false, false, false, false
	for _, np := range ix.netpols {
		s, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil || !s.Matches(labels.Set(pod)) {
			continue
		}
		if s.Empty() && len(np.Spec.Ingress) == 0 && len(np.Spec.Egress) == 0 {
			denyIn = denyIn || slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
			denyOut = denyOut || slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
		for _, rule := range np.Spec.Egress {
			for _, port := range rule.Ports {
				if port.Port == nil {
					bad(id, "NetworkPolicy %s allows egress on every port", np.Name)
					continue
				}
				switch port.Port.IntValue() {
				case natsClientPort:
					nats = nats || len(rule.To) > 0
				case postgresPort:
					postgres = true
				}
			}
			if len(rule.Ports) == 0 {
				bad(id, "NetworkPolicy %s allows egress on every port", np.Name)
			}
		}
	}
	if !denyIn || !denyOut {
		bad(id, "no default-deny NetworkPolicy for ingress and egress")
	}
	if !nats {
		bad(id, "no NetworkPolicy lets it reach NATS on %d", natsClientPort)
	}
	if postgres != (name == "sink") {
		bad(id, "egress to PostgreSQL (%d) is for the sink alone", postgresPort)
	}
}

// checkAutoscaling checks the stage's autoscaler and that its largest replica count can
// use its concurrency: replicas × NEWSJET_CONCURRENCY must not exceed the consumer's
// MaxAckPending, or the extra replicas get no messages.
func checkAutoscaling(id, name string, d *appsv1.Deployment, env map[string]string, p Policy, ix *index, bad badFunc) {
	var keda []scaledObject
	for _, so := range ix.scaled {
		if so.targetName == name {
			keda = append(keda, so)
		}
	}
	var hpas []*autoscalingv2.HorizontalPodAutoscaler
	for _, h := range ix.hpas {
		if h.Spec.ScaleTargetRef.Kind == "Deployment" && h.Spec.ScaleTargetRef.Name == name {
			hpas = append(hpas, h)
		}
	}
	want := map[Autoscaler][2]int{NoAutoscaler: {0, 0}, KEDA: {1, 0}, HPA: {0, 1}}[p.Autoscaler]
	if len(keda) != want[0] || len(hpas) != want[1] {
		bad(id, "%d ScaledObjects and %d HPAs scale it, want %d and %d", len(keda), len(hpas), want[0], want[1])
	}
	if p.Autoscaler != NoAutoscaler && d.Spec.Replicas != nil {
		bad(id, "spec.replicas is set although an autoscaler owns the replica count")
	}
	maxReplicas := 1
	if d.Spec.Replicas != nil {
		maxReplicas = int(*d.Spec.Replicas)
	}
	for _, so := range keda {
		checkScaledObject(id, name, so, p, ix, bad)
		if so.max != nil {
			maxReplicas = int(*so.max)
		}
	}
	for _, h := range hpas {
		maxReplicas = int(h.Spec.MaxReplicas)
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 1 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
			bad(id, "HPA %s replica range is not 1 <= min <= max", h.Name)
		}
		if len(h.Spec.Metrics) == 0 {
			bad(id, "HPA %s has no metrics", h.Name)
		}
	}
	conc, err := strconv.Atoi(env["NEWSJET_CONCURRENCY"])
	if err != nil || conc < 1 {
		bad(id, "NEWSJET_CONCURRENCY %q must be set to a positive integer", env["NEWSJET_CONCURRENCY"])
		return
	}
	if limit := StageConsumers[name].MaxAckPending; conc*maxReplicas > limit {
		bad(id, "%d replicas × concurrency %d exceed the consumer's MaxAckPending %d", maxReplicas, conc, limit)
	}
}

func checkScaledObject(id, name string, so scaledObject, p Policy, ix *index, bad badFunc) {
	if so.targetKind != "" && so.targetKind != "Deployment" {
		bad(id, "ScaledObject %s targets kind %q", so.name, so.targetKind)
	}
	min, max := int32(0), int32(100)
	if so.min != nil {
		min = *so.min
	}
	if so.max != nil {
		max = *so.max
	}
	if min > max || max < 1 {
		bad(id, "ScaledObject %s replica range %d..%d", so.name, min, max)
	}
	spec := StageConsumers[name]
	lag := 0
	for _, tr := range so.triggers {
		if tr.kind != LagTrigger {
			continue
		}
		lag++
		for k := range tr.metadata {
			if _, ok := p.LagMetadata[k]; !ok {
				bad(id, "ScaledObject %s: unknown %s metadata %q", so.name, LagTrigger, k)
			}
		}
		for k, required := range p.LagMetadata {
			if _, ok := tr.metadata[k]; required && !ok {
				bad(id, "ScaledObject %s: %s metadata %q missing", so.name, LagTrigger, k)
			}
		}
		if tr.metadata["stream"] != spec.Stream || tr.metadata["consumer"] != spec.Durable {
			bad(id, "ScaledObject %s scales on %s/%s, the stage consumes %s/%s", so.name,
				tr.metadata["stream"], tr.metadata["consumer"], spec.Stream, spec.Durable)
		}
		if n, err := strconv.Atoi(tr.metadata["lagThreshold"]); err != nil || n < 1 {
			bad(id, "ScaledObject %s: lagThreshold %q is not a positive integer", so.name, tr.metadata["lagThreshold"])
		}
		if _, ok := ix.consumers[spec.Stream+"/"+spec.Durable]; !ok {
			bad(id, "ScaledObject %s watches consumer %s/%s, which no NACK Consumer declares", so.name, spec.Stream, spec.Durable)
		}
	}
	if lag != 1 {
		bad(id, "ScaledObject %s has %d %s triggers, want 1", so.name, lag, LagTrigger)
	}
}

func checkJetStream(p Policy, ix *index, bad badFunc) {
	for _, spec := range schema.Streams() {
		s, ok := ix.streams[spec.Name]
		if !ok {
			bad("Stream/"+spec.Name, "no NACK Stream declares it")
			continue
		}
		if s.Replicas != p.StreamReplicas {
			bad("Stream/"+spec.Name, "replicas %d, want %d", s.Replicas, p.StreamReplicas)
		}
	}
	for stage, spec := range StageConsumers {
		if _, ok := ix.consumers[spec.Stream+"/"+spec.Durable]; !ok {
			bad("Consumer/"+spec.Durable, "no NACK Consumer declares the %s stage's consumer", stage)
		}
	}
	for _, c := range ix.consumers {
		if _, ok := ix.streams[c.StreamName]; !ok {
			bad("Consumer/"+c.DurableName, "reads stream %s, which no NACK Stream declares", c.StreamName)
		}
	}
	for _, o := range ix.stores {
		if o.Spec.Replicas != p.StreamReplicas {
			bad("ObjectStore/"+o.Spec.Bucket, "replicas %d, want %d", o.Spec.Replicas, p.StreamReplicas)
		}
	}
}
