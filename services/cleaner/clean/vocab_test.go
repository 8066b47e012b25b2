package clean

import "testing"

// TestBlogPostFurnitureNamed: a blog post's metadata line, ratings and likes
// widgets are furniture by name.
func TestBlogPostFurnitureNamed(t *testing.T) {
	for _, name := range []string{"postmetadata", "entry-utility", "post-ratings", "likes-other-gravatars", "postmeta"} {
		if classWords(name)&fBoiler == 0 {
			t.Errorf("class %q is no furniture", name)
		}
	}
}
