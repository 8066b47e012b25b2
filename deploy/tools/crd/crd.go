// Package crd reads the custom resource definitions newsjet's manifests depend on from the
// vendors' own Go modules, at the versions pinned in Sources: NACK's Stream, Consumer and
// ObjectStore (jetstream.nats.io), KEDA's ScaledObject (keda.sh) and the Prometheus
// Operator's ServiceMonitor and PodMonitor (monitoring.coreos.com). Validate checks an object
// against its definition's OpenAPI schema the way the API server does before it stores a
// custom resource: unknown fields (which the server would prune, or refuse under strict field
// validation), types, enums, required fields, patterns and bounds. CEL rules and defaults are
// left to the real server (deploy/e2e/apiserver).
package crd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
	"sigs.k8s.io/yaml"
)

// Errors wrapped by Load and Validate.
var (
	ErrLoad    = errors.New("crd: cannot load the vendors' definitions")
	ErrUnknown = errors.New("crd: no definition for this kind")
	ErrInvalid = errors.New("crd: object does not match its definition")
)

// NACKVersion is the NACK release whose definitions and Go types (the module
// github.com/nats-io/nack required by this module) the manifests follow.
const NACKVersion = "v0.23.0"

// Source is where one vendor keeps its definitions: files (YAML, one or more documents
// each) relative to the root of a Go module at a pinned version.
type Source struct {
	Module  string
	Version string
	Files   []string
}

// Sources lists the definitions of every custom resource kind newsjet's manifests and the
// NATS chart's values create.
var Sources = []Source{
	{Module: "github.com/nats-io/nack", Version: NACKVersion, Files: []string{"deploy/crds.yml"}},
	{Module: "github.com/kedacore/keda/v2", Version: "v2.20.2", Files: []string{"config/crd/bases/keda.sh_scaledobjects.yaml"}},
	{Module: "github.com/prometheus-operator/prometheus-operator", Version: "v0.85.0", Files: []string{
		"example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml",
		"example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml",
	}},
}

// ModuleDir returns the directory of module at version in the module cache, downloading it
// through the Go module proxy if needed (`go mod download`).
func ModuleDir(ctx context.Context, module, version string) (string, error) {
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", module+"@"+version)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOWORK=off")
	cmd.Stdout, cmd.Stderr = &out, &stderr
	runErr := cmd.Run()
	var dl struct{ Dir, Error string }
	if err := json.Unmarshal(out.Bytes(), &dl); err != nil || dl.Error != "" || runErr != nil || dl.Dir == "" {
		return "", fmt.Errorf("%w: go mod download %s@%s: %v %s %s", ErrLoad, module, version, runErr, dl.Error, stderr.String())
	}
	return dl.Dir, nil
}

// Set holds loaded definitions.
type Set struct {
	// Definitions in the order the sources list them.
	Definitions []*apiextensionsv1.CustomResourceDefinition
	versions    map[string]*version // "group/version/Kind"
}

type version struct {
	crd    *apiextensionsv1.CustomResourceDefinition
	schema *apiextensionsv1.JSONSchemaProps
	valid  *validate.SchemaValidator
}

// Load reads the definitions of every source.
func Load(ctx context.Context) (*Set, error) {
	s := &Set{versions: map[string]*version{}}
	for _, src := range Sources {
		dir, err := ModuleDir(ctx, src.Module, src.Version)
		if err != nil {
			return nil, err
		}
		for _, f := range src.Files {
			data, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				return nil, fmt.Errorf("%w: %s@%s: %v", ErrLoad, src.Module, src.Version, err)
			}
			if err := s.add(data); err != nil {
				return nil, fmt.Errorf("%s@%s %s: %w", src.Module, src.Version, f, err)
			}
		}
	}
	return s, nil
}

func (s *Set) add(data []byte) error {
	for _, doc := range bytes.Split(data, []byte("\n---")) {
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrLoad, err)
		}
		if bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
			continue
		}
		c := new(apiextensionsv1.CustomResourceDefinition)
		if err := json.Unmarshal(j, c); err != nil {
			return fmt.Errorf("%w: %v", ErrLoad, err)
		}
		if c.Kind != "CustomResourceDefinition" {
			return fmt.Errorf("%w: a %s among the definitions", ErrLoad, c.Kind)
		}
		s.Definitions = append(s.Definitions, c)
		for _, v := range c.Spec.Versions {
			if !v.Served || v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
				continue
			}
			raw, err := json.Marshal(v.Schema.OpenAPIV3Schema)
			if err != nil {
				return fmt.Errorf("%w: %v", ErrLoad, err)
			}
			var sch spec.Schema
			if err := json.Unmarshal(raw, &sch); err != nil {
				return fmt.Errorf("%w: %s %s: %v", ErrLoad, c.Name, v.Name, err)
			}
			s.versions[c.Spec.Group+"/"+v.Name+"/"+c.Spec.Names.Kind] = &version{
				crd: c, schema: v.Schema.OpenAPIV3Schema,
				valid: validate.NewSchemaValidator(&sch, nil, "", strfmt.Default),
			}
		}
	}
	return nil
}

// Has reports whether a definition serves apiVersion and kind.
func (s *Set) Has(apiVersion, kind string) bool {
	_, ok := s.versions[apiVersion+"/"+kind]
	return ok
}

// Validate checks obj (a custom resource decoded from JSON) against the schema of its
// definition and returns every violation, each naming the field's path, wrapped in
// ErrInvalid (or ErrUnknown when no definition serves its apiVersion and kind). The
// metadata field is left to the caller: definitions do not describe it.
func (s *Set) Validate(obj map[string]any) error {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	v, ok := s.versions[apiVersion+"/"+kind]
	if !ok {
		return fmt.Errorf("%w: %s %s", ErrUnknown, apiVersion, kind)
	}
	var problems []string
	for k, val := range obj {
		switch k {
		case "apiVersion", "kind", "metadata":
			continue
		}
		prop, ok := v.schema.Properties[k]
		if !ok {
			problems = append(problems, k+": unknown field")
			continue
		}
		problems = append(problems, unknownFields(k, val, &prop)...)
	}
	body := map[string]any{}
	for k, val := range obj {
		if k != "metadata" {
			body[k] = val
		}
	}
	for _, e := range v.valid.Validate(body).Errors {
		problems = append(problems, e.Error())
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(slices.Compact(problems), "; "))
}

// unknownFields returns the paths under path of val that schema does not declare, as the
// API server's pruning would find them.
func unknownFields(path string, val any, schema *apiextensionsv1.JSONSchemaProps) []string {
	if schema.XPreserveUnknownFields != nil && *schema.XPreserveUnknownFields {
		return nil
	}
	var out []string
	switch t := val.(type) {
	case map[string]any:
		if schema.AdditionalProperties != nil {
			if sub := schema.AdditionalProperties.Schema; sub != nil {
				for k, v := range t {
					out = append(out, unknownFields(path+"."+k, v, sub)...)
				}
			}
			return out
		}
		if schema.XEmbeddedResource {
			return nil
		}
		for k, v := range t {
			prop, ok := schema.Properties[k]
			if !ok {
				out = append(out, path+"."+k+": unknown field")
				continue
			}
			out = append(out, unknownFields(path+"."+k, v, &prop)...)
		}
	case []any:
		if schema.Items == nil || schema.Items.Schema == nil {
			return nil
		}
		for i, v := range t {
			out = append(out, unknownFields(fmt.Sprintf("%s[%d]", path, i), v, schema.Items.Schema)...)
		}
	}
	return out
}
