package local_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/target/local"
	"github.com/rmqkb/conformance/testenv"
	"github.com/rmqkb/conformance/verdict"
)

// stubApp answers 200 on every path, on the port given the way the
// exporter (--server.port=) or the dashboard (-Dserver.port) is given it:
// a stand-in jar for the lifecycle the local target gives the real ones.
const stubApp = `import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
public class Stub {
  public static void main(String[] args) throws Exception {
    String port = System.getProperty("server.port");
    for (String a : args) if (a.startsWith("--server.port=")) port = a.substring(14);
    HttpServer h = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(port)), 0);
    h.createContext("/", x -> { byte[] b = "{\"status\":0,\"data\":{}}".getBytes(); x.sendResponseHeaders(200, b.length); x.getResponseBody().write(b); x.close(); });
    h.start();
  }
}
`

func stubJar(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"javac", "jar"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s on PATH to build the stand-in jar", tool)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Stub.java"), []byte(stubApp), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, argv := range [][]string{{"javac", "Stub.java"}, {"jar", "cfe", "stub.jar", "Stub", "Stub.class"}} {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
		}
	}
	return filepath.Join(dir, "stub.jar")
}

// TestWebAppsRunFromJars: given jars, the local target starts the
// exporter and the dashboard after the brokers, reports where they
// answer, gives the dashboard a console-admin account in ACL mode (a
// secret for accounts/no-leak, in a users.properties only we may read),
// and stops them with the rest (StartCluster checks nothing is left).
func TestWebAppsRunFromJars(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real RocketMQ topology")
	}
	jar := stubJar(t)
	m := manifests.DefaultCluster().WithMode(scenarios.Mode{ACL: true}).WithShape(1, 1).WithNamesrvs(1)
	c := testenv.StartCluster(t, m, local.WithExporterJar(jar), local.WithDashboardJar(jar))
	ctx := context.Background()
	if why := c.Abilities().Lacks(verdict.Management); why != "" {
		t.Errorf("with both jars the target lacks the management plane: %s", why)
	}
	for name, get := range map[string]func(context.Context) (string, error){"exporter": c.ExporterURL, "dashboard": c.DashboardURL} {
		u, err := get(ctx)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		resp, err := http.Get(u + "/metrics")
		if err != nil {
			t.Fatalf("%s at %s: %v", name, u, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	user, pw, err := c.ConsoleAccount(ctx)
	if err != nil || user != "console-admin" || len(pw) < 8 {
		t.Fatalf("console account %q (%d characters), %v", user, len(pw), err)
	}
	props := filepath.Join(c.Dir(), "rocketmq-cluster-dashboard-0", "configs", "users.properties")
	data, err := os.ReadFile(props)
	if err != nil || string(data) != "console-admin="+pw+",1\n" {
		t.Errorf("users.properties is not console-admin=<its password>,1 (%v)", err)
	}
	if st, err := os.Stat(props); err == nil && st.Mode().Perm() != 0o600 {
		t.Errorf("users.properties is %v, want 0600", st.Mode().Perm())
	}
	secrets, _ := c.Secrets(ctx)
	found := false
	for _, s := range secrets {
		found = found || s.Value == pw
	}
	if !found {
		t.Error("the console-admin password is not among the target's secrets, so no-leak would not look for it")
	}
}
