package stage

// Version is the version of every newsjet binary built from one commit: the stages'
// --version, /healthz and logs, and newsjet's. scripts/build-images.sh sets it to
// `git describe --always --dirty` with
//
//	-ldflags "-X github.com/newsjet/newsjet/internal/stage.Version=..."
//
// and it is "dev" in any other build (go run, go build, go test).
var Version = "dev"
