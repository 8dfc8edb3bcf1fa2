package cli

import (
	"fmt"
	"os"
	"testing"

	"github.com/rmqkb/conformance/internal/testenv"
)

// api is a real etcd + kube-apiserver for the kube target tests of this
// package; nil when it could not start outside CI (those tests skip).
var api *testenv.APIServer

func TestMain(m *testing.M) {
	var why string
	var ok bool
	api, why, ok = testenv.RequireAPIServer()
	if !ok {
		fmt.Fprintf(os.Stderr, "FAIL: the kube target tests need a control plane under CI: %s\n", why)
		os.Exit(1)
	}
	code := m.Run()
	if api != nil {
		api.Stop()
	}
	os.Exit(code)
}
