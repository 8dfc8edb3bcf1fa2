// Package kbapi names the KubeBlocks 1.0 API resources the suite reads and
// writes, so the kube target and the lifecycle agree on them.
package kbapi

import "k8s.io/apimachinery/pkg/runtime/schema"

var (
	Cluster             = schema.GroupVersionResource{Group: "apps.kubeblocks.io", Version: "v1", Resource: "clusters"}
	Component           = schema.GroupVersionResource{Group: "apps.kubeblocks.io", Version: "v1", Resource: "components"}
	ComponentDefinition = schema.GroupVersionResource{Group: "apps.kubeblocks.io", Version: "v1", Resource: "componentdefinitions"}
	ClusterDefinition   = schema.GroupVersionResource{Group: "apps.kubeblocks.io", Version: "v1", Resource: "clusterdefinitions"}
	ShardingDefinition  = schema.GroupVersionResource{Group: "apps.kubeblocks.io", Version: "v1", Resource: "shardingdefinitions"}
	InstanceSet         = schema.GroupVersionResource{Group: "workloads.kubeblocks.io", Version: "v1", Resource: "instancesets"}
)

// OpsRequest is KubeBlocks' day-2 operation request.
var OpsRequest = schema.GroupVersionResource{Group: "operations.kubeblocks.io", Version: "v1alpha1", Resource: "opsrequests"}
