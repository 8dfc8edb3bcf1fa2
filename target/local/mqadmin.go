package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// mqadminHeapMiB is the heap an mqadmin JVM gets: the tools need little,
// and a small heap starts faster next to five server JVMs.
const mqadminHeapMiB = 128

// mqadminMain is the class bin/mqadmin runs.
const mqadminMain = "org.apache.rocketmq.tools.command.MQAdminStartup"

// MQAdmin runs RocketMQ's own admin tool, mqadmin, from the jars, Java and
// JVM flags the topology runs on, with rocketmq.home.dir = Home(), and
// returns its combined stdout and stderr. When args carry no -n (or
// --namesrvAddr), "-n <every namesrv address joined by ;>" is appended. On
// an ACL topology the tool signs with the cluster's credentials, which it
// reads from Home()/conf/tools.yml as upstream mqadmin does; they are not
// put on its command line.
//
// mqadmin exits 0 even when its sub-command failed: MQAdminStartup catches
// the SubCommandException and prints its stack trace. So besides a non-zero
// exit, output carrying that exception, or saying the sub-command does not
// exist, is an error too. Errors quote the end of the output.
//
// Each call starts a JVM, which takes a few seconds.
func (c *Cluster) MQAdmin(ctx context.Context, args ...string) (string, error) {
	if len(args) == 0 {
		return "", errors.New("mqadmin: no sub-command")
	}
	dir := filepath.Join(c.dir, "mqadmin")
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		return "", fmt.Errorf("mqadmin %s: %w", args[0], err)
	}
	argv := c.jvm(dir, filepath.Join(dir, "mqadmin.log"), mqadminHeapMiB)
	// The client library inside the tool logs under ${user.home}/logs by
	// default; keep it in the run folder, next to the tool's own log.
	argv = append(argv, "-Drocketmq.client.logRoot="+filepath.Join(dir, "logs"), mqadminMain)
	argv = append(argv, args...)
	if !hasNamesrvFlag(args[1:]) {
		argv = append(argv, "-n", strings.Join(c.namesrvAddrs(), ";"))
	}

	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = mqadminEnv()
	// Its own process group, killed whole when ctx ends, and killed with us.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	text := string(out)
	what := "mqadmin " + args[0]
	switch {
	case ctx.Err() != nil:
		return text, fmt.Errorf("%s: %w after %s; output ends:\n%s", what, ctx.Err(), time.Since(start).Round(100*time.Millisecond), tail(text, 20))
	case err != nil:
		return text, fmt.Errorf("%s: %w; output ends:\n%s", what, err, tail(text, 20))
	case strings.Contains(text, "SubCommandException"):
		return text, fmt.Errorf("%s: the command failed (mqadmin still exits 0); output ends:\n%s", what, tail(text, 20))
	case strings.Contains(text, "The sub command "+args[0]+" not exist"):
		return text, fmt.Errorf("%s: this mqadmin has no such sub-command", what)
	}
	return text, nil
}

// hasNamesrvFlag reports whether sub-command arguments name the namesrv
// themselves: -n ADDR, -nADDR or --namesrvAddr[=ADDR].
func hasNamesrvFlag(args []string) bool {
	for _, a := range args {
		if a == "-n" || strings.HasPrefix(a, "--namesrvAddr") || (strings.HasPrefix(a, "-n") && !strings.HasPrefix(a, "--")) {
			return true
		}
	}
	return false
}

// mqadminEnv is our environment without NAMESRV_ADDR and ROCKETMQ_HOME, so a
// developer's shell settings cannot point the tool at another cluster or
// another conf/ folder.
func mqadminEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "NAMESRV_ADDR=") || strings.HasPrefix(kv, "ROCKETMQ_HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}
