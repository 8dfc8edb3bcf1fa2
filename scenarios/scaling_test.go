package scenarios

import (
	"strings"
	"testing"
)

// A broker's namesrvAddr names the namesrvs by address (local) or by
// their pods' DNS names (kube, the addon's FQDNs): either matches a
// member; a removed one, a stranger, one listed twice, or an empty list
// (what a member action that drops every entry pushes) do not.
func TestNamesrvListGap(t *testing.T) {
	members := map[string]string{"c-namesrv-0": "10.0.0.1:9876", "c-namesrv-1": "10.0.0.2:9876"}
	for list, want := range map[string]string{
		"10.0.0.1:9876;10.0.0.2:9876": "",
		"c-namesrv-0.c-namesrv-headless.demo.svc.cluster.local:9876;c-namesrv-1.c-namesrv-headless.demo.svc.cluster.local:9876": "",
		"10.0.0.1:9876": "c-namesrv-1 missing",
		"10.0.0.1:9876;10.0.0.2:9876;c-namesrv-2.h.demo.svc.cluster.local:9876": "c-namesrv-2.h.demo.svc.cluster.local:9876 listed",
		"10.0.0.1:9876;10.0.0.1:9876;10.0.0.2:9876":                             "10.0.0.1:9876 listed",
		"": "c-namesrv-0, c-namesrv-1 missing",
	} {
		got := namesrvListGap(list, members)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("namesrvListGap(%q) = %q, want %q", list, got, want)
		}
	}
}

// The addon's heap: max(min(limit/2, 1 GiB), min(limit/4, 8 GiB)); and
// the JVM's size flags as the addon ("1536M") and the local target
// ("1536m") write them.
func TestAddonHeapAndJVMSizes(t *testing.T) {
	for limit, want := range map[string]int64{"1Gi": 512, "2Gi": 1024, "4Gi": 1024, "6Gi": 1536, "64Gi": 16384 / 2, "bogus": -1} {
		if got := addonHeapMiB(limit); got != want {
			t.Errorf("addonHeapMiB(%s) = %d, want %d", limit, got, want)
		}
	}
	for flag, want := range map[string]int64{"1536M": 1536, "1536m": 1536, "2g": 2048, "1048576k": 1024, "1073741824": 1024, "": -1, "x": -1} {
		if got := mib(flag); got != want {
			t.Errorf("mib(%q) = %d, want %d", flag, got, want)
		}
	}
}
