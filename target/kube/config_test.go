package kube_test

import (
	"strings"
	"testing"

	"github.com/rmqkb/conformance/target/kube"
)

func TestRESTConfig(t *testing.T) {
	if _, err := kube.RESTConfig("/nonexistent/kubeconfig", "", false); err == nil || !strings.Contains(err.Error(), "--kubeconfig /nonexistent/kubeconfig") {
		t.Errorf("missing file: %v", err)
	}
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	if _, err := kube.RESTConfig("", "", true); err == nil || !strings.Contains(err.Error(), "--in-cluster") {
		t.Errorf("in-cluster outside a pod: %v", err)
	}
	if _, err := kube.RESTConfig("x", "", true); err == nil || !strings.Contains(err.Error(), "exclude each other") {
		t.Errorf("both: %v", err)
	}
	needAPI(t)
	path := api.Kubeconfig(t)
	cfg, err := kube.RESTConfig(path, "", false)
	if err != nil || strings.TrimSuffix(cfg.Host, "/") != strings.TrimSuffix(api.Config.Host, "/") {
		t.Fatalf("RESTConfig(%s): %v; want host %s", path, err, api.Config.Host)
	}
	if _, err := kube.RESTConfig(path, "no-such-context", false); err == nil || !strings.Contains(err.Error(), "no-such-context") {
		t.Errorf("unknown context: %v", err)
	}
}
