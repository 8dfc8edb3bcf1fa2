package local

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The exporter and the dashboard are published only as images
// (apecloud/rocketmq-exporter:0.0.3, apecloud/rocketmq-dashboard:2.0.1),
// not as Maven artifacts, so the local target runs them only from jars
// the user names (WithExporterJar, WithDashboardJar), started as the
// addon's exporter-setup.sh and dashboard-setup.sh start them (facts
// sections 4 and 5), with loopback in place of the namesrv Service.

// webApp is the exporter or the dashboard, run from a jar.
type webApp struct {
	proc   *process
	port   int
	health string // a path that answers once the app is up
}

func (w *webApp) url() string { return "http://127.0.0.1:" + strconv.Itoa(w.port) }

// consoleAdmin is the dashboard's account, as the addon names it.
const consoleAdmin = "console-admin"

// webAppHeapMiB is small: both apps only relay admin calls.
const webAppHeapMiB = 256

// exporterArgs is exporter-setup.sh's command line.
func exporterArgs(jvm []string, jar string, port int, namesrvs []string, ak, sk string) []string {
	argv := append(append([]string(nil), jvm...), "-jar", jar,
		"--rocketmq.config.namesrvAddr="+strings.Join(namesrvs, ";"),
		"--rocketmq.config.rocketmqVersion=V4_9_6",
		"--server.port="+strconv.Itoa(port))
	if sk != "" {
		argv = append(argv, "--rocketmq.config.enableACL=true", "--rocketmq.config.accessKey="+ak, "--rocketmq.config.secretKey="+sk)
	}
	return argv
}

// dashboardArgs is dashboard-setup.sh's command line; with ACL the login
// is required and the users live in dataPath/users.properties.
func dashboardArgs(jvm []string, jar string, port int, namesrvs []string, dataPath, ak, sk string) []string {
	argv := append(append([]string(nil), jvm...),
		"-Drocketmq.config.namesrvAddrs="+strings.Join(namesrvs, ","),
		"-Dserver.port="+strconv.Itoa(port))
	if sk != "" {
		argv = append(argv, "-Drocketmq.config.loginRequired=true", "-Drocketmq.config.dataPath="+dataPath,
			"-Drocketmq.config.accessKey="+ak, "-Drocketmq.config.secretKey="+sk)
	}
	return append(argv, "-jar", jar)
}

// webAppProcesses prepares the apps whose jars were given, on ports from pp.
func (c *Cluster) webAppProcesses(pp *portPlan) error {
	ak, sk := c.acl.keys()
	var namesrvs []string
	for _, n := range c.namesrvList() {
		namesrvs = append(namesrvs, n.addr)
	}
	for _, app := range []struct {
		jar  string
		comp string
		into **webApp
	}{{c.cfg.exporterJar, "exporter", &c.exporter}, {c.cfg.dashboardJar, "dashboard", &c.dashboard}} {
		if app.jar == "" {
			continue
		}
		pod := c.manifest.Name + "-" + app.comp + "-0"
		port, err := pp.take(1, app.comp+" "+pod)
		if err != nil {
			return err
		}
		dir, err := c.podDir(pod)
		if err != nil {
			return err
		}
		w := &webApp{port: port, health: "/metrics"}
		jvm := []string{c.java.Path, "-Xmx" + strconv.Itoa(webAppHeapMiB) + "m", "-Duser.home=" + dir, "-Djava.io.tmpdir=" + filepath.Join(dir, "tmp")}
		argv := exporterArgs(jvm, app.jar, port, namesrvs, ak, sk)
		if app.comp == "dashboard" {
			w.health = "/login/check.query"
			if argv, err = c.dashboardSetup(jvm, dir, port, namesrvs, app.jar); err != nil {
				return err
			}
		}
		w.proc = newProcess(pod, dir, argv, os.Environ(), filepath.Join(dir, "logs", "stdout.log"), filepath.Join(dir, "logs", app.comp+".log"), c.cfg.delay)
		*app.into = w
	}
	return nil
}

// dashboardSetup writes users.properties as dashboard-setup.sh does, with
// a console-admin password generated for the run (kept in memory, and in
// that file, which only we may read), and returns the command line.
func (c *Cluster) dashboardSetup(jvm []string, dir string, port int, namesrvs []string, jar string) ([]string, error) {
	ak, sk := c.acl.keys()
	data := filepath.Join(dir, "configs")
	if sk != "" {
		pw, err := accountPassword()
		if err != nil {
			return nil, err
		}
		c.consolePassword = pw
		if err := os.MkdirAll(data, 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(data, "users.properties"), []byte(consoleAdmin+"="+pw+",1\n"), 0o600); err != nil {
			return nil, err
		}
	}
	return dashboardArgs(jvm, jar, port, namesrvs, data, ak, sk), nil
}

// bootWebApps starts the apps and waits until each answers HTTP.
func (c *Cluster) bootWebApps(ctx context.Context) error {
	for _, w := range c.webApps() {
		if err := w.proc.start(); err != nil {
			return setupErr("start "+w.proc.name, err)
		}
	}
	for _, w := range c.webApps() {
		err := wait.Until(ctx, 500*time.Millisecond, w.proc.name+" to answer HTTP on "+w.url(), func(ctx context.Context) (bool, string, error) {
			if alive, failed := w.proc.alive(); !alive || failed != nil {
				return false, "", fmt.Errorf("%s exited (%v)", w.proc.name, failed)
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, w.url()+w.health, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return false, wait.Reason(err), nil
			}
			resp.Body.Close()
			return true, "", nil
		})
		if err != nil {
			return &SetupError{Step: "start " + w.proc.name, Err: err, LogTail: w.proc.logTail(30)}
		}
		fmt.Fprintf(c.cfg.progress, "  %s up at %s\n", w.proc.name, w.url())
	}
	return nil
}

func (c *Cluster) webApps() []*webApp {
	var out []*webApp
	for _, w := range []*webApp{c.exporter, c.dashboard} {
		if w != nil {
			out = append(out, w)
		}
	}
	return out
}

// ExporterURL implements target.ManagementPlane.
func (c *Cluster) ExporterURL(context.Context) (string, error) {
	if c.exporter == nil {
		return "", target.Cannotf(verdict.Management, "the exporter is not deployed here: no --exporter-jar was given")
	}
	return c.exporter.url(), nil
}

// DashboardURL implements target.ManagementPlane.
func (c *Cluster) DashboardURL(context.Context) (string, error) {
	if c.dashboard == nil {
		return "", target.Cannotf(verdict.Management, "the dashboard is not deployed here: no --dashboard-jar was given")
	}
	return c.dashboard.url(), nil
}

// ConsoleAccount implements target.ManagementPlane.
func (c *Cluster) ConsoleAccount(context.Context) (string, string, error) {
	if c.consolePassword == "" {
		return "", "", fmt.Errorf("the dashboard runs without ACL here: it has no account")
	}
	return consoleAdmin, c.consolePassword, nil
}
