package schema

import (
	"embed"
	"fmt"
)

//go:embed jsonschema/*.json
var jsonSchemas embed.FS

// JSONSchema returns the JSON Schema (draft 2020-12) document of a message version, for
// consumers written in other languages; name is a schema name such as ArticleV1. The
// documents also ship as files in this package's jsonschema directory.
func JSONSchema(name string) ([]byte, error) {
	b, err := jsonSchemas.ReadFile("jsonschema/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("%w: no JSON Schema for %q", ErrWrongType, name)
	}
	return b, nil
}

// SchemaNames lists every message version this build reads, oldest type first.
func SchemaNames() []string {
	return []string{FetchRequestV1, RawPageV1, CleanedPageV1, CleanedPageV2, ArticleV1, DeadLetterV1, StoryUpdateV1}
}
