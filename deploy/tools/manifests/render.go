// Package manifests renders newsjet's Kustomize overlays in process and checks what they
// produce: every object is decoded strictly against the official Kubernetes API types
// (k8s.io/api) or, for custom resources, against the documented schemas in package crd,
// and the whole set is checked against newsjet's deployment policy (see Check).
package manifests

import (
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
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
	Namespace  string
	// JSON is the object as kustomize emitted it.
	JSON []byte
	// Typed is a pointer to the k8s.io/api or crd type of the object.
	Typed any
}

// ID names the object for messages: Kind/namespace/name.
func (o Object) ID() string { return o.Kind + "/" + o.Namespace + "/" + o.Name }

// kinds maps apiVersion and kind to a constructor of the type the object must decode
// into. A kind missing here is refused: newsjet's manifests use no other.
var kinds = map[string]func() any{
	"v1/Namespace":                                  func() any { return new(corev1.Namespace) },
	"v1/ConfigMap":                                  func() any { return new(corev1.ConfigMap) },
	"v1/Secret":                                     func() any { return new(corev1.Secret) },
	"v1/Service":                                    func() any { return new(corev1.Service) },
	"apps/v1/Deployment":                            func() any { return new(appsv1.Deployment) },
	"policy/v1/PodDisruptionBudget":                 func() any { return new(policyv1.PodDisruptionBudget) },
	"networking.k8s.io/v1/NetworkPolicy":            func() any { return new(networkingv1.NetworkPolicy) },
	"autoscaling/v2/HorizontalPodAutoscaler":        func() any { return new(autoscalingv2.HorizontalPodAutoscaler) },
	crd.NACKAPIVersion + "/" + crd.KindStream:       func() any { return new(crd.Stream) },
	crd.NACKAPIVersion + "/" + crd.KindConsumer:     func() any { return new(crd.Consumer) },
	crd.NACKAPIVersion + "/" + crd.KindObjectStore:  func() any { return new(crd.ObjectStore) },
	crd.KEDAAPIVersion + "/" + crd.KindScaledObject: func() any { return new(crd.ScaledObject) },
	crd.MonitoringAPIVersion + "/" + crd.KindServiceMonitor: func() any {
		return new(crd.ServiceMonitor)
	},
}

// Decode strictly decodes one object given as YAML or JSON, the way the API server's
// strict field validation does: an unknown, duplicated or wrongly cased field, a wrong
// type or an unknown apiVersion/kind is an error (ErrDecode or ErrUnknownKind).
func Decode(data []byte) (Object, error) {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return Object{}, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	if err := json.UnmarshalCaseSensitivePreserveInts(j, &head); err != nil {
		return Object{}, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	o := Object{APIVersion: head.APIVersion, Kind: head.Kind, Name: head.Metadata.Name, Namespace: head.Metadata.Namespace}
	mk, ok := kinds[head.APIVersion+"/"+head.Kind]
	if !ok {
		return o, fmt.Errorf("%w: %s %s", ErrUnknownKind, head.APIVersion, head.Kind)
	}
	o.JSON = j
	o.Typed = mk()
	strict, err := json.UnmarshalStrict(j, o.Typed, json.DisallowDuplicateFields, json.DisallowUnknownFields)
	if err != nil {
		return o, fmt.Errorf("%w: %s: %v", ErrDecode, o.ID(), err)
	}
	if len(strict) > 0 {
		return o, fmt.Errorf("%w: %s: %v", ErrDecode, o.ID(), errors.Join(strict...))
	}
	if o.Name == "" {
		return o, fmt.Errorf("%w: %s %s has no metadata.name", ErrDecode, head.APIVersion, head.Kind)
	}
	return o, nil
}

// Render builds the kustomization in dir with kustomize's default options (no plugins,
// no network, loads restricted to the kustomization roots) and decodes every object
// strictly. All decode errors are returned together.
func Render(dir string) ([]Object, error) {
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
		o, err := Decode(y)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objs = append(objs, o)
	}
	return objs, errors.Join(errs...)
}
