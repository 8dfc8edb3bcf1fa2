package testenv

import (
	"fmt"
)

// Expect is one failure a planted fault must cause in a case: the clause
// of the case's Clauses it demonstrates (the exact string), and a phrase
// the case's observation must hold, naming the object and what is wrong.
type Expect struct {
	Clause string
	Says   string
}

// Deviation is a fixture set that breaks promises: the conforming objects
// with one change. Fails maps each case ID that must fail to the clauses
// its failure demonstrates; every other object case must pass
// (ExpectDeviation). The same objects reach the audit target (Dump) and
// the kube target (APIServer.Load).
type Deviation struct {
	Name string
	// Change says what differs from the conforming objects and why the
	// addon would never create it.
	Change string
	// Mutate makes the change; nil for the conforming set.
	Mutate Mutation
	Fails  map[string][]Expect
}

// LivePlant is a planted fault only a live API server can show (objects
// that change while a case reads them): Test names the test that plants
// it and asserts Fails, in the shape of a Deviation's.
type LivePlant struct {
	Name   string
	Change string
	Test   string // package path and test name
	Fails  map[string][]Expect
}

// Conforming is the fixture that breaks nothing: every case must pass.
var Conforming = Deviation{Name: "conforming", Change: "none: the objects as KubeBlocks 1.0.2 and the addon 1.0.2 create them (testdata/kube/FACTS.md)"}

// DeviationNamed returns the deviation called name; "" and "conforming"
// are Conforming.
func DeviationNamed(name string) (Deviation, error) {
	if name == "" || name == Conforming.Name {
		return Conforming, nil
	}
	for _, d := range Deviations {
		if d.Name == name {
			return d, nil
		}
	}
	return Deviation{}, fmt.Errorf("no deviation %q in testenv.Deviations", name)
}

// The clause every case that walks shards holds (scenarios.clauseObjects).
const walks = "walks every shard and pod the Cluster asks for"

// noShards is what every case that walks the shards says when none is
// labelled as one.
const noShards = "0 broker shard Components labelled app.kubernetes.io/instance=rocketmq-cluster,apps.kubeblocks.io/sharding-name=broker (); the Cluster asks for 2"

// threePods is what every case that walks broker-d4p's pods says when it
// has a third.
const threePods = "component broker-d4p has 3 pods (rocketmq-cluster-broker-d4p-0,rocketmq-cluster-broker-d4p-1,rocketmq-cluster-broker-d4p-2)"

// Deviations are the deviating fixtures: every clause of every object case
// but accounts/no-leak is demonstrated by one of them or by a LivePlant
// (TestEveryObjectClauseIsPlanted).
var Deviations = []Deviation{
	{
		Name:   "component-not-running",
		Change: "the broker container of rocketmq-cluster-broker-x7k-1 is in CrashLoopBackOff, and InstanceSet, Component, sharding and Cluster status say so as KubeBlocks writes them (README.txt)",
		Mutate: overlay("component-not-running"),
		Fails: map[string][]Expect{"layout/topology": {
			{"every Component is Running", `Component rocketmq-cluster-broker-x7k is "Failed", expected Running`},
			{"the Cluster is Running", `Cluster rocketmq-cluster is "Abnormal", expected Running`},
			{"every pod is Running and Ready", "pod rocketmq-cluster-broker-x7k-1 is Running but not Ready"},
		}},
	},
	{
		Name:   "extra-shard-replica",
		Change: "shard broker-d4p has a third pod rocketmq-cluster-broker-d4p-2 with its own Bound PVC while the Cluster asks for 2 replicas (README.txt)",
		Mutate: overlay("extra-shard-replica"),
		// Every case that walks a shard's pods checks their number first.
		Fails: map[string][]Expect{
			"layout/topology":     {{"each component has as many pods as the Cluster asks for", threePods + ", expected 2"}},
			"layout/storage":      {{walks, threePods + "; the Cluster asks for 2"}},
			"layout/roles":        {{walks, threePods + "; the Cluster asks for 2"}},
			"accounts/env-wiring": {{walks, threePods + "; the Cluster asks for 2"}},
		},
	},
	{
		Name:   "port-missing",
		Change: "the headless Service rocketmq-cluster-broker-x7k-headless lacks port ha 10912 (README.txt)",
		Mutate: overlay("port-missing"),
		Fails: map[string][]Expect{"layout/services": {{"each shard has a headless Service with 10911, 10909 and 10912",
			"Service rocketmq-cluster-broker-x7k-headless lacks port 10912"}}},
	},
	{
		Name:   "broker-clusterip",
		Change: "an extra ClusterIP Service rocketmq-cluster-broker-d4p fronts shard broker-d4p on 10911 (README.txt)",
		Mutate: overlay("broker-clusterip"),
		Fails: map[string][]Expect{"layout/services": {{"no broker or exporter ClusterIP Service exists",
			"Service rocketmq-cluster-broker-d4p is a ClusterIP Service for broker-d4p"}}},
	},

	{
		Name:   "namesrv-pvc",
		Change: "namesrv pod rocketmq-cluster-namesrv-0 has volume data backed by a Bound PVC data-rocketmq-cluster-namesrv-0 (README.txt)",
		Mutate: overlay("namesrv-pvc"),
		Fails: map[string][]Expect{"layout/storage": {{"namesrv pods claim no PVC",
			"namesrv pod rocketmq-cluster-namesrv-0 mounts PVC data-rocketmq-cluster-namesrv-0"}}},
	},

	{
		Name:   "two-masters",
		Change: "both pods of shard broker-d4p carry kubeblocks.io/role=master (README.txt)",
		Mutate: overlay("two-masters"),
		Fails: map[string][]Expect{"layout/roles": {{"each shard has exactly one master label",
			"shard broker-d4p has 2 pods labelled master (rocketmq-cluster-broker-d4p-0,rocketmq-cluster-broker-d4p-1), expected exactly one"}}},
	},
	{
		Name:   "secret-misnamed",
		Change: "shard broker-d4p's account Secret is named rocketmq-cluster-broker-0-account-rocketmq-admin, the seed's shard naming (README.txt)",
		Mutate: overlay("secret-misnamed"),
		Fails: map[string][]Expect{
			"accounts/secret-names": {
				{"every account Secret exists under the addon's name", "Secret rocketmq-cluster-broker-d4p-account-rocketmq-admin (account rocketmq-admin of broker-d4p) is missing"},
				{"no account Secret of the Cluster exists under another name", "Secret rocketmq-cluster-broker-0-account-rocketmq-admin is an account secret of rocketmq-cluster under a name the addon does not produce"},
			},
			"accounts/secret-keys": {{"each account Secret holds username and password",
				"Secret rocketmq-cluster-broker-d4p-account-rocketmq-admin is missing"}},
		},
	},

	{
		Name:   "weak-password",
		Change: "the password of rocketmq-cluster-dashboard-account-console-admin has no upper-case letter (README.txt)",
		Mutate: overlay("weak-password"),
		Fails: map[string][]Expect{"accounts/secret-keys": {{"the password meets the account's policy",
			"Secret rocketmq-cluster-dashboard-account-console-admin: the password does not mix upper and lower case letters"}}},
	},

	{
		Name:   "env-wrong-secret",
		Change: "in every container of pod rocketmq-cluster-broker-x7k-1, ROCKETMQ_PASSWORD reads the other shard's Secret (README.txt)",
		Mutate: overlay("env-wrong-secret"),
		Fails: map[string][]Expect{"accounts/env-wiring": {{"they read their own component's account Secret",
			"pod rocketmq-cluster-broker-x7k-1 container rocketmq-broker: ROCKETMQ_PASSWORD reads Secret rocketmq-cluster-broker-d4p-account-rocketmq-admin key password, expected rocketmq-cluster-broker-x7k-account-rocketmq-admin key password"}}},
	},
}
