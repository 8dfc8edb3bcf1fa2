package scenarios

import (
	"context"
	"fmt"
	"sort"
	"unicode"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
	corev1 "k8s.io/api/core/v1"
)

// The clauses of the account cases.
var (
	snExist   = verdict.Clause{ID: "exist", Text: "every account Secret exists under the addon's name"}
	snNoOther = verdict.Clause{ID: "no-other-name", Text: "no account Secret of the Cluster exists under another name"}

	skKeys     = verdict.Clause{ID: "keys", Text: "each account Secret holds username and password"}
	skUsername = verdict.Clause{ID: "username", Text: "the username is the account name"}
	skPolicy   = verdict.Clause{ID: "password-policy", Text: "the password meets the account's policy"}

	envFromSecret = verdict.Clause{ID: "from-secret", Text: "the account env vars come from a Secret"}
	envOwnSecret  = verdict.Clause{ID: "own-secret", Text: "they read their own component's account Secret"}
)

// secretNamesCase is accounts/secret-names.
var secretNamesCase = Case{Case: verdict.Case{
	Suite: "accounts", Name: "secret-names",
	Promise:     "Account Secrets {cluster}-broker-<id>-account-rocketmq-admin exist for every shard, and {cluster}-dashboard-account-console-admin once.",
	Description: "The seed's example names the shard components broker-0, broker-1; KubeBlocks names them broker-<3 random characters>, so the secrets carry those names (facts sheet section 10, claim 30a).",
	Clauses:     []verdict.Clause{clauseObjects, snExist, snNoOther},
	Needs:       []verdict.Capability{verdict.Objects},
}, Run: secretNames}

// secretKeysCase is accounts/secret-keys.
var secretKeysCase = Case{Case: verdict.Case{
	Suite: "accounts", Name: "secret-keys",
	Promise:     "Each account Secret holds username and password; the username is the account name and the password meets the account's policy: 8 characters, 6 of them digits, no symbols, upper and lower case letters.",
	Description: "KubeBlocks generates passwords from the ComponentDefinition's policy (length 8, numDigits 6, letterCase MixedCases); the broker policy is seeded, so every shard gets the same one (facts sheet section 5). Values are never printed.",
	Clauses:     []verdict.Clause{clauseObjects, skKeys, skUsername, skPolicy},
	Needs:       []verdict.Capability{verdict.Objects},
}, Run: secretKeys}

// envWiringCase is accounts/env-wiring.
var envWiringCase = Case{Case: verdict.Case{
	Suite: "accounts", Name: "env-wiring",
	Promise:     "Broker pods read ROCKETMQ_USER and ROCKETMQ_PASSWORD from their own shard's rocketmq-admin Secret; dashboard pods read CONSOLE_USER and CONSOLE_PASSWORD from the console-admin Secret.",
	Description: "KubeBlocks resolves credentialVarRef vars into env entries that reference the account Secret's username and password keys.",
	Clauses:     []verdict.Clause{clauseObjects, envFromSecret, envOwnSecret},
	Needs:       []verdict.Capability{verdict.Objects},
}, Run: envWiring}

// noLeakCase is accounts/no-leak.
var noLeakCase = Case{Case: verdict.Case{
	Suite: "accounts", Name: verdict.NoLeakCase,
	Promise: "No account secret appears in any file the run wrote: junit.xml, summary.md, summary.json and everything under diagnostics/.",
	Description: "Judged after the reports and diagnostics are on disk, so it checks what was really written; it can still turn the verdict and the exit code to 1. " +
		"Collected pod logs, events, object dumps and result texts are redacted before they are written; this case proves the redaction held. Findings name the file and line, never the value.",
	Clauses:      []verdict.Clause{verdict.ClauseNoLeak},
	Needs:        []verdict.Capability{verdict.Secrets},
	AfterReports: true,
}}

func init() {
	register(
		secretNamesCase,
		secretKeysCase,
		envWiringCase,
		aclEnforcedCase,
		noLeakCase,
	)
}

// account is an account Secret the addon promises, and who reads it.
type account struct {
	secret, name string
	comp         string // short component name of the pods that read it
	userEnv      string
	passEnv      string
	container    string
}

// accountsOf lists the accounts the addon promises for the snapshot's
// shards, once the shards are checked against the topology.
func accountsOf(t *T, s *target.Snapshot) []account {
	cluster := t.Target.Topology().Cluster
	var out []account
	for _, sh := range objectShards(t, s) {
		out = append(out, account{secret: cluster + "-" + sh + "-account-rocketmq-admin", name: "rocketmq-admin", comp: sh,
			userEnv: "ROCKETMQ_USER", passEnv: "ROCKETMQ_PASSWORD", container: "rocketmq-broker"})
	}
	return append(out, account{secret: cluster + "-dashboard-account-console-admin", name: "console-admin", comp: "dashboard",
		userEnv: "CONSOLE_USER", passEnv: "CONSOLE_PASSWORD", container: "rocketmq-dashboard"})
}

func secretNames(ctx context.Context, t *T) {
	c := t.Target.Topology().Cluster
	s := snapshotOf(ctx, t)
	want := map[string]bool{}
	for _, a := range accountsOf(t, s) {
		want[a.secret] = true
		if s.Secret(a.secret) == nil {
			t.Errorf(snExist, "Secret %s (account %s of %s) is missing", a.secret, a.name, a.comp)
		} else {
			t.Logf("Secret %s present", a.secret)
		}
	}
	// An account secret of this cluster under any other name is a misnamed one.
	for _, sec := range s.Secrets {
		if sec.Labels[target.LabelInstance] == c && sec.Labels["apps.kubeblocks.io/system-account"] != "" && !want[sec.Name] {
			t.Errorf(snNoOther, "Secret %s is an account secret of %s under a name the addon does not produce", sec.Name, c)
		}
	}
}

// policyProblem says how a password breaks the policy, without saying it.
func policyProblem(p string) string {
	var digits, upper, lower, other int
	for _, r := range p {
		switch {
		case unicode.IsDigit(r):
			digits++
		case unicode.IsUpper(r):
			upper++
		case unicode.IsLower(r):
			lower++
		default:
			other++
		}
	}
	switch {
	case len(p) != 8:
		return fmt.Sprintf("is %d characters long, the policy says 8", len(p))
	case digits != 6:
		return fmt.Sprintf("has %d digits, the policy says 6", digits)
	case other > 0:
		return fmt.Sprintf("has %d characters that are neither letters nor digits; the policy has no symbols", other)
	case upper == 0 || lower == 0:
		return "does not mix upper and lower case letters (letterCase MixedCases)"
	}
	return ""
}

func secretKeys(ctx context.Context, t *T) {
	s := snapshotOf(ctx, t)
	for _, a := range accountsOf(t, s) {
		sec := s.Secret(a.secret)
		if sec == nil {
			t.Errorf(skKeys, "Secret %s is missing", a.secret)
			continue
		}
		user, hasUser := sec.Data["username"]
		pass, hasPass := sec.Data["password"]
		if !hasUser || !hasPass {
			t.Errorf(skKeys, "Secret %s has keys %v, expected username and password", a.secret, keysOf(sec))
			continue
		}
		if string(user) != a.name {
			t.Errorf(skUsername, "Secret %s: username is %q, expected the account name %q", a.secret, user, a.name)
		}
		if why := policyProblem(string(pass)); why != "" {
			t.Errorf(skPolicy, "Secret %s: the password %s", a.secret, why)
		}
		t.Logf("Secret %s: username %s, password meets the policy: %v", a.secret, user, policyProblem(string(pass)) == "")
	}
}

func keysOf(sec *corev1.Secret) []string {
	var out []string
	for k := range sec.Data {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func envWiring(ctx context.Context, t *T) {
	s := snapshotOf(ctx, t)
	for _, a := range accountsOf(t, s) {
		pods := objectPods(t, s, a.comp)
		for i := range pods {
			p := &pods[i]
			ct := container(p, a.container)
			if ct == nil {
				t.Errorf(envFromSecret, "pod %s has no container %s", p.Name, a.container)
				continue
			}
			for env, key := range map[string]string{a.userEnv: "username", a.passEnv: "password"} {
				ref := secretRef(ct, env)
				switch {
				case ref == nil:
					t.Errorf(envFromSecret, "pod %s container %s: %s does not come from a Secret", p.Name, a.container, env)
				case ref.Name != a.secret || ref.Key != key:
					t.Errorf(envOwnSecret, "pod %s container %s: %s reads Secret %s key %s, expected %s key %s", p.Name, a.container, env, ref.Name, ref.Key, a.secret, key)
				}
			}
		}
		t.Logf("%d pods of %s read %s", len(pods), a.comp, a.secret)
	}
}

// secretRef returns the Secret key an env var of the container reads.
func secretRef(ct *corev1.Container, name string) *corev1.SecretKeySelector {
	for _, e := range ct.Env {
		if e.Name == name && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			return e.ValueFrom.SecretKeyRef
		}
	}
	return nil
}
