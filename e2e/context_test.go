package e2e

import (
	"context"

	"k8s.io/client-go/rest"

	"github.com/rmqkb/conformance/internal/lifecycle"
	"github.com/rmqkb/conformance/runner"
	"github.com/rmqkb/conformance/target/kube"
	"github.com/rmqkb/conformance/testenv"
)

// The harness's state, in the test's context under one key type each: a
// step finds what the steps before it left, and the finish steps find what
// to release, whichever step the setup stopped at.
type (
	restKey   struct{} // *rest.Config of the cluster the features run against
	apiKey    struct{} // *testenv.APIServer the harness started (envtest)
	kindKey   struct{} // lifecycle.Options of the kind cluster the harness brings up
	targetKey struct{} // *kube.Target
	runKey    struct{} // *runner.Run
)

// valueOf is the value under key, or V's zero value.
func valueOf[V any](ctx context.Context, key any) V {
	v, _ := ctx.Value(key).(V)
	return v
}

func restOf(ctx context.Context) *rest.Config      { return valueOf[*rest.Config](ctx, restKey{}) }
func apiOf(ctx context.Context) *testenv.APIServer { return valueOf[*testenv.APIServer](ctx, apiKey{}) }
func targetOf(ctx context.Context) *kube.Target    { return valueOf[*kube.Target](ctx, targetKey{}) }
func runOf(ctx context.Context) *runner.Run        { return valueOf[*runner.Run](ctx, runKey{}) }

func kindOf(ctx context.Context) (lifecycle.Options, bool) {
	o, ok := ctx.Value(kindKey{}).(lifecycle.Options)
	return o, ok
}
