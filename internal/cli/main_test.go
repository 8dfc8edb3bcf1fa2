package cli

import (
	"os"
	"testing"

	"github.com/rmqkb/conformance/internal/testenv"
)

// api is a real etcd + kube-apiserver for the kube target tests of this
// package; nil when it could not start outside CI (those tests skip).
var api *testenv.APIServer

func TestMain(m *testing.M) { os.Exit(testenv.MainWithAPIServer(m, &api)) }
