package kube_test

import (
	"os"
	"testing"

	"github.com/rmqkb/conformance/internal/testenv"
)

// api is one real etcd + kube-apiserver for the whole package.
var api *testenv.APIServer

func TestMain(m *testing.M) { os.Exit(testenv.MainWithAPIServer(m, &api)) }

func needAPI(t *testing.T) {
	t.Helper()
	if api == nil {
		t.Skip("no control plane: set KUBEBUILDER_ASSETS=$(scripts/build-kapi.sh | tail -1)")
	}
}
