package kube

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// ErrExited is wrapped when a component exits while it should be running.
var ErrExited = errors.New("kube: component exited")

// Proc is one component started by this program, in its own process group, its output in
// a log file.
type Proc struct {
	Name string
	// Log is the file holding the component's output.
	Log  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Start runs bin with args as component name, its output in dir/name.log.
func Start(dir, name, bin string, args ...string) (*Proc, error) {
	return StartAs(dir, name, nil, bin, args...)
}

// StartAs is Start with attrs' credentials (nil: this process's).
func StartAs(dir, name string, attrs *syscall.SysProcAttr, bin string, args ...string) (*Proc, error) {
	p := &Proc{Name: name, Log: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	log, err := os.Create(p.Log)
	if err != nil {
		return nil, err
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = log, log
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if attrs != nil {
		p.cmd.SysProcAttr.Credential = attrs.Credential
	}
	if err := p.cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		log.Close()
		close(p.done)
	}()
	return p, nil
}

// PID is the component's process id (also its process group id).
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Exited returns ErrExited (with the exit status and the end of the log) if the component
// has stopped, nil while it runs.
func (p *Proc) Exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("%w: %s: %v\n%s", ErrExited, p.Name, p.err, p.Tail(20))
	default:
		return nil
	}
}

// Stop sends SIGTERM to the component's process group and waits until the component and
// every other member of its group have exited; what still runs after grace gets SIGKILL.
func (p *Proc) Stop(grace time.Duration) {
	select {
	case <-p.done:
		if !groupRuns(p.PID()) {
			return
		}
	default:
	}
	_ = syscall.Kill(-p.PID(), syscall.SIGTERM)
	deadline := time.After(grace)
	for {
		select {
		case <-p.done:
			if !groupRuns(p.PID()) {
				return
			}
		case <-deadline:
			_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
			<-p.done
			for end := time.Now().Add(time.Second); groupRuns(p.PID()) && time.Now().Before(end); {
				time.Sleep(10 * time.Millisecond)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// groupRuns reports whether a process of group pgid still runs (zombies, which no longer
// run, do not count: their parent may be gone and nobody reaps them).
func groupRuns(pgid int) bool {
	if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return true
	}
	for _, e := range entries {
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the command: state, ppid, pgrp, ...
		_, rest, ok := bytes.Cut(stat, []byte(") "))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) > 2 && string(f[2]) == strconv.Itoa(pgid) && string(f[0]) != "Z" {
			return true
		}
	}
	return false
}

// Tail returns the last n lines of the component's log.
func (p *Proc) Tail(n int) string {
	data, _ := os.ReadFile(p.Log)
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
