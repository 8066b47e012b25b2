package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// ErrDataDirInUse is returned when another newsjet process holds the data directory.
var ErrDataDirInUse = errors.New("data directory is in use by another newsjet run")

// lockDataDir takes an exclusive lock on dir/LOCK, so that two `newsjet run` never open
// one JetStream store at once. The lock holds until release is called or the process
// ends, however it ends; the file keeps the holder's process id for the error message.
func lockDataDir(dir string) (release func(), err error) {
	path := filepath.Join(dir, "LOCK")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s (held by pid %s)", ErrDataDirInUse, dir, holder)
		}
		return nil, fmt.Errorf("locking data directory %s: %w", dir, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())), 0) //nolint:errcheck // the pid is only a hint
	}
	return func() { f.Close() }, nil
}
