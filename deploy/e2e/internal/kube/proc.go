package kube

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

// Stop sends SIGTERM to the component's process group, and SIGKILL after grace.
func (p *Proc) Stop(grace time.Duration) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.PID(), syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
		<-p.done
	}
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
