package crd

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
)

// scalerSources maps a KEDA trigger type to the file of KEDA's module that declares its
// parameters.
var scalerSources = map[string]string{
	"nats-jetstream": "pkg/scalers/nats_jetstream_scaler.go",
}

// TriggerMetadata returns the metadata keys KEDA's scaler of triggerType reads from a trigger,
// true for a required one, as the scaler's source in the pinned KEDA module declares them:
// each parameter is a struct field tagged `keda:"name=..., order=...triggerMetadata..."`,
// optional when the tag says "optional" or gives a default.
func TriggerMetadata(ctx context.Context, triggerType string) (map[string]bool, error) {
	file, ok := scalerSources[triggerType]
	if !ok {
		return nil, fmt.Errorf("%w: trigger type %q", ErrUnknown, triggerType)
	}
	var keda Source
	for _, s := range Sources {
		if s.Module == "github.com/kedacore/keda/v2" {
			keda = s
		}
	}
	dir, err := ModuleDir(ctx, keda.Module, keda.Version)
	if err != nil {
		return nil, err
	}
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, file), nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLoad, err)
	}
	keys := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		field, ok := n.(*ast.Field)
		if !ok || field.Tag == nil {
			return true
		}
		raw, err := strconv.Unquote(field.Tag.Value)
		if err != nil {
			return true
		}
		tag, ok := reflect.StructTag(raw).Lookup("keda")
		if !ok {
			return true
		}
		name, fromTrigger, required := "", false, true
		for _, part := range strings.Split(tag, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch k {
			case "name":
				name = v
			case "order":
				fromTrigger = strings.Contains(v, "triggerMetadata")
			case "optional", "default":
				required = false
			}
		}
		if name != "" && fromTrigger {
			keys[name] = required
		}
		return true
	})
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: %s declares no trigger metadata", ErrLoad, file)
	}
	return keys, nil
}
