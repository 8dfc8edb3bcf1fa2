package kube

import (
	"slices"
	"testing"
)

// The addon starts the broker through two scripts that name its main
// class too; the heap flags are the java process's.
func TestServerJVMIsTheJavaProcess(t *testing.T) {
	out := "/bin/bash\n/scripts/broker-setup.sh\n\n" +
		"sh\n/home/rocketmq/rocketmq-4.9.6/bin/runbroker.sh\norg.apache.rocketmq.broker.BrokerStartup\n-c\n/x/broker.conf\n\n" +
		"/usr/lib/jvm/java-17-openjdk-amd64/bin/java\n-Xms1024M\n-Xmx1024M\n-Xmn100M\n-XX:MaxDirectMemorySize=1024M\n-cp\n.\norg.apache.rocketmq.broker.BrokerStartup\n-c\n/x/broker.conf\n\n"
	got, ok := serverJVM(out, "org.apache.rocketmq.broker.BrokerStartup")
	if want := []string{"-Xms1024M", "-Xmx1024M", "-Xmn100M", "-XX:MaxDirectMemorySize=1024M"}; !ok || !slices.Equal(got, want) {
		t.Errorf("serverJVM = %v, %v; want %v", got, ok, want)
	}
	if _, ok := serverJVM(out, "org.apache.rocketmq.namesrv.NamesrvStartup"); ok {
		t.Error("found a namesrv JVM in a broker container")
	}
}
