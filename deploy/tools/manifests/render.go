// Package manifests renders newsjet's Kustomize overlays in process and checks what they
// produce: every object is decoded strictly against the official Kubernetes API types
// (k8s.io/api), custom resources against the vendors' own definitions (package crd) and, for
// NACK's, into NACK's Go types; then the whole set is checked against newsjet's deployment
// policy (see Check).
package manifests

import (
	"bufio"
	"bytes"
	"context"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	nackv1beta2 "github.com/nats-io/nack/pkg/jetstream/apis/jetstream/v1beta2"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/newsjet/newsjet/deploy/tools/crd"
)

// Errors wrapped by Render and Decode.
var (
	ErrRender      = errors.New("manifests: kustomize build failed")
	ErrUnknownKind = errors.New("manifests: no schema for this kind")
	ErrDecode      = errors.New("manifests: object does not match its schema")
)

// Object is one rendered object with its strictly decoded form.
type Object struct {
	APIVersion string
	Kind       string
	Name       string
	// GenerateName is the name prefix of an object the API server names on creation
	// (kubectl create of a Job run again and again); Name is then empty.
	GenerateName string
	Namespace    string
	// JSON is the object as kustomize emitted it.
	JSON []byte
	// Typed is a pointer to the k8s.io/api or NACK type of the object, or an
	// *unstructured.Unstructured for the other custom resources.
	Typed any
}

// ID names the object for messages: Kind/namespace/name, or Kind/namespace/generateName
// for an object named on creation.
func (o Object) ID() string {
	if o.Name == "" {
		return o.Kind + "/" + o.Namespace + "/" + o.GenerateName
	}
	return o.Kind + "/" + o.Namespace + "/" + o.Name
}

// kinds maps apiVersion and kind to a constructor of the Go type the object must decode
// into. Other kinds are accepted only when a vendor definition in package crd serves them.
var kinds = map[string]func() any{
	"v1/Namespace":                           func() any { return new(corev1.Namespace) },
	"v1/ConfigMap":                           func() any { return new(corev1.ConfigMap) },
	"v1/Secret":                              func() any { return new(corev1.Secret) },
	"v1/Service":                             func() any { return new(corev1.Service) },
	"apps/v1/Deployment":                     func() any { return new(appsv1.Deployment) },
	"batch/v1/Job":                           func() any { return new(batchv1.Job) },
	"policy/v1/PodDisruptionBudget":          func() any { return new(policyv1.PodDisruptionBudget) },
	"networking.k8s.io/v1/NetworkPolicy":     func() any { return new(networkingv1.NetworkPolicy) },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return new(autoscalingv2.HorizontalPodAutoscaler) },
	nackv1beta2.SchemeGroupVersion.String() + "/Stream":      func() any { return new(nackv1beta2.Stream) },
	nackv1beta2.SchemeGroupVersion.String() + "/Consumer":    func() any { return new(nackv1beta2.Consumer) },
	nackv1beta2.SchemeGroupVersion.String() + "/ObjectStore": func() any { return new(nackv1beta2.ObjectStore) },
}

// Decoder decodes objects strictly, custom resources against the vendors' definitions.
type Decoder struct {
	crds *crd.Set
}

// NewDecoder loads the vendors' definitions (crd.Load: the pinned modules come from the Go
// module cache or proxy).
func NewDecoder(ctx context.Context) (*Decoder, error) {
	s, err := crd.Load(ctx)
	if err != nil {
		return nil, err
	}
	return &Decoder{crds: s}, nil
}

// CRDs returns the vendors' definitions the decoder validates against.
func (d *Decoder) CRDs() *crd.Set { return d.crds }

// Decode strictly decodes one object given as YAML or JSON, the way the API server's
// strict field validation does: an unknown, duplicated or wrongly cased field, a wrong
// type, a value outside a custom resource's schema, an unknown apiVersion/kind or neither
// metadata.name nor metadata.generateName is an error (ErrDecode or ErrUnknownKind).
func (d *Decoder) Decode(data []byte) (Object, error) {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name         string `json:"name"`
			GenerateName string `json:"generateName"`
			Namespace    string `json:"namespace"`
		} `json:"metadata"`
	}
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return Object{}, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	if err := json.UnmarshalCaseSensitivePreserveInts(j, &head); err != nil {
		return Object{}, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	o := Object{APIVersion: head.APIVersion, Kind: head.Kind, Name: head.Metadata.Name,
		GenerateName: head.Metadata.GenerateName, Namespace: head.Metadata.Namespace, JSON: j}
	custom := d.crds.Has(head.APIVersion, head.Kind)
	mk, typed := kinds[head.APIVersion+"/"+head.Kind]
	switch {
	case typed:
		o.Typed = mk()
	case custom:
		o.Typed = new(unstructured.Unstructured)
	default:
		return o, fmt.Errorf("%w: %s %s", ErrUnknownKind, head.APIVersion, head.Kind)
	}
	if custom {
		if err := d.validateCustom(j); err != nil {
			return o, fmt.Errorf("%w: %s: %v", ErrDecode, o.ID(), err)
		}
	}
	if u, ok := o.Typed.(*unstructured.Unstructured); ok {
		err = u.UnmarshalJSON(j)
	} else {
		err = strictUnmarshal(j, o.Typed)
	}
	if err != nil {
		return o, fmt.Errorf("%w: %s: %v", ErrDecode, o.ID(), err)
	}
	if o.Name == "" && o.GenerateName == "" {
		return o, fmt.Errorf("%w: %s %s has neither metadata.name nor metadata.generateName", ErrDecode, head.APIVersion, head.Kind)
	}
	return o, nil
}

// validateCustom checks a custom resource against its definition and its metadata against
// metav1.ObjectMeta, strictly.
func (d *Decoder) validateCustom(j []byte) error {
	var obj map[string]any
	if err := json.UnmarshalCaseSensitivePreserveInts(j, &obj); err != nil {
		return err
	}
	var wrapper struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	meta, err := stdjson.Marshal(map[string]any{"metadata": obj["metadata"]})
	if err != nil {
		return err
	}
	return errors.Join(strictUnmarshal(meta, &wrapper), d.crds.Validate(obj))
}

func strictUnmarshal(j []byte, into any) error {
	strict, err := json.UnmarshalStrict(j, into, json.DisallowDuplicateFields, json.DisallowUnknownFields)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// Render builds the kustomization in dir with kustomize's default options (no plugins,
// no network, loads restricted to the kustomization roots) and decodes every object
// strictly. All decode errors are returned together.
func (d *Decoder) Render(dir string) ([]Object, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrRender, dir, err)
	}
	var objs []Object
	var errs []error
	for _, r := range m.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %s: %v", ErrRender, r.CurId(), err))
			continue
		}
		o, err := d.Decode(y)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objs = append(objs, o)
	}
	return objs, errors.Join(errs...)
}

// DecodeDir decodes strictly every object of the *.yaml files in dir (plain manifests,
// not a kustomization: several objects per file are separated by "---"), in file order.
// All decode errors are returned together, each naming its file.
func (d *Decoder) DecodeDir(dir string) ([]Object, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no *.yaml in %s", ErrDecode, dir)
	}
	var objs []Object
	var errs []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%w: %s: %v", ErrDecode, f, err))
				break
			}
			if len(bytes.TrimSpace(stripComments(doc))) == 0 {
				continue
			}
			o, err := d.Decode(doc)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", f, err))
				continue
			}
			objs = append(objs, o)
		}
	}
	return objs, errors.Join(errs...)
}

// stripComments returns doc without its whole-line YAML comments.
func stripComments(doc []byte) []byte {
	var out []byte
	for line := range bytes.Lines(doc) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line...)
		}
	}
	return out
}
