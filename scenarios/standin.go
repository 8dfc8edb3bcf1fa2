package scenarios

import (
	"context"
	"net/http"
)

// StandInHeader marks an answer from a stand-in for the exporter or the
// dashboard (see internal/images): a Cluster built offline without their
// jars runs stand-ins, because KubeBlocks will not create the Cluster
// without those components. A case never passes on one.
const StandInHeader = "X-Rmqkb-Stand-In"

// skipIfStandIn skips the case when the component at base is a stand-in.
// An answer without the header, or none at all, lets the case go on and
// judge what it finds.
func skipIfStandIn(ctx context.Context, t *T, base, what, flag string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/", nil)
	if err != nil {
		return
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return
	}
	resp.Body.Close()
	if resp.Header.Get(StandInHeader) != "" {
		t.Skipf("the %s at %s is a stand-in, not the real component: its image was built without %s (go run . images %s JAR); this case never passes on a stand-in", what, base, flag, flag)
	}
}
