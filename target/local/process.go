package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
)

// process is one JVM kept running the way a workload controller keeps a pod:
// when it exits for any reason other than Stop, it is started again with the
// same command, the same folder and so the same store, after the recreate
// delay. Each start is a generation.
type process struct {
	name    string   // the pod name it stands for
	dir     string   // its folder: the store (the "PVC") and logs live here
	argv    []string // java and its arguments
	env     []string
	outLog  string // stdout and stderr of every generation, appended
	appLog  string // the logback file
	delay   time.Duration
	onStart func(gen int) error // runs before each start (e.g. a lost-volume test hook)

	mu       sync.Mutex
	cmd      *exec.Cmd
	gen      int
	running  bool
	exited   chan struct{} // closed when the current generation exits
	stopping bool
	starts   []time.Time
	changed  chan struct{} // closed and replaced on every state change
	failed   error         // set when the supervisor gave up
	held     chan struct{} // non-nil while a recreation must wait (hold)
	limit    string        // the memory limit its argv was sized for ("" : the manifest's)
}

// args returns the command line the next generation starts with.
func (p *process) args() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.argv
}

// setArgv sets the command line the next generation starts with.
func (p *process) setArgv(argv []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.argv = argv
}

// setLimit records the memory limit the command line was sized for.
func (p *process) setLimit(limit string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.limit = limit
}

func (p *process) memLimit() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limit
}

var errStopping = errors.New("stopping")

// crash-loop limits: a process that exits this many times within the
// window after starting is given up on, like a pod in CrashLoopBackOff
// that the suite stops waiting for.
const (
	crashLimit  = 3
	crashWindow = 30 * time.Second
)

func newProcess(name, dir string, argv, env []string, outLog, appLog string, delay time.Duration) *process {
	return &process{name: name, dir: dir, argv: argv, env: env, outLog: outLog, appLog: appLog,
		delay: delay, changed: make(chan struct{})}
}

// notify wakes every waiter; p.mu must be held.
func (p *process) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// start launches the first generation and supervises it until Stop.
func (p *process) start() error {
	if err := p.launch(); err != nil {
		return err
	}
	go p.supervise()
	return nil
}

func (p *process) launch() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopping {
		return errStopping
	}
	if p.onStart != nil {
		if err := p.onStart(p.gen + 1); err != nil {
			return err
		}
	}
	out, err := os.OpenFile(p.outLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	fmt.Fprintf(out, "--- %s start generation %d at %s\n", p.name, p.gen+1, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Dir = p.dir
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so a terminal's Ctrl-C reaches only us and we
	// stop it in order; and killed with us should we die without cleaning up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	p.cmd = cmd
	p.gen++
	p.running = true
	p.exited = make(chan struct{})
	p.starts = append(p.starts, time.Now())
	p.notify()
	return nil
}

func (p *process) supervise() {
	for {
		p.mu.Lock()
		cmd, exited := p.cmd, p.exited
		p.mu.Unlock()
		err := cmd.Wait()
		p.mu.Lock()
		p.running = false
		close(exited)
		p.notify()
		if p.stopping {
			p.mu.Unlock()
			return
		}
		if p.crashLooping() {
			p.failed = fmt.Errorf("%s exited %d times within %s of starting (last: %v); not restarting", p.name, crashLimit, crashWindow, err)
			p.notify()
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		// The recreate delay models the time a controller takes to notice the
		// loss and start a new pod; it is not a wait for a condition.
		timer := time.NewTimer(p.delay)
		<-timer.C
		p.mu.Lock()
		held := p.held
		p.mu.Unlock()
		if held != nil {
			<-held
		}
		p.mu.Lock()
		stopping := p.stopping
		p.mu.Unlock()
		if stopping {
			return
		}
		if err := p.launch(); errors.Is(err, errStopping) {
			return
		} else if err != nil {
			p.mu.Lock()
			p.failed = err
			p.notify()
			p.mu.Unlock()
			return
		}
	}
}

// crashLooping reports whether the last crashLimit starts each ended soon
// after; p.mu must be held. Only exits the suite did not cause count, so
// kills are remembered by the caller clearing starts (see kill).
func (p *process) crashLooping() bool {
	if len(p.starts) < crashLimit {
		return false
	}
	return time.Since(p.starts[len(p.starts)-crashLimit]) < crashWindow
}

// kill sends SIGKILL to the current generation and returns once it has
// exited. The supervisor then brings it back.
func (p *process) kill(ctx context.Context) (gen int, err error) {
	p.mu.Lock()
	if !p.running {
		p.mu.Unlock()
		return 0, fmt.Errorf("%s is not running", p.name)
	}
	cmd, exited, gen := p.cmd, p.exited, p.gen
	p.starts = nil // a kill is not a crash
	p.mu.Unlock()
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		return 0, fmt.Errorf("kill %s: %w", p.name, err)
	}
	select {
	case <-exited:
		return gen, nil
	case <-ctx.Done():
		return 0, fmt.Errorf("kill %s: not observed exiting: %w", p.name, ctx.Err())
	}
}

// hold keeps the process from being recreated until release: a kill then
// keeps it down, as a platform would not.
func (p *process) hold() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held == nil {
		p.held = make(chan struct{})
	}
}

// release lets a held process be recreated.
func (p *process) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held != nil {
		close(p.held)
		p.held = nil
	}
}

// signal sends sig to the current generation's process group.
func (p *process) signal(sig syscall.Signal) error {
	p.mu.Lock()
	running, cmd := p.running, p.cmd
	p.mu.Unlock()
	if !running {
		return fmt.Errorf("%s is not running", p.name)
	}
	if err := syscall.Kill(-cmd.Process.Pid, sig); err != nil {
		return fmt.Errorf("signal %s to %s: %w", sig, p.name, err)
	}
	return nil
}

// threadDump asks a running JVM for a thread dump (SIGQUIT) and waits, a
// few seconds at most, until its stdout log has taken the dump whole: it
// grows, then holds still. A process that is not running is left alone.
func (p *process) threadDump(ctx context.Context) {
	before := fileSize(p.outLog)
	if p.signal(syscall.SIGQUIT) != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	last := before
	wait.Until(ctx, 200*time.Millisecond, "the thread dump of "+p.name, func(context.Context) (bool, string, error) {
		n := fileSize(p.outLog)
		done := n > before && n == last
		last = n
		return done, "", nil
	})
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// awaitGeneration waits until a generation after gen is running.
func (p *process) awaitGeneration(ctx context.Context, gen int) error {
	for {
		p.mu.Lock()
		ok, failed, ch := p.running && p.gen > gen, p.failed, p.changed
		p.mu.Unlock()
		if ok {
			return nil
		}
		if failed != nil {
			return failed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%s did not start again: %w", p.name, ctx.Err())
		}
	}
}

// alive reports whether the current generation is running, and the
// supervisor's failure if it gave up.
func (p *process) alive() (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running, p.failed
}

// lastStart returns when the current generation started.
func (p *process) lastStart() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.starts) == 0 {
		return time.Time{}
	}
	return p.starts[len(p.starts)-1]
}

// generation returns the current generation number.
func (p *process) generation() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gen
}

// stop ends supervision and the process: SIGTERM, then SIGKILL after grace.
func (p *process) stop(grace time.Duration) error {
	p.mu.Lock()
	p.stopping = true
	running, cmd, exited := p.running, p.cmd, p.exited
	p.mu.Unlock()
	p.release()
	if !running || cmd == nil {
		return nil
	}
	pgid := -cmd.Process.Pid
	// A frozen process handles no signal but SIGKILL until it runs again.
	syscall.Kill(pgid, syscall.SIGCONT)
	if err := syscall.Kill(pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop %s: %w", p.name, err)
	}
	select {
	case <-exited:
		return nil
	case <-time.After(grace):
	}
	if err := syscall.Kill(pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop %s: %w", p.name, err)
	}
	<-exited
	return nil
}

// logTail returns the end of the process's stdout and application log.
func (p *process) logTail(lines int) string {
	var out string
	for _, f := range []string{p.outLog, p.appLog} {
		data, err := os.ReadFile(f)
		if err != nil || len(data) == 0 {
			continue
		}
		out += "==> " + f + " <==\n" + tail(string(data), lines) + "\n"
	}
	return out
}
