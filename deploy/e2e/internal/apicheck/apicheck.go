// Package apicheck applies sets of manifests to a real API server the way a cluster would
// receive them, and reports every refusal by object and field. For each set: a server-side
// dry run of every object, a real server-side apply, a server-side dry-run Pod for every pod
// template (so PodSecurity admission judges it under its namespace's level), a second apply
// that must change nothing, then removal of all it created. An object named on creation
// (metadata.generateName, such as a Job an operator starts with kubectl create) is created
// instead of applied, as kubectl create does, and is not applied again. No controller runs:
// only the API server's validation, defaulting and admission are exercised.
package apicheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/utils/ptr"
)

// Errors wrapped by Check and InstallCRDs.
var (
	ErrRefused = errors.New("apicheck: the API server refused the manifests")
	ErrChanged = errors.New("apicheck: a second apply of unchanged manifests changed objects")
	ErrCleanup = errors.New("apicheck: cannot remove what the check created")
)

// FieldManager is the field manager of every apply.
const FieldManager = "newsjet"

// PodSecurityLabel is the namespace label naming the PodSecurity level admission enforces.
const PodSecurityLabel = "pod-security.kubernetes.io/enforce"

// Set is one group of objects applied and removed together (an overlay, or a chart rendered
// with some values).
type Set struct {
	Name    string
	Objects []*unstructured.Unstructured
	// Namespaces the objects use without declaring them, each with the PodSecurity level
	// to enforce there (as `helm --create-namespace` or an operator would have made them).
	Namespaces map[string]string
}

// Checker applies sets to one API server.
type Checker struct {
	core     kubernetes.Interface
	dyn      dynamic.Interface
	mapper   *restmapper.DeferredDiscoveryRESTMapper
	warnings *warnings
	// Out receives one line per set and phase.
	Out io.Writer
}

// warnings collects the warnings the API server sends back (deprecations, PodSecurity
// warnings on workloads): the check treats each as a refusal.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) HandleWarningHeader(code int, agent, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := w.list
	w.list = nil
	return l
}

// New returns a Checker for the API server cfg reaches.
func New(cfg *rest.Config, out io.Writer) (*Checker, error) {
	w := &warnings{}
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = w
	core, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Checker{
		core: core, dyn: dyn, warnings: w, Out: out,
		mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc)),
	}, nil
}

// ID names an object in messages: Kind/namespace/name (Kind/name when cluster-scoped), with
// the generateName prefix in place of the name of an object named on creation.
func ID(o *unstructured.Unstructured) string {
	name := o.GetName()
	if name == "" {
		name = o.GetGenerateName()
	}
	if o.GetNamespace() == "" {
		return o.GetKind() + "/" + name
	}
	return o.GetKind() + "/" + o.GetNamespace() + "/" + name
}

// generated reports whether the API server names o on creation.
func generated(o *unstructured.Unstructured) bool {
	return o.GetName() == "" && o.GetGenerateName() != ""
}

func (c *Checker) resource(o *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	gvk := o.GroupVersionKind()
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ID(o), err)
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		if o.GetNamespace() == "" {
			return nil, fmt.Errorf("%s: namespaced kind without a namespace", ID(o))
		}
		return c.dyn.Resource(m.Resource).Namespace(o.GetNamespace()), nil
	}
	return c.dyn.Resource(m.Resource), nil
}

// apply sends o as a server-side apply with strict field validation, or, for an object
// named on creation, creates it (strictly validated too). It returns the object the server
// stored (or would store, on a dry run).
func (c *Checker) apply(ctx context.Context, o *unstructured.Unstructured, dryRun bool) (*unstructured.Unstructured, error) {
	r, err := c.resource(o)
	if err != nil {
		return nil, err
	}
	if generated(o) {
		opts := metav1.CreateOptions{FieldManager: FieldManager, FieldValidation: "Strict"}
		if dryRun {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		got, err := r.Create(ctx, o, opts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ID(o), err)
		}
		return got, nil
	}
	data, err := o.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ID(o), err)
	}
	opts := metav1.PatchOptions{FieldManager: FieldManager, FieldValidation: "Strict", Force: ptr.To(true)}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	got, err := r.Patch(ctx, o.GetName(), types.ApplyPatchType, data, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ID(o), err)
	}
	return got, nil
}

// InstallCRDs applies the definitions server-side and waits until each is established,
// at most a minute.
func (c *Checker) InstallCRDs(ctx context.Context, defs []*apiextensionsv1.CustomResourceDefinition) error {
	for _, d := range defs {
		obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d)
		if err != nil {
			return err
		}
		u := &unstructured.Unstructured{Object: obj}
		u.SetAPIVersion("apiextensions.k8s.io/v1")
		u.SetKind("CustomResourceDefinition")
		unstructured.RemoveNestedField(u.Object, "status")
		unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
		if _, err := c.apply(ctx, u, false); err != nil {
			return fmt.Errorf("installing %w", err)
		}
	}
	gvr := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	deadline := time.Now().Add(time.Minute)
	for _, d := range defs {
		for {
			u, err := c.dyn.Resource(gvr).Get(ctx, d.Name, metav1.GetOptions{})
			if err == nil && established(u) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%w: CustomResourceDefinition %s not established: %v", ErrRefused, d.Name, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	c.mapper.Reset()
	_ = c.warnings.take()
	return nil
}

func established(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// Check runs every phase on s and removes what it created, also when a phase fails. The
// error wraps ErrRefused (each refusal names the object, and the server's message names the
// field), ErrChanged or ErrCleanup.
func (c *Checker) Check(ctx context.Context, s Set) (err error) {
	start := time.Now()
	namespaces, objects, err := c.split(s)
	if err != nil {
		return err
	}
	var created []*unstructured.Unstructured
	defer func() {
		if cerr := c.remove(ctx, created); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()
	for _, ns := range namespaces {
		if err := c.refusals(s.Name, "dry run", c.each(ctx, []*unstructured.Unstructured{ns}, true, nil)); err != nil {
			return err
		}
		if err := c.refusals(s.Name, "create", c.each(ctx, []*unstructured.Unstructured{ns}, false, &created)); err != nil {
			return err
		}
		sa := &unstructured.Unstructured{}
		sa.SetAPIVersion("v1")
		sa.SetKind("ServiceAccount")
		sa.SetName("default")
		sa.SetNamespace(ns.GetName())
		if err := c.refusals(s.Name, "create", c.each(ctx, []*unstructured.Unstructured{sa}, false, &created)); err != nil {
			return err
		}
	}
	if err := c.refusals(s.Name, "dry run", c.each(ctx, objects, true, nil)); err != nil {
		return err
	}
	if err := c.refusals(s.Name, "create", c.each(ctx, objects, false, &created)); err != nil {
		return err
	}
	pods, levels, errs := c.dryRunPods(ctx, objects, namespaces)
	if err := c.refusals(s.Name, "pod dry run", errs); err != nil {
		return err
	}
	// kubectl create of an object named on creation makes a new one each time: only the
	// named objects are applied again.
	named := slices.DeleteFunc(slices.Clone(objects), generated)
	if err := c.reapply(ctx, s.Name, named); err != nil {
		return err
	}
	again := "second apply changed nothing"
	if n := len(objects) - len(named); n > 0 {
		again = fmt.Sprintf("second apply of the %d named objects changed nothing (%d named on creation)", len(named), n)
	}
	fmt.Fprintf(c.Out, "apicheck: %s: %d objects accepted (%s); %d pod templates admitted (%s); %s (%.1fs)\n",
		s.Name, len(objects)+len(namespaces), kinds(objects), pods, levels, again, time.Since(start).Seconds())
	return nil
}

// split returns the set's namespaces (declared, then the extra ones it names) and its
// other objects, and refuses an object in a namespace the set neither declares nor names.
func (c *Checker) split(s Set) (namespaces, objects []*unstructured.Unstructured, err error) {
	declared := map[string]bool{}
	for _, o := range s.Objects {
		if o.GetKind() == "Namespace" && o.GetAPIVersion() == "v1" {
			namespaces = append(namespaces, o)
			declared[o.GetName()] = true
		} else {
			objects = append(objects, o)
		}
	}
	extra := slices.Sorted(func(yield func(string) bool) {
		for n := range s.Namespaces {
			if !yield(n) {
				return
			}
		}
	})
	for _, name := range extra {
		if declared[name] {
			continue
		}
		ns := &unstructured.Unstructured{}
		ns.SetAPIVersion("v1")
		ns.SetKind("Namespace")
		ns.SetName(name)
		if level := s.Namespaces[name]; level != "" {
			ns.SetLabels(map[string]string{PodSecurityLabel: level})
		}
		namespaces = append(namespaces, ns)
		declared[name] = true
	}
	for _, o := range objects {
		if ns := o.GetNamespace(); ns != "" && !declared[ns] {
			return nil, nil, fmt.Errorf("%w: %s: %s: namespace %q is not part of the set", ErrRefused, s.Name, ID(o), ns)
		}
	}
	return namespaces, objects, nil
}

// each applies every object (dry run or not), appending what it created to created (as the
// server named it), and returns one error per refusal or warning.
func (c *Checker) each(ctx context.Context, objs []*unstructured.Unstructured, dryRun bool, created *[]*unstructured.Unstructured) []error {
	var errs []error
	for _, o := range objs {
		got, err := c.apply(ctx, o, dryRun)
		switch {
		case err != nil:
			errs = append(errs, err)
		case created != nil && generated(o):
			*created = append(*created, got)
		case created != nil:
			*created = append(*created, o)
		}
		for _, w := range c.warnings.take() {
			errs = append(errs, fmt.Errorf("%s: warning: %s", ID(o), w))
		}
	}
	return errs
}

func (c *Checker) refusals(set, phase string, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = "  " + e.Error()
	}
	return fmt.Errorf("%w: %s (%s):\n%s", ErrRefused, set, phase, strings.Join(lines, "\n"))
}

// podTemplatePaths locates the pod template of each workload kind.
var podTemplatePaths = map[string][]string{
	"Deployment":  {"spec", "template"},
	"StatefulSet": {"spec", "template"},
	"DaemonSet":   {"spec", "template"},
	"ReplicaSet":  {"spec", "template"},
	"Job":         {"spec", "template"},
	"CronJob":     {"spec", "jobTemplate", "spec", "template"},
}

// dryRunPods creates, as a server-side dry run, the Pod each workload's template would
// make, so that admission (PodSecurity above all) judges it as it would judge the
// controller's pods. It returns how many were admitted and under which levels.
func (c *Checker) dryRunPods(ctx context.Context, objects, namespaces []*unstructured.Unstructured) (int, string, []error) {
	level := map[string]string{}
	for _, ns := range namespaces {
		level[ns.GetName()] = ns.GetLabels()[PodSecurityLabel]
	}
	admitted := 0
	seen := map[string]bool{}
	var errs []error
	for _, o := range objects {
		path, ok := podTemplatePaths[o.GetKind()]
		if !ok {
			continue
		}
		pod, err := podOf(o, path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ID(o), err))
			continue
		}
		_, err = c.core.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{
			DryRun: []string{metav1.DryRunAll}, FieldValidation: "Strict", FieldManager: FieldManager,
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: pod from its template: %w", ID(o), err))
		} else {
			admitted++
		}
		for _, w := range c.warnings.take() {
			errs = append(errs, fmt.Errorf("%s: pod from its template: warning: %s", ID(o), w))
		}
		l := level[pod.Namespace]
		if l == "" {
			l = "privileged (no label)"
		}
		seen[pod.Namespace+": "+l] = true
	}
	return admitted, strings.Join(slices.Sorted(func(yield func(string) bool) {
		for k := range seen {
			if !yield(k) {
				return
			}
		}
	}), ", "), errs
}

// podOf builds the Pod a workload's controller would create from its template: the
// template's metadata and spec, and for a StatefulSet the claims of its first replica.
func podOf(o *unstructured.Unstructured, path []string) (*corev1.Pod, error) {
	raw, ok, err := unstructured.NestedMap(o.Object, path...)
	if err != nil || !ok {
		return nil, fmt.Errorf("no pod template at %s: %v", strings.Join(path, "."), err)
	}
	var tmpl corev1.PodTemplateSpec
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &tmpl); err != nil {
		return nil, err
	}
	pod := &corev1.Pod{ObjectMeta: tmpl.ObjectMeta, Spec: tmpl.Spec}
	if generated(o) {
		pod.GenerateName = o.GetGenerateName()
	} else {
		pod.Name = o.GetName() + "-apicheck"
	}
	pod.Namespace = o.GetNamespace()
	if o.GetKind() == "StatefulSet" {
		claims, _, _ := unstructured.NestedSlice(o.Object, "spec", "volumeClaimTemplates")
		for _, cl := range claims {
			name, _, _ := unstructured.NestedString(cl.(map[string]any), "metadata", "name")
			pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: name + "-" + o.GetName() + "-0"},
			}})
		}
	}
	return pod, nil
}

// reapply applies every object again and fails for each whose resourceVersion moved: a
// server-side apply of unchanged manifests must be a no-op.
func (c *Checker) reapply(ctx context.Context, set string, objects []*unstructured.Unstructured) error {
	before := map[string]string{}
	for _, o := range objects {
		r, err := c.resource(o)
		if err != nil {
			return err
		}
		got, err := r.Get(ctx, o.GetName(), metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrRefused, set, err)
		}
		before[ID(o)] = got.GetResourceVersion()
	}
	var changed []string
	for _, o := range objects {
		got, err := c.apply(ctx, o, false)
		if err != nil {
			return fmt.Errorf("%w: %s (second apply): %v", ErrRefused, set, err)
		}
		if rv := got.GetResourceVersion(); rv != before[ID(o)] {
			changed = append(changed, fmt.Sprintf("  %s: resourceVersion %s -> %s", ID(o), before[ID(o)], rv))
		}
	}
	_ = c.warnings.take()
	if len(changed) > 0 {
		return fmt.Errorf("%w: %s:\n%s", ErrChanged, set, strings.Join(changed, "\n"))
	}
	return nil
}

// remove deletes the objects in reverse order and waits until they are gone, at most a
// minute. With no namespace controller running, it completes a namespace's deletion through
// its finalize subresource once the objects in it are gone.
func (c *Checker) remove(ctx context.Context, created []*unstructured.Unstructured) error {
	var errs []error
	for i := len(created) - 1; i >= 0; i-- {
		o := created[i]
		r, err := c.resource(o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		err = r.Delete(ctx, o.GetName(), metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("%s: %w", ID(o), err))
			continue
		}
		if o.GetKind() == "Namespace" && o.GetAPIVersion() == "v1" {
			if err := c.finalize(ctx, o.GetName()); err != nil {
				errs = append(errs, err)
			}
		}
	}
	deadline := time.Now().Add(time.Minute)
	for _, o := range created {
		r, err := c.resource(o)
		if err != nil {
			continue
		}
		for {
			_, err := r.Get(ctx, o.GetName(), metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				break
			}
			if time.Now().After(deadline) {
				errs = append(errs, fmt.Errorf("%s still exists: %v", ID(o), err))
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	_ = c.warnings.take()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %v", ErrCleanup, err)
	}
	return nil
}

func (c *Checker) finalize(ctx context.Context, name string) error {
	ns, err := c.core.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("Namespace/%s: %w", name, err)
	}
	ns.Spec.Finalizers = nil
	if _, err := c.core.CoreV1().Namespaces().Finalize(ctx, ns, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("Namespace/%s: finalize: %w", name, err)
	}
	return nil
}

func kinds(objs []*unstructured.Unstructured) string {
	n := map[string]int{}
	for _, o := range objs {
		n[o.GetKind()]++
	}
	var parts []string
	for k, v := range n {
		parts = append(parts, fmt.Sprintf("%d %s", v, k))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
