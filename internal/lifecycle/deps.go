package lifecycle

// The Kubernetes lifecycle is written against these pinned libraries; the
// blank imports keep them in go.mod while the code that uses them lands.
import (
	_ "helm.sh/helm/v3/pkg/action"
	_ "helm.sh/helm/v3/pkg/chart/loader"
	_ "helm.sh/helm/v3/pkg/cli"
	_ "sigs.k8s.io/e2e-framework/pkg/env"
	_ "sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	_ "sigs.k8s.io/kind/pkg/cluster"
)
