package mirror

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, ok := range []string{"rmqkb-registry:5000", "10.89.0.2:5000", "registry.rmqkb.test:5000"} {
		if err := Check(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "rmqkb-registry", "http://r:5000", ":5000", "r:0", "r:http", "localhost:5001", "127.0.0.1:5001", "[::1]:5000"} {
		if err := Check(bad); err == nil || !strings.Contains(err.Error(), "registry mirror") {
			t.Errorf("%q: got %v, want an error naming the mirror", bad, err)
		}
	}
}
