package target

import (
	"context"
	"fmt"

	"github.com/rmqkb/conformance/verdict"
)

// Abilities is what a target declares it can do, in one place: for each
// capability, the means a case uses, or why the target cannot. A case
// lists the capabilities it needs (Case.Needs); the runner skips it with
// the target's reason when one is lacking, so a case reads the means it
// needs from here without asking the target what it is.
type Abilities struct {
	// Cannot says, for each capability the target lacks, why.
	Cannot map[verdict.Capability]string

	Freezer    Freezer         // Freezing
	Holder     NamesrvHolder   // HoldDown
	Management ManagementPlane // Management
	Operator   Operator        // Operations
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
	// RoleProbe runs the platform's role probe in a broker pod, for the
	// evidence of a role label that is missing or wrong (kube: the
	// addon's get-role.sh, as KubeBlocks' agent runs it).
	RoleProbe RoleProbe
}

// RoleProbe runs the platform's role probe in a broker pod and returns
// what it printed.
type RoleProbe interface {
	ProbeRole(ctx context.Context, pod string) (string, error)
}

// Lacks says why the target cannot do c, or "" when it declares no reason.
func (a Abilities) Lacks(c verdict.Capability) string { return a.Cannot[c] }

// Undeclared reports whether the target says neither how it does c nor
// why it cannot: a defect of the target, which errors a case that needs
// c rather than skipping or running it.
func (a Abilities) Undeclared(c verdict.Capability) bool { return a.Cannot[c] == "" && !a.equipped(c) }

// equipped reports whether the means of c, where it has one, is set.
func (a Abilities) equipped(c verdict.Capability) bool {
	switch c {
	case verdict.Freezing:
		return a.Freezer != nil
	case verdict.HoldDown:
		return a.Holder != nil
	case verdict.Management:
		return a.Management != nil
	case verdict.Operations:
		return a.Operator != nil
	case verdict.Objects:
		return a.Objects != nil
	case verdict.Secrets:
		return a.Secrets != nil
	}
	return true
}

// Cannot is how a target says, while a case runs, that it cannot do what
// a capability it declared needs here after all (exec into a pod is
// forbidden to this user; no jar was given for the exporter): the case
// is skipped with Why, as when the capability is declared lacking.
type Cannot struct {
	Capability verdict.Capability
	Why        string
}

func (e *Cannot) Error() string { return "cannot " + e.Capability.Doing() + ": " + e.Why }

// Cannotf returns a *Cannot for capability c.
func Cannotf(c verdict.Capability, format string, args ...any) error {
	return &Cannot{Capability: c, Why: fmt.Sprintf(format, args...)}
}
