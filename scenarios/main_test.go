package scenarios_test

import (
	"os"
	"testing"

	"github.com/apache/rocketmq-client-go/v2/rlog"
)

// TestMain keeps rocketmq-client-go's info logging out of the test output.
func TestMain(m *testing.M) {
	rlog.SetLogLevel("error")
	os.Exit(m.Run())
}
