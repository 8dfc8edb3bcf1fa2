package verdict

// Capability names something a target can do. A case lists the capabilities it
// needs; on a target that lacks one the case is skipped with the target's reason,
// never passed.
type Capability string

const (
	// Messaging: clients can reach the namesrvs and brokers.
	Messaging Capability = "messaging"
	// Faults: brokers and namesrvs can be killed and come back.
	Faults Capability = "faults"
	// Objects: the Kubernetes objects of the cluster (Services, Secrets, PVCs,
	// Pods) can be read.
	Objects Capability = "objects"
	// RoleLabels: a platform labels each broker with its role
	// (kubeblocks.io/role), independently of the broker's own view.
	RoleLabels Capability = "role-labels"
	// Secrets: the target knows the account secrets of the cluster, so
	// the run's outputs can be searched for them.
	Secrets Capability = "secrets"
	// HoldDown: a namesrv can be killed and kept down until released
	// (target.Abilities.Holder).
	HoldDown Capability = "hold-down"
	// Freezing: a broker can be frozen, stopped without ending, and thawed
	// (target.Abilities.Freezer).
	Freezing Capability = "freezing"
	// Management: the exporter and the dashboard can be reached over HTTP
	// (target.Abilities.Management).
	Management Capability = "management"
	// Operations: the platform's day-2 operations (restart, ...) can be
	// asked for and observed (target.Abilities.Operator).
	Operations Capability = "operations"
)

// Doing says what a capability lets a target do, for skip reasons.
func (c Capability) Doing() string {
	switch c {
	case Messaging:
		return "talk to RocketMQ"
	case Faults:
		return "kill and recreate brokers"
	case Objects:
		return "read Kubernetes objects"
	case RoleLabels:
		return "read platform role labels"
	case Secrets:
		return "name account secrets"
	case HoldDown:
		return "keep a killed namesrv down"
	case Freezing:
		return "freeze and thaw brokers"
	case Management:
		return "reach the exporter and the dashboard"
	case Operations:
		return "perform day-2 operations"
	}
	return string(c)
}
