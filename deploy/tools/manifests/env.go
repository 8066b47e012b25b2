package manifests

import (
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// ContainerEnv returns the environment the named Deployment's container gets from the
// rendered objects: its ConfigMaps (envFrom, in order), then its literal env entries, and
// resourceFieldRef values of its own container (e.g. GOMEMLIMIT from limits.memory, in
// bytes). Variables read from Secrets are left out and listed in secret, since their
// values live outside the manifests. An unknown Deployment or ConfigMap is an error.
func ContainerEnv(objs []Object, deployment string) (env map[string]string, secret []string, err error) {
	var d *appsv1.Deployment
	cms := map[string]*corev1.ConfigMap{}
	for _, o := range objs {
		switch t := o.Typed.(type) {
		case *appsv1.Deployment:
			if t.Name == deployment {
				d = t
			}
		case *corev1.ConfigMap:
			cms[t.Name] = t
		}
	}
	if d == nil || len(d.Spec.Template.Spec.Containers) == 0 {
		return nil, nil, fmt.Errorf("%w: no Deployment %q with a container", ErrPolicy, deployment)
	}
	c := d.Spec.Template.Spec.Containers[0]
	env = map[string]string{}
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef == nil {
			continue
		}
		cm, ok := cms[ef.ConfigMapRef.Name]
		if !ok {
			return nil, nil, fmt.Errorf("%w: %s: unknown ConfigMap %q", ErrPolicy, deployment, ef.ConfigMapRef.Name)
		}
		for k, v := range cm.Data {
			env[ef.Prefix+k] = v
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			secret = append(secret, e.Name)
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			cm, ok := cms[ref.Name]
			if !ok {
				return nil, nil, fmt.Errorf("%w: %s: unknown ConfigMap %q", ErrPolicy, deployment, ref.Name)
			}
			env[e.Name] = cm.Data[ref.Key]
		case e.ValueFrom.ResourceFieldRef != nil:
			v, err := resourceValue(c, e.ValueFrom.ResourceFieldRef)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: env %s: %w", deployment, e.Name, err)
			}
			env[e.Name] = v
		}
	}
	return env, secret, nil
}

// resourceValue resolves a resourceFieldRef the way the kubelet does for a set limit or
// request: the quantity divided by the divisor (default 1), rounded up.
func resourceValue(c corev1.Container, ref *corev1.ResourceFieldSelector) (string, error) {
	var list corev1.ResourceList
	var name corev1.ResourceName
	switch ref.Resource {
	case "limits.memory":
		list, name = c.Resources.Limits, corev1.ResourceMemory
	case "limits.cpu":
		list, name = c.Resources.Limits, corev1.ResourceCPU
	case "requests.memory":
		list, name = c.Resources.Requests, corev1.ResourceMemory
	case "requests.cpu":
		list, name = c.Resources.Requests, corev1.ResourceCPU
	default:
		return "", fmt.Errorf("%w: resource %q is not resolved here", ErrPolicy, ref.Resource)
	}
	q, ok := list[name]
	if !ok {
		return "", fmt.Errorf("%w: %s is not set", ErrPolicy, ref.Resource)
	}
	div := int64(1)
	if !ref.Divisor.IsZero() {
		div = ref.Divisor.Value()
	}
	if name == corev1.ResourceCPU && ref.Divisor.IsZero() {
		return strconv.FormatInt((q.MilliValue()+999)/1000, 10), nil
	}
	return strconv.FormatInt((q.Value()+div-1)/div, 10), nil
}
