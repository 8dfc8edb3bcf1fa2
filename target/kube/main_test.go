package kube_test

import (
	"os"
	"testing"

	"github.com/rmqkb/conformance/testenv"
)

// api is one real etcd + kube-apiserver for the whole package, started
// by the first test that needs it (needAPI).
var api *testenv.APIServer

func TestMain(m *testing.M) { os.Exit(testenv.MainWithAPIServer(m)) }

// needAPI starts the package's control plane on first use, or skips the
// test saying why it cannot.
func needAPI(t *testing.T) {
	t.Helper()
	api = testenv.SharedAPIServer(t)
}
