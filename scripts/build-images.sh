#!/usr/bin/env bash
# Builds newsjet's static binaries into dist/ and its container images.
#
# Every image is FROM scratch: the binaries are built here on the host (CGO_ENABLED=0) and
# copied in, because the machines that build newsjet reach no container registry. Images are
# tagged newsjet/<name>:<version> and newsjet/<name>:dev, where <version> is
# `git describe --always --dirty`.
#
# Usage: scripts/build-images.sh [--no-images]
#   --no-images  build the binaries only (no Docker needed)
# Environment: NATS_SERVER_VERSION (default v2.15.2), DIST (default <repo>/dist).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

images=1
for arg in "$@"; do
	case "$arg" in
	--no-images) images=0 ;;
	*) echo "usage: $0 [--no-images]" >&2; exit 2 ;;
	esac
done

nats_version=${NATS_SERVER_VERSION:-v2.15.2}
dist=${DIST:-$root/dist}
version=$(git describe --always --dirty 2>/dev/null || echo dev)
services=(fetcher cleaner extractor sink)

mkdir -p "$dist"
export CGO_ENABLED=0 GOOS=linux GOFLAGS="${GOFLAGS:-} -buildvcs=false"
# One version for every binary of the commit: stage.Version, which each reports.
ldflags="-s -w -X github.com/newsjet/newsjet/internal/stage.Version=$version"

echo "build-images: version $version" >&2
echo "build-images: nats-server $nats_version" >&2
GOWORK=off GOBIN="$dist" go install -trimpath -ldflags "-s -w" "github.com/nats-io/nats-server/v2@$nats_version"

for s in "${services[@]}"; do
	echo "build-images: $s" >&2
	(cd "services/$s" && GOWORK=off go build -trimpath -ldflags "$ldflags" -o "$dist/$s" "./cmd/$s")
done
echo "build-images: newsjet" >&2
(cd cmd/newsjet && GOWORK=off go build -trimpath -ldflags "$ldflags" -o "$dist/newsjet" .)

cp /etc/ssl/certs/ca-certificates.crt "$dist/ca-certificates.crt"

if [ "$images" = 0 ]; then
	exit 0
fi

# The legacy builder needs no buildx plugin, and FROM scratch + COPY is all it has to do.
export DOCKER_BUILDKIT=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# build NAME DOCKERFILE FILE...: the build context holds only the image's files (hard
# links into dist/) and an empty data/ directory, so little is sent to the daemon.
build() {
	local name=$1 dockerfile=$2 ctx="$dist/context/$1"
	shift 2
	echo "build-images: image newsjet/$name:$version" >&2
	rm -rf "$ctx" && mkdir -p "$ctx/data"
	for f in "$@"; do
		ln -f "$dist/$f" "$ctx/$f" 2>/dev/null || cp "$dist/$f" "$ctx/$f"
	done
	if ! docker build -f "$dockerfile" \
		--build-arg "VERSION=$version" \
		--label "org.opencontainers.image.version=$version" \
		-t "newsjet/$name:$version" -t "newsjet/$name:dev" "$ctx" >"$log" 2>&1; then
		cat "$log" >&2
		return 1
	fi
}
build nats deploy/images/nats/Dockerfile nats-server
build fetcher services/fetcher/Dockerfile fetcher ca-certificates.crt
for s in cleaner extractor sink; do
	build "$s" "services/$s/Dockerfile" "$s"
done
build newsjet cmd/newsjet/Dockerfile newsjet ca-certificates.crt
echo "build-images: done ($version)" >&2
