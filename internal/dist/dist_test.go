package dist

import "testing"

func TestNotServed(t *testing.T) {
	fresh := "[ERROR] Failed ... Could not find artifact org.apache.rocketmq:rocketmq-namesrv:jar:4.9.6 in central"
	cached := "org.apache.rocketmq:rocketmq-namesrv:jar:4.9.6 was not found in https://repo.maven.apache.org/maven2 during a previous attempt"
	offline := "Could not transfer artifact org.apache.rocketmq:rocketmq-namesrv:jar:4.9.6 from/to central: Connection refused"
	if !notServed(fresh, "4.9.6") || !notServed(cached, "4.9.6") {
		t.Error("a missing artifact is not recognised")
	}
	if notServed(offline, "4.9.6") {
		t.Error("a network failure must not count as 'not served' (it would trigger a fallback)")
	}
	if notServed(fresh, "4.9.7") {
		t.Error("another version's miss counted")
	}
}
