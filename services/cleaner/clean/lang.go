package clean

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/newsjet/newsjet/pkg/schema"
)

// The words the cleaner reads text by (the labels of ad slots) are data: one file
// per language in lang/<code>.json, loaded once. A page is read with the words of
// its declared language (<html lang>, else its declared og:locale or
// Content-Language) and English's, whose labels international ad templates put on
// pages of every language; a page whose language is undeclared or has no file gets
// English's alone. No page gets every language's words. (Class and id names such as
// "werbung" or "publicidade" are markup, not the page's language: vocab.go holds
// them for every page.)
//
//go:embed lang/*.json
var langFiles embed.FS

// langWords is the layout of a lang/<code>.json file.
type langWords struct {
	// AdLabels are the texts (see wordsOf) of an ad slot's label: a block saying
	// only this is an ad slot whose ad was not rendered.
	AdLabels []string `json:"ad_labels"`
}

// adLabels holds, for each language with a file, its ad labels and English's.
var adLabels = func() map[string]map[string]bool {
	files, err := langFiles.ReadDir("lang")
	if err != nil {
		panic(err)
	}
	words := map[string]langWords{}
	for _, f := range files {
		b, err := langFiles.ReadFile(path.Join("lang", f.Name()))
		if err != nil {
			panic(err)
		}
		var w langWords
		if err := json.Unmarshal(b, &w); err != nil {
			panic(fmt.Sprintf("clean: lang/%s: %v", f.Name(), err))
		}
		words[strings.TrimSuffix(f.Name(), ".json")] = w
	}
	out := map[string]map[string]bool{}
	for code, w := range words {
		set := map[string]bool{}
		for _, l := range append(w.AdLabels, words["en"].AdLabels...) {
			set[l] = true
		}
		out[code] = set
	}
	return out
}()

// adLabelsFor returns the ad labels a page in language lang is read with.
func adLabelsFor(lang string) map[string]bool {
	if l, ok := adLabels[lang]; ok {
		return l
	}
	if lang == "nb" || lang == "nn" {
		return adLabels["no"]
	}
	return adLabels["en"]
}

// declaredLang returns the primary subtag of the language the page declares: its
// <html lang>, else the first of its schema.MetaLanguages metas; "" when none.
func declaredLang(h *schema.PageHead) string {
	tag := h.Lang
	if tag == "" {
		for _, k := range schema.MetaLanguages {
			for _, m := range h.Meta {
				if m.Key == k && tag == "" {
					tag = m.Content
				}
			}
		}
	}
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}
