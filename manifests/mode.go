package manifests

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/rmqkb/conformance/internal/topology"
)

// ExtraEnvAnnotation is the Cluster annotation the addon reads its optional
// modes from: a JSON object of environment variables, ENABLE_ACL and
// ENABLE_DLEDGER among them (facts: modes-and-management.md section 1).
const ExtraEnvAnnotation = "kubeblocks.io/extra-env"

// DLedgerReplicas is how many brokers a shard runs in DLedger mode unless
// told otherwise: Raft needs a majority to survive the loss of one.
const DLedgerReplicas = 3

// modeOf reads the mode a Cluster object runs from its annotation. An
// annotation that is not a JSON object of strings is an error naming it:
// the addon's templates would fail on it too. It runs where an object is
// taken in (ParseCluster, TopologyOf), so its error is always handled
// there and nothing reads the annotation again.
func modeOf(obj map[string]any) (topology.Mode, error) {
	ann, _ := walk(obj, "metadata", "annotations").(map[string]any)
	raw, ok := ann[ExtraEnvAnnotation].(string)
	if !ok {
		return topology.Mode{}, nil
	}
	var env map[string]string
	if err := json.Unmarshal([]byte(raw), &env); err != nil {
		return topology.Mode{}, fmt.Errorf("annotation %s is not a JSON object of strings: %w", ExtraEnvAnnotation, err)
	}
	return topology.Mode{
		ACL:     strings.EqualFold(env["ENABLE_ACL"], "true"),
		DLedger: strings.EqualFold(env["ENABLE_DLEDGER"], "true"),
	}, nil
}

// WithMode returns a copy that runs in mode m, written as the addon's
// cluster chart writes it (addons-cluster/rocketmq, cluster.yaml and
// _helpers.tpl): the annotation names both switches, for the broker config
// template (aclEnable, enableDLegerCommitLog); the same switches are env
// entries of the broker shards' template, the exporter and the dashboard,
// for their setup scripts (broker-setup.sh writes the ACL account and the
// dLeger keys only when ENABLE_ACL or ENABLE_DLEDGER is "true" in its
// environment; KubeBlocks 1.0.2 does not turn the annotation into env,
// and a broker whose config enables DLedger without the keys cannot
// start); and with ACL on, every shard's rocketmq-admin password is seeded
// with the Cluster's name, so all shards share it (the exporter and
// dashboard setup scripts stop when the shards' passwords differ). The
// zero Mode leaves the Cluster as it is.
func (c Cluster) WithMode(m topology.Mode) Cluster {
	if m == (topology.Mode{}) {
		return c
	}
	obj := deepCopy(c.Object).(map[string]any)
	out := c
	out.Object, out.mode = obj, m
	meta, _ := obj["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
		meta["annotations"] = ann
	}
	switches := map[string]string{"ENABLE_ACL": fmt.Sprint(m.ACL), "ENABLE_DLEDGER": fmt.Sprint(m.DLedger)}
	env, _ := json.Marshal(switches)
	ann[ExtraEnvAnnotation] = string(env)
	for _, cs := range list(obj, "spec", "componentSpecs") {
		if cm, _ := cs.(map[string]any); str(cm, "name") == "exporter" || str(cm, "name") == "dashboard" {
			setEnv(cm, switches)
		}
	}
	for _, sh := range list(obj, "spec", "shardings") {
		sm, _ := sh.(map[string]any)
		if tpl, ok := sm["template"].(map[string]any); ok && str(sm, "name") == "broker" {
			setEnv(tpl, switches)
		}
	}
	if m.ACL {
		for _, sh := range list(obj, "spec", "shardings") {
			sm, _ := sh.(map[string]any)
			if tpl, ok := sm["template"].(map[string]any); ok && str(sm, "name") == "broker" {
				tpl["systemAccounts"] = []any{map[string]any{
					"name": "rocketmq-admin",
					"passwordConfig": map[string]any{
						"length": 8, "numDigits": 6, "letterCase": "MixedCases", "seed": c.Name,
					},
				}}
			}
		}
	}
	return out
}

// Mode is the mode the Cluster runs: its annotation as ParseCluster read
// it, or as WithMode last wrote it.
func (c Cluster) Mode() topology.Mode { return c.mode }

// Annotations returns the Cluster's metadata.annotations, as strings.
func (c Cluster) Annotations() map[string]string {
	out := map[string]string{}
	ann, _ := walk(c.Object, "metadata", "annotations").(map[string]any)
	for k, v := range ann {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// setEnv sets the env entries of a component spec (or sharding template),
// replacing entries of the same names, in the switches' name order.
func setEnv(spec map[string]any, vars map[string]string) {
	var kept []any
	for _, e := range list(spec, "env") {
		if em, _ := e.(map[string]any); em != nil {
			if _, replaced := vars[str(em, "name")]; replaced {
				continue
			}
		}
		kept = append(kept, e)
	}
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		kept = append(kept, map[string]any{"name": n, "value": vars[n]})
	}
	spec["env"] = kept
}
