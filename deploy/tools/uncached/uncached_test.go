package uncached

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestRefusesCacheableRun runs this package's test binary the way go test runs it when it
// may cache the result, and with caching off, and checks that only the second one runs.
func TestRefusesCacheableRun(t *testing.T) {
	if os.Getenv("UNCACHED_CHILD") == "1" {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(exe, append(args, "-test.run=TestRefusesCacheableRun")...)
		cmd.Env = append(os.Environ(), "UNCACHED_CHILD=1")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("-test.testlogfile=" + t.TempDir() + "/log.txt")
	if err == nil || !strings.Contains(out, "go test -count=1") {
		t.Errorf("cacheable run: err %v, output %q; want a refusal naming -count=1", err, out)
	}
	if out, err := run(); err != nil || !strings.Contains(out, "PASS") {
		t.Errorf("uncached run: err %v, output %q; want PASS", err, out)
	}
}

func TestMain(m *testing.M) {
	if os.Getenv("UNCACHED_CHILD") == "1" {
		Main(m, "nothing")
	}
	os.Exit(m.Run())
}
