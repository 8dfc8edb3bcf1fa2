package cli

import (
	"os"
	"testing"

	"github.com/rmqkb/conformance/testenv"
)

// TestMain stops the control plane of the kube target tests, if one of
// them started it (testenv.SharedAPIServer).
func TestMain(m *testing.M) { os.Exit(testenv.MainWithAPIServer(m)) }
