// Package kube is the kube target: a KubeBlocks RocketMQ Cluster that
// exists, read and disturbed through client-go.
package kube

import (
	"errors"
	"fmt"
	"os"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// RESTConfig returns the client config to use: the in-cluster config when
// inCluster is set (for a run from a pod), else the kubeconfig file (or
// the usual KUBECONFIG / ~/.kube/config lookup when kubeconfig is empty),
// with kubeContext selecting a context. Errors name the input.
func RESTConfig(kubeconfig, kubeContext string, inCluster bool) (*rest.Config, error) {
	if inCluster {
		if kubeconfig != "" {
			return nil, errors.New("--in-cluster and --kubeconfig exclude each other")
		}
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("--in-cluster: %w (it works only in a pod with a service account)", err)
		}
		return cfg, nil
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		if _, err := os.Stat(kubeconfig); err != nil {
			return nil, fmt.Errorf("--kubeconfig %s: %w", kubeconfig, err)
		}
		rules.ExplicitPath = kubeconfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: kubeContext}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		where := kubeconfig
		if where == "" {
			where = "the default kubeconfig (KUBECONFIG or ~/.kube/config)"
		}
		return nil, fmt.Errorf("load %s: %w", where, err)
	}
	return cfg, nil
}
