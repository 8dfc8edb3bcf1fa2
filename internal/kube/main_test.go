package kube_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/rmqkb/conformance/internal/testenv"
)

// api is one real etcd + kube-apiserver for the whole package.
var api *testenv.APIServer

func TestMain(m *testing.M) {
	var why string
	var ok bool
	api, why, ok = testenv.RequireAPIServer()
	if !ok {
		fmt.Fprintf(os.Stderr, "FAIL: the kube target tests need a control plane under CI: %s\n", why)
		os.Exit(1)
	}
	if api == nil {
		fmt.Fprintf(os.Stderr, "skipping the kube target tests: %s\n", why)
	}
	code := m.Run()
	if api != nil {
		if err := api.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stop the control plane: %v\n", err)
		}
	}
	os.Exit(code)
}

func needAPI(t *testing.T) {
	t.Helper()
	if api == nil {
		t.Skip("no control plane: set KUBEBUILDER_ASSETS=$(scripts/build-kapi.sh | tail -1)")
	}
}
