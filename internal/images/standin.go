package images

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// StandInHeader marks every answer of a stand-in for the exporter or the
// dashboard. KubeBlocks 1.0.2 will not create a Cluster without those
// components (it fills every component of the topology in, and refuses
// 0 replicas), yet their jars are on no registry reached here; a stand-in
// lets the Cluster run, and the management cases, seeing this header,
// skip saying what is missing instead of passing.
const StandInHeader = "X-Rmqkb-Stand-In"

// standInSource is a Java program that serves every path on the port of
// the component it stands in for (the exporter's 5557, the dashboard's
// 8080, chosen by the jar's file name) with the header and a sentence
// naming the flag that gives the real jar.
const standInSource = `import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

public class StandIn {
    public static void main(String[] args) throws Exception {
        String jar = new File(StandIn.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getName();
        boolean exporter = jar.contains("exporter");
        String role = exporter ? "exporter" : "dashboard";
        int port = Integer.getInteger("standin.port", exporter ? 5557 : 8080);
        byte[] body = ("stand-in for the rocketmq " + role + ": the image was built without --" + role
            + "-jar, so the management cases are skipped\n").getBytes(StandardCharsets.UTF_8);
        HttpServer s = HttpServer.create(new InetSocketAddress(port), 16);
        s.createContext("/", ex -> {
            ex.getResponseHeaders().add("` + StandInHeader + `", role);
            ex.sendResponseHeaders(503, body.length);
            try (OutputStream o = ex.getResponseBody()) { o.write(body); }
        });
        s.start();
        System.out.println("stand-in " + role + " listening on " + port);
    }
}
`

// buildStandIns compiles the stand-in into dir/rocketmq-exporter.jar and
// dir/rocketmq-dashboard.jar with the JDK's javac and jar.
func buildStandIns(ctx context.Context, dir string) (exporter, dashboard string, err error) {
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(filepath.Join(src, "StandIn.java"), []byte(standInSource), 0o644); err != nil {
		return "", "", err
	}
	if _, err := run(ctx, src, nil, "javac", "--release", "11", "StandIn.java"); err != nil {
		return "", "", fmt.Errorf("compile the stand-in (needs a JDK): %w", err)
	}
	exporter, dashboard = filepath.Join(dir, "rocketmq-exporter.jar"), filepath.Join(dir, "rocketmq-dashboard.jar")
	for _, j := range []string{exporter, dashboard} {
		if _, err := run(ctx, src, nil, "jar", "--create", "--file", j, "--main-class", "StandIn", "StandIn.class"); err != nil {
			return "", "", err
		}
	}
	return exporter, dashboard, nil
}
