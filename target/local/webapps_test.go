package local

import (
	"slices"
	"strings"
	"testing"
)

// The command lines follow exporter-setup.sh and dashboard-setup.sh: the
// namesrvs, the port, and with ACL the account (and for the dashboard the
// login and its user store).
func TestWebAppArgs(t *testing.T) {
	jvm := []string{"java", "-Xmx256m"}
	ns := []string{"127.0.0.1:9876", "127.0.0.1:9877"}
	for _, tc := range []struct {
		name string
		got  []string
		want string
	}{
		{"exporter", exporterArgs(jvm, "e.jar", 5557, ns, "", ""),
			"java -Xmx256m -jar e.jar --rocketmq.config.namesrvAddr=127.0.0.1:9876;127.0.0.1:9877 --rocketmq.config.rocketmqVersion=V4_9_6 --server.port=5557"},
		{"exporter with ACL", exporterArgs(jvm, "e.jar", 5557, ns[:1], "rocketmq-admin", "s3cret"),
			"java -Xmx256m -jar e.jar --rocketmq.config.namesrvAddr=127.0.0.1:9876 --rocketmq.config.rocketmqVersion=V4_9_6 --server.port=5557 --rocketmq.config.enableACL=true --rocketmq.config.accessKey=rocketmq-admin --rocketmq.config.secretKey=s3cret"},
		{"dashboard", dashboardArgs(jvm, "d.jar", 8080, ns, "/d/configs", "", ""),
			"java -Xmx256m -Drocketmq.config.namesrvAddrs=127.0.0.1:9876,127.0.0.1:9877 -Dserver.port=8080 -jar d.jar"},
		{"dashboard with ACL", dashboardArgs(jvm, "d.jar", 8080, ns[:1], "/d/configs", "rocketmq-admin", "s3cret"),
			"java -Xmx256m -Drocketmq.config.namesrvAddrs=127.0.0.1:9876 -Dserver.port=8080 -Drocketmq.config.loginRequired=true -Drocketmq.config.dataPath=/d/configs -Drocketmq.config.accessKey=rocketmq-admin -Drocketmq.config.secretKey=s3cret -jar d.jar"},
	} {
		if want := strings.Fields(tc.want); !slices.Equal(tc.got, want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, tc.got, want)
		}
	}
}
