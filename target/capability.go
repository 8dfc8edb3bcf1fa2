package target

import "fmt"

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
	// (Abilities.Holder).
	HoldDown Capability = "hold-down"
	// Freezing: a broker can be frozen, stopped without ending, and thawed
	// (Abilities.Freezer).
	Freezing Capability = "freezing"
	// Management: the exporter and the dashboard can be reached over HTTP
	// (Abilities.Management).
	Management Capability = "management"
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
	}
	return string(c)
}

// Abilities is what a target declares it can do, in one place: for each
// capability, the means a case uses, or why the target cannot. A case
// lists the capabilities it needs (Case.Needs); the runner skips it with
// the target's reason when one is lacking, so a case reads the means it
// needs from here without asking the target what it is.
type Abilities struct {
	// Cannot says, for each capability the target lacks, why.
	Cannot map[Capability]string

	Freezer    Freezer         // Freezing
	Holder     NamesrvHolder   // HoldDown
	Management ManagementPlane // Management
	Objects    ObjectSource    // Objects
	Secrets    SecretSource    // Secrets

	// Refinements, which no case needs but some use where present:
	// Processes lets the runner read how the machine starved the
	// target's processes; PerShard signs each shard with its own ACL
	// account (kube: each shard has its own rocketmq-admin Secret);
	// Source is the address the suite's clients dial from ("" for the
	// kernel's choice).
	Processes ProcessTable
	PerShard  CredentialsOf
	Source    string
}

// Lacks says why the target cannot do c, or "" when it can. A capability
// neither declared lacking nor given its means is a defect of the target,
// said as such rather than passed.
func (a Abilities) Lacks(c Capability) string {
	if why := a.Cannot[c]; why != "" {
		return why
	}
	if !a.equipped(c) {
		return "suite defect: the target declares no means to " + c.Doing()
	}
	return ""
}

// equipped reports whether the means of c, where it has one, is set.
func (a Abilities) equipped(c Capability) bool {
	switch c {
	case Freezing:
		return a.Freezer != nil
	case HoldDown:
		return a.Holder != nil
	case Management:
		return a.Management != nil
	case Objects:
		return a.Objects != nil
	case Secrets:
		return a.Secrets != nil
	}
	return true
}

// Cannot is how a target says, while a case runs, that it cannot do what
// a capability it declared needs here after all (exec into a pod is
// forbidden to this user; no jar was given for the exporter): the case
// is skipped with Why, as when the capability is declared lacking.
type Cannot struct {
	Capability Capability
	Why        string
}

func (e *Cannot) Error() string { return "cannot " + e.Capability.Doing() + ": " + e.Why }

// Cannotf returns a *Cannot for capability c.
func Cannotf(c Capability, format string, args ...any) error {
	return &Cannot{Capability: c, Why: fmt.Sprintf(format, args...)}
}
