// Package contract checks newsjet's published message contract from the outside, as a
// consumer in another language would: the golden messages of pkg/schema must validate
// against the JSON Schema documents shipped beside them, and each sample page's
// messages along the pipeline (raw page, cleaned page, article: testdata/pages) must
// equal their golden files and validate too. It lives in its own module so the
// validator never becomes a dependency of pkg/schema.
package contract
