// Package integration runs newsjet as it is deployed: the NATS server and the four
// services as containers built from their own images (scripts/build-images.sh), on one
// Docker network, driven from the test through the broker and the sink's read API.
//
// The tests skip when Docker is not reachable or the images are not built, unless
// NEWSJET_REQUIRE_INTEGRATION=1 (set by .ci/run), which turns that into a failure.
// NEWSJET_IMAGE_TAG picks the image tag (default "dev"). testcontainers' Ryuk reaper is
// disabled (it cannot be pulled here); every container and network is removed by the
// test's cleanup.
package integration
