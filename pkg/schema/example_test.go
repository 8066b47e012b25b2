package schema_test

import (
	"fmt"

	"github.com/newsjet/newsjet/pkg/schema"
)

// A user subscribes to one site's articles by its domain token.
func ExampleExtractedSubject() {
	fmt.Println(schema.ExtractedSubject("https://www.news.example.com/2024/05/story"))
	// Output: news.extracted.news_example_com
}

// Decoding tells a message to dead-letter from a good one by its error.
func ExampleDecodeArticle() {
	_, err := schema.DecodeArticle([]byte(`{"schema":"newsjet.article.v9"}`))
	fmt.Println(err)
	// Output: schema: unknown schema version: "newsjet.article.v9" (this build reads newsjet.article.v1)
}
