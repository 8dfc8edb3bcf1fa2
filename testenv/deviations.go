package testenv

import (
	"fmt"
	"strings"
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
const walks = "pods"

// noShards is what every case that walks the shards says when none is
// labelled as one.
const noShards = "0 broker shard Components labelled app.kubernetes.io/instance=rocketmq-cluster,apps.kubeblocks.io/sharding-name=broker (); the Cluster asks for 2"

// twoOfThree is what every case that walks the shards says when the
// Cluster asks for three.
const twoOfThree = "2 broker shard Components labelled app.kubernetes.io/instance=rocketmq-cluster,apps.kubeblocks.io/sharding-name=broker (broker-d4p, broker-x7k); the Cluster asks for 3"

// threePods is what every case that walks broker-d4p's pods says when it
// has a third.
const threePods = "component broker-d4p has 3 pods (rocketmq-cluster-broker-d4p-0,rocketmq-cluster-broker-d4p-1,rocketmq-cluster-broker-d4p-2)"

// Deviations are the deviating fixtures: every clause of every object case
// but accounts/no-leak is demonstrated by one of them or by a LivePlant
// (TestEveryObjectClauseIsPlanted).
var Deviations = []Deviation{
	// layout/topology
	{
		Name:   "cluster-not-running",
		Change: "the Cluster's status.phase is Updating while every Component is Running",
		Mutate: edit("Cluster", "rocketmq-cluster", set("Updating", "status", "phase")),
		Fails: map[string][]Expect{
			"cluster/ready": {{"running", `Cluster rocketmq-cluster is "Updating"`}}, "layout/topology": {{"cluster-running",
				`Cluster rocketmq-cluster is "Updating", expected Running`}}},
	},
	{
		Name:   "component-missing",
		Change: "Component rocketmq-cluster-exporter is gone (its pod remains)",
		Mutate: remove("Component", "rocketmq-cluster-exporter"),
		Fails: map[string][]Expect{"layout/topology": {{"components",
			"Component rocketmq-cluster-exporter is missing"}}},
	},
	{
		Name:   "component-unexpected",
		Change: "an extra Running Component rocketmq-cluster-proxy (a copy of the namesrv's, component-name proxy): the addon's cluster definition has no such component",
		Mutate: copyAs("Component", "rocketmq-cluster-namesrv", "rocketmq-cluster-proxy", label("apps.kubeblocks.io/component-name", "proxy")),
		Fails: map[string][]Expect{"layout/topology": {{"components",
			"unexpected Component rocketmq-cluster-proxy"}}},
	},
	{
		Name:   "component-updating",
		Change: "Component rocketmq-cluster-dashboard's status.phase is Updating; nothing else changed",
		Mutate: edit("Component", "rocketmq-cluster-dashboard", set("Updating", "status", "phase")),
		Fails: map[string][]Expect{"layout/topology": {{"components-running",
			`Component rocketmq-cluster-dashboard is "Updating", expected Running`}}},
	},
	{
		Name:   "component-not-running",
		Change: "the broker container of rocketmq-cluster-broker-x7k-1 is in CrashLoopBackOff, and InstanceSet, Component, sharding and Cluster status say so as KubeBlocks writes them (crashLoopBackOff)",
		Mutate: crashLoopBackOff(),
		Fails: map[string][]Expect{
			"cluster/ready": {
				{"running", `Cluster rocketmq-cluster is "Abnormal"`},
				{"pods-ready", "pod rocketmq-cluster-broker-x7k-1: Running, not Ready"},
				{"no-crash-loop", "crash-looping rocketmq-cluster-broker-x7k-1/rocketmq-broker (9 restarts)"},
			}, "layout/topology": {
				{"components-running", `Component rocketmq-cluster-broker-x7k is "Failed", expected Running`},
				{"cluster-running", `Cluster rocketmq-cluster is "Abnormal", expected Running`},
				{"pods-ready", "pod rocketmq-cluster-broker-x7k-1 is Running but not Ready"},
			}},
	},
	{
		Name: "shard-labels-drifted",
		Change: "both shard Components lost their label apps.kubeblocks.io/sharding-name=broker, so no Component is found as a shard: " +
			"every case that walks the shards must fail, not pass over none",
		Mutate: all(
			edit("Component", "rocketmq-cluster-broker-d4p", unlabel("apps.kubeblocks.io/sharding-name")),
			edit("Component", "rocketmq-cluster-broker-x7k", unlabel("apps.kubeblocks.io/sharding-name"))),
		Fails: map[string][]Expect{
			"cluster/ready": {{"pods-ready", "0 broker shards (), the spec asks for 2"}},
			// The drifted Components are shards no longer, and none the
			// addon names otherwise: both clauses see it.
			"layout/topology": {{"shard-count", "0 broker shard Components (), expected 2"},
				{"components", "unexpected Component rocketmq-cluster-broker-d4p"}},
			"layout/services":       {{walks, noShards}},
			"layout/storage":        {{walks, noShards}},
			"layout/roles":          {{walks, noShards}},
			"accounts/secret-names": {{walks, noShards}},
			"accounts/secret-keys":  {{walks, noShards}},
			"accounts/env-wiring":   {{walks, noShards}},
		},
	},
	{
		Name:   "cluster-asks-three-shards",
		Change: "the Cluster asks for 3 broker shards while the 2 KubeBlocks created run: every case that walks the shards must fail, not judge the two it finds",
		Mutate: edit("Cluster", "rocketmq-cluster", named(at("spec", "shardings"), "broker", set(int64(3), "shards"))),
		Fails: map[string][]Expect{
			"cluster/ready":         {{"pods-ready", "2 broker shards (broker-d4p, broker-x7k), the spec asks for 3"}},
			"layout/topology":       {{"shard-count", "2 broker shard Components (broker-d4p, broker-x7k), expected 3"}},
			"layout/services":       {{walks, twoOfThree}},
			"layout/storage":        {{walks, twoOfThree}},
			"layout/roles":          {{walks, twoOfThree}},
			"accounts/secret-names": {{walks, twoOfThree}},
			"accounts/secret-keys":  {{walks, twoOfThree}},
			"accounts/env-wiring":   {{walks, twoOfThree}},
		},
	},
	{
		Name: "extra-shard-replica",
		Change: "shard broker-d4p has a third pod rocketmq-cluster-broker-d4p-2, a well-formed slave with its own Bound PVC, while the Cluster, " +
			"its Component and InstanceSet ask for 2 replicas",
		Mutate: all(
			copyAs("Pod", "rocketmq-cluster-broker-d4p-1", "rocketmq-cluster-broker-d4p-2",
				replaceAll("rocketmq-cluster-broker-d4p-1", "rocketmq-cluster-broker-d4p-2"), // its pod-name label, hostname and claim
				replaceAll("10.244.0.24", "10.244.0.26")),                                    // its own pod IP
			claimFor("rocketmq-cluster-broker-d4p-2", "pvc-e47a0c25-8b3d-4e91-b6f2-9d1c5a7e3f40")),
		// Every case that walks a shard's pods checks their number first.
		Fails: map[string][]Expect{
			"cluster/ready":       {{"pods-ready", threePods + ", the spec asks for 2"}},
			"layout/topology":     {{"pod-count", threePods + ", expected 2"}},
			"layout/storage":      {{walks, threePods + "; the Cluster asks for 2"}},
			"layout/roles":        {{walks, threePods + "; the Cluster asks for 2"}},
			"accounts/env-wiring": {{walks, threePods + "; the Cluster asks for 2"}},
		},
	},
	{
		Name:   "pod-not-ready",
		Change: "pod rocketmq-cluster-namesrv-0 is Running with condition Ready False",
		Mutate: edit("Pod", "rocketmq-cluster-namesrv-0", condition("Ready", set("False", "status"))),
		Fails: map[string][]Expect{
			"cluster/ready": {{"pods-ready", "pod rocketmq-cluster-namesrv-0: Running, not Ready"}}, "layout/topology": {{"pods-ready",
				"pod rocketmq-cluster-namesrv-0 is Running but not Ready"}}},
	},
	{
		Name:   "pod-pending",
		Change: "pod rocketmq-cluster-exporter-0's status.phase is Pending",
		Mutate: edit("Pod", "rocketmq-cluster-exporter-0", set("Pending", "status", "phase")),
		Fails: map[string][]Expect{
			"cluster/ready": {{"pods-ready", "pod rocketmq-cluster-exporter-0: Pending"}}, "layout/topology": {{"pods-ready",
				"pod rocketmq-cluster-exporter-0 is Pending, expected Running"}}},
	},

	// layout/services
	{
		Name:   "namesrv-service-nodeport",
		Change: "Service rocketmq-cluster-namesrv is type NodePort; the addon's cmpd makes it ClusterIP",
		Mutate: edit("Service", "rocketmq-cluster-namesrv", set("NodePort", "spec", "type")),
		Fails: map[string][]Expect{"layout/services": {{"namesrv",
			"Service rocketmq-cluster-namesrv is type NodePort"}}},
	},
	{
		Name:   "namesrv-service-missing",
		Change: "Service rocketmq-cluster-namesrv is gone",
		Mutate: remove("Service", "rocketmq-cluster-namesrv"),
		Fails: map[string][]Expect{"layout/services": {{"namesrv",
			"Service rocketmq-cluster-namesrv is missing"}}},
	},
	{
		Name:   "namesrv-headless-missing",
		Change: "Service rocketmq-cluster-namesrv-headless is gone",
		Mutate: remove("Service", "rocketmq-cluster-namesrv-headless"),
		Fails: map[string][]Expect{"layout/services": {{"namesrv-headless",
			"Service rocketmq-cluster-namesrv-headless is missing"}}},
	},
	{
		Name:   "port-missing",
		Change: "the headless Service rocketmq-cluster-broker-x7k-headless lacks port ha 10912, the HA replication port (listenPort+1)",
		Mutate: edit("Service", "rocketmq-cluster-broker-x7k-headless", dropNamed(at("spec", "ports"), "ha")),
		Fails: map[string][]Expect{"layout/services": {{"shard-headless",
			"Service rocketmq-cluster-broker-x7k-headless lacks port 10912"}}},
	},
	{
		Name:   "dashboard-service-missing",
		Change: "Service rocketmq-cluster-dashboard is gone",
		Mutate: remove("Service", "rocketmq-cluster-dashboard"),
		Fails: map[string][]Expect{"layout/services": {{"dashboard",
			"Service rocketmq-cluster-dashboard is missing"}}},
	},
	{
		Name:   "dashboard-port-wrong",
		Change: "Service rocketmq-cluster-dashboard serves its port console on 80 instead of 8080",
		Mutate: edit("Service", "rocketmq-cluster-dashboard", named(at("spec", "ports"), "console", set(80, "port"))),
		Fails: map[string][]Expect{"layout/services": {{"dashboard",
			"Service rocketmq-cluster-dashboard lacks port 8080 (has console:80)"}}},
	},
	{
		Name: "broker-clusterip",
		Change: "an extra ClusterIP Service rocketmq-cluster-broker-d4p, made as the namesrv's is, fronts shard broker-d4p on port broker 10911: " +
			"the addon creates no broker Service but the per-shard headless one (cmpd-broker.yaml has no services block)",
		Mutate: copyAs("Service", "rocketmq-cluster-namesrv", "rocketmq-cluster-broker-d4p",
			label("apps.kubeblocks.io/component-name", "broker-d4p"),
			set("broker-d4p", "spec", "selector", "apps.kubeblocks.io/component-name"),
			named(at("spec", "ports"), "nameserver", set("broker", "name"), set(10911, "port"), set("broker", "targetPort"))),
		Fails: map[string][]Expect{"layout/services": {{"no-broker-clusterip",
			"Service rocketmq-cluster-broker-d4p is a ClusterIP Service for broker-d4p"}}},
	},

	// layout/storage
	{
		Name:   "broker-claims-other-pvc",
		Change: "pod rocketmq-cluster-broker-d4p-1's volume data claims data-rocketmq-cluster-broker-d4p-0, its master's PVC",
		Mutate: edit("Pod", "rocketmq-cluster-broker-d4p-1", named(at("spec", "volumes"), "data",
			set("data-rocketmq-cluster-broker-d4p-0", "persistentVolumeClaim", "claimName"))),
		Fails: map[string][]Expect{"layout/storage": {{"broker-pvc",
			`broker pod rocketmq-cluster-broker-d4p-1: volume data claims "data-rocketmq-cluster-broker-d4p-0", expected PVC data-rocketmq-cluster-broker-d4p-1`}}},
	},
	{
		Name:   "broker-pvc-missing",
		Change: "PVC data-rocketmq-cluster-broker-x7k-0 is gone; the pod still claims it",
		Mutate: remove("PersistentVolumeClaim", "data-rocketmq-cluster-broker-x7k-0"),
		Fails: map[string][]Expect{"layout/storage": {{"broker-pvc",
			"broker pod rocketmq-cluster-broker-x7k-0: PVC data-rocketmq-cluster-broker-x7k-0 does not exist"}}},
	},
	{
		Name:   "pvc-lost",
		Change: "PVC data-rocketmq-cluster-broker-x7k-1's status.phase is Lost (its PersistentVolume went away)",
		Mutate: edit("PersistentVolumeClaim", "data-rocketmq-cluster-broker-x7k-1", set("Lost", "status", "phase")),
		Fails: map[string][]Expect{"layout/storage": {{"pvc-bound",
			"PVC data-rocketmq-cluster-broker-x7k-1 is Lost, expected Bound"}}},
	},
	{
		Name:   "data-mount-moved",
		Change: "container rocketmq-broker of pod rocketmq-cluster-broker-x7k-0 mounts volume data at /home/rocketmq/data, where the broker does not keep its store",
		Mutate: edit("Pod", "rocketmq-cluster-broker-x7k-0", named(at("spec", "containers"), "rocketmq-broker",
			named(at("volumeMounts"), "data", set("/home/rocketmq/data", "mountPath")))),
		Fails: map[string][]Expect{"layout/storage": {{"store-mount",
			"broker pod rocketmq-cluster-broker-x7k-0: container rocketmq-broker does not mount data at /home/rocketmq/store"}}},
	},
	{
		Name: "namesrv-pvc",
		Change: "namesrv pod rocketmq-cluster-namesrv-0 has volume data backed by a Bound PVC data-rocketmq-cluster-namesrv-0, mounted in rocketmq-namesrv " +
			"at /home/rocketmq/store: the addon gives namesrv only emptyDir and ConfigMap volumes (cmpd-nameserver.yaml has no volumes block)",
		Mutate: all(
			edit("Pod", "rocketmq-cluster-namesrv-0",
				appendTo(at("spec", "volumes"), map[string]any{"name": "data", "persistentVolumeClaim": map[string]any{"claimName": "data-rocketmq-cluster-namesrv-0"}}),
				named(at("spec", "containers"), "rocketmq-namesrv", appendTo(at("volumeMounts"), namesrvStoreMount)),
				named(at("status", "containerStatuses"), "rocketmq-namesrv", appendTo(at("volumeMounts"), namesrvStoreMount))),
			claimFor("rocketmq-cluster-namesrv-0", "pvc-f1c83d6a-4e0b-4a27-9c5d-2b8e7f1a6c93")),
		Fails: map[string][]Expect{"layout/storage": {{"namesrv-no-pvc",
			"namesrv pod rocketmq-cluster-namesrv-0 mounts PVC data-rocketmq-cluster-namesrv-0"}}},
	},

	{
		Name:   "exporter-scripts-pvc",
		Change: "exporter pod rocketmq-cluster-exporter-0 reads its scripts from PVC scripts-rocketmq-cluster-exporter-0 instead of a ConfigMap",
		Mutate: edit("Pod", "rocketmq-cluster-exporter-0", named(at("spec", "volumes"), "scripts",
			unset("configMap"), add(map[string]any{"claimName": "scripts-rocketmq-cluster-exporter-0"}, "persistentVolumeClaim"))),
		Fails: map[string][]Expect{"layout/storage": {{"webapps-no-pvc",
			"exporter pod rocketmq-cluster-exporter-0 mounts PVC scripts-rocketmq-cluster-exporter-0"}}},
	},
	{
		Name:   "dashboard-configs-hostpath",
		Change: "dashboard pod rocketmq-cluster-dashboard-0 keeps its configs in hostPath /var/lib/dashboard instead of an emptyDir",
		Mutate: edit("Pod", "rocketmq-cluster-dashboard-0", named(at("spec", "volumes"), "configs",
			unset("emptyDir"), add(map[string]any{"path": "/var/lib/dashboard"}, "hostPath"))),
		Fails: map[string][]Expect{"layout/storage": {{"dashboard-emptydir",
			"volume configs is hostPath /var/lib/dashboard, expected an emptyDir"}}},
	},
	{
		Name:   "exporter-port-moved",
		Change: "container rocketmq-exporter of pod rocketmq-cluster-exporter-0 declares its metrics port as 9100",
		Mutate: edit("Pod", "rocketmq-cluster-exporter-0", named(at("spec", "containers"), "rocketmq-exporter",
			named(at("ports"), "metrics", set(9100, "containerPort")))),
		Fails: map[string][]Expect{"layout/services": {{"exporter-port",
			"exporter pod rocketmq-cluster-exporter-0: container rocketmq-exporter declares port metrics as 9100, expected 5557"}}},
	},

	// layout/roles
	{
		Name:   "two-masters",
		Change: "both pods of shard broker-d4p carry kubeblocks.io/role=master: rocketmq-cluster-broker-d4p-1 too (the InstanceSet's status is left as it was)",
		Mutate: edit("Pod", "rocketmq-cluster-broker-d4p-1", label("kubeblocks.io/role", "master")),
		Fails: map[string][]Expect{"layout/roles": {{"one-master",
			"shard broker-d4p has 2 pods labelled master (rocketmq-cluster-broker-d4p-0,rocketmq-cluster-broker-d4p-1), expected exactly one"}}},
	},
	{
		Name:   "no-master",
		Change: "pod rocketmq-cluster-broker-x7k-0 is labelled kubeblocks.io/role=slave, so shard broker-x7k has no master label",
		Mutate: edit("Pod", "rocketmq-cluster-broker-x7k-0", label("kubeblocks.io/role", "slave")),
		Fails: map[string][]Expect{"layout/roles": {{"one-master",
			"shard broker-x7k has 0 pods labelled master (), expected exactly one"}}},
	},
	{
		Name:   "master-at-ordinal-1",
		Change: "shard broker-d4p's role labels are swapped: rocketmq-cluster-broker-d4p-1 is master, rocketmq-cluster-broker-d4p-0 slave",
		Mutate: all(
			edit("Pod", "rocketmq-cluster-broker-d4p-0", label("kubeblocks.io/role", "slave")),
			edit("Pod", "rocketmq-cluster-broker-d4p-1", label("kubeblocks.io/role", "master"))),
		Fails: map[string][]Expect{"layout/roles": {{"master-ordinal-0",
			"shard broker-d4p: the master is rocketmq-cluster-broker-d4p-1, expected the pod at ordinal 0"}}},
	},
	{
		Name:   "role-label-missing",
		Change: "pod rocketmq-cluster-broker-x7k-1 has no kubeblocks.io/role label",
		Mutate: edit("Pod", "rocketmq-cluster-broker-x7k-1", unlabel("kubeblocks.io/role")),
		Fails: map[string][]Expect{
			"cluster/ready": {{"roles-labelled", "no role label on rocketmq-cluster-broker-x7k-1"}}, "layout/roles": {{"slaves-labelled",
				`pod rocketmq-cluster-broker-x7k-1 of shard broker-x7k has role label "", expected master or slave`}}},
	},
	{
		Name:   "role-label-unknown",
		Change: "pod rocketmq-cluster-broker-x7k-1 is labelled kubeblocks.io/role=follower, a role the addon's cmpd does not define",
		Mutate: edit("Pod", "rocketmq-cluster-broker-x7k-1", label("kubeblocks.io/role", "follower")),
		Fails: map[string][]Expect{"layout/roles": {{"slaves-labelled",
			`pod rocketmq-cluster-broker-x7k-1 of shard broker-x7k has role label "follower", expected master or slave`}}},
	},

	// accounts/secret-names
	{
		Name:   "dashboard-secret-missing",
		Change: "Secret rocketmq-cluster-dashboard-account-console-admin is gone; the dashboard pod still references it",
		Mutate: remove("Secret", "rocketmq-cluster-dashboard-account-console-admin"),
		Fails: map[string][]Expect{
			"accounts/secret-names": {{"exist",
				"Secret rocketmq-cluster-dashboard-account-console-admin (account console-admin of dashboard) is missing"}},
			"accounts/secret-keys": {{"keys",
				"Secret rocketmq-cluster-dashboard-account-console-admin is missing"}},
		},
	},
	{
		Name:   "stray-account-secret",
		Change: "besides the right ones, an account Secret rocketmq-cluster-broker-0-account-rocketmq-admin (component-name broker-0, the seed's shard naming)",
		Mutate: copyAs("Secret", "rocketmq-cluster-broker-d4p-account-rocketmq-admin", "rocketmq-cluster-broker-0-account-rocketmq-admin",
			label("apps.kubeblocks.io/component-name", "broker-0")),
		Fails: map[string][]Expect{"accounts/secret-names": {{"no-other-name",
			"Secret rocketmq-cluster-broker-0-account-rocketmq-admin is an account secret of rocketmq-cluster under a name the addon does not produce"}}},
	},
	{
		Name: "secret-misnamed",
		Change: "shard broker-d4p's account Secret is named rocketmq-cluster-broker-0-account-rocketmq-admin (component-name broker-0), the seed's shard naming; " +
			"the pods still reference rocketmq-cluster-broker-d4p-account-rocketmq-admin",
		Mutate: edit("Secret", "rocketmq-cluster-broker-d4p-account-rocketmq-admin",
			set("rocketmq-cluster-broker-0-account-rocketmq-admin", "metadata", "name"),
			label("apps.kubeblocks.io/component-name", "broker-0")),
		Fails: map[string][]Expect{
			"accounts/secret-names": {
				{"exist", "Secret rocketmq-cluster-broker-d4p-account-rocketmq-admin (account rocketmq-admin of broker-d4p) is missing"},
				{"no-other-name", "Secret rocketmq-cluster-broker-0-account-rocketmq-admin is an account secret of rocketmq-cluster under a name the addon does not produce"},
			},
			"accounts/secret-keys": {{"keys",
				"Secret rocketmq-cluster-broker-d4p-account-rocketmq-admin is missing"}},
		},
	},

	// accounts/secret-keys
	{
		Name:   "secret-no-password",
		Change: "Secret rocketmq-cluster-broker-x7k-account-rocketmq-admin has no key password",
		Mutate: edit("Secret", "rocketmq-cluster-broker-x7k-account-rocketmq-admin", unset("data", "password")),
		Fails: map[string][]Expect{"accounts/secret-keys": {{"keys",
			"Secret rocketmq-cluster-broker-x7k-account-rocketmq-admin has keys [username], expected username and password"}}},
	},
	{
		Name:   "username-not-account",
		Change: "Secret rocketmq-cluster-dashboard-account-console-admin's username is admin, not the account name console-admin",
		Mutate: edit("Secret", "rocketmq-cluster-dashboard-account-console-admin", secretValue("username", "admin")),
		Fails: map[string][]Expect{"accounts/secret-keys": {{"username",
			`Secret rocketmq-cluster-dashboard-account-console-admin: username is "admin", expected the account name "console-admin"`}}},
	},
	{
		Name: "weak-password",
		Change: "the password of rocketmq-cluster-dashboard-account-console-admin is the planted one lower-cased: 8 characters, 6 digits, 2 letters, no upper-case letter. " +
			"It breaks only letterCase: MixedCases (KubeBlocks' EnsureMixedCase yields at least one upper and one lower letter of 2 or more)",
		Mutate: edit("Secret", "rocketmq-cluster-dashboard-account-console-admin", secretValue("password", strings.ToLower(PlantedPasswords[1]))),
		Fails: map[string][]Expect{"accounts/secret-keys": {{"password-policy",
			"Secret rocketmq-cluster-dashboard-account-console-admin: the password does not mix upper and lower case letters"}}},
	},

	// accounts/env-wiring
	{
		Name: "env-literal",
		Change: "in every container of pod rocketmq-cluster-broker-d4p-0, ROCKETMQ_USER is the literal value rocketmq-admin instead of a secretKeyRef: " +
			"KubeBlocks resolves credentialVarRef to secretKeyRef only",
		Mutate: edit("Pod", "rocketmq-cluster-broker-d4p-0", everyContainer(named(at("env"), "ROCKETMQ_USER",
			unset("valueFrom"), add("rocketmq-admin", "value")))),
		Fails: map[string][]Expect{"accounts/env-wiring": {{"from-secret",
			"pod rocketmq-cluster-broker-d4p-0 container rocketmq-broker: ROCKETMQ_USER does not come from a Secret"}}},
	},
	{
		Name: "env-wrong-secret",
		Change: "in every container of pod rocketmq-cluster-broker-x7k-1, ROCKETMQ_PASSWORD reads the other shard's Secret, rocketmq-cluster-broker-d4p-account-rocketmq-admin: " +
			"both shards have the same seeded password, so nothing breaks at runtime and only the reference shows it",
		Mutate: edit("Pod", "rocketmq-cluster-broker-x7k-1", everyContainer(named(at("env"), "ROCKETMQ_PASSWORD",
			set("rocketmq-cluster-broker-d4p-account-rocketmq-admin", "valueFrom", "secretKeyRef", "name")))),
		Fails: map[string][]Expect{"accounts/env-wiring": {{"own-secret",
			"pod rocketmq-cluster-broker-x7k-1 container rocketmq-broker: ROCKETMQ_PASSWORD reads Secret rocketmq-cluster-broker-d4p-account-rocketmq-admin key password, expected rocketmq-cluster-broker-x7k-account-rocketmq-admin key password"}}},
	},
}

// namesrvStoreMount is where namesrv-pvc mounts its PVC: the broker's
// store path, the one a namesrv would keep state at if it had any.
var namesrvStoreMount = map[string]any{"name": "data", "mountPath": "/home/rocketmq/store"}

// The crash component-not-running plants, and when: the broker container
// first crashes at crashedAt, and KubeBlocks calls the pod failed once it
// has been failing past its timeout, at failedAt.
const (
	crashedPod = "rocketmq-cluster-broker-x7k-1"
	crashedAt  = "2026-12-02T05:03:52Z"
	failedAt   = "2026-12-02T05:14:07Z"
	// crashedPods is how KubeBlocks names the pods a condition or a
	// status message is about: a JSON list, sorted by ordinal.
	crashedPods = `["` + crashedPod + `"]`
)

// failedPods is the message KubeBlocks keys by workload on a Failed
// Component and on its sharding's status (K
// controllers/apps/component/transformer_component_status.go:271-275).
var failedPods = map[string]any{"InstanceSet/rocketmq-cluster-broker-x7k": crashedPods}

// crashLoopBackOff is one change seen at every level that reports it: the
// broker container of pod crashedPod restarts in CrashLoopBackOff (the pod
// stays Running, not Ready), and the InstanceSet, the Component, its
// sharding and the Cluster report it as KubeBlocks 1.0.2 writes them
// (testdata/kube/FACTS.md, section 5). A deviation that changed only the
// Component's phase would test a state KubeBlocks never shows.
func crashLoopBackOff() Mutation {
	notReady := turnedFalse(crashedAt, "ContainersNotReady", "containers with unready status: [rocketmq-broker]")
	return all(
		edit("Pod", crashedPod,
			condition("Ready", notReady),
			condition("ContainersReady", notReady),
			named(at("status", "containerStatuses"), "rocketmq-broker",
				set(false, "ready"), set(false, "started"), set(9, "restartCount"),
				set(map[string]any{"waiting": map[string]any{"reason": "CrashLoopBackOff",
					"message": "back-off 5m0s restarting failed container=rocketmq-broker pod=" + crashedPod + "_demo"}}, "state"),
				set(map[string]any{"terminated": map[string]any{"exitCode": 1, "reason": "Error",
					"startedAt": "2026-12-02T05:12:55Z", "finishedAt": "2026-12-02T05:13:01Z"}}, "lastState"))),
		// K pkg/controller/instanceset/reconciler_status.go:100-320: a pod
		// not Ready is neither ready nor available, is named in both
		// conditions, fails once timed out, and leaves membersStatus.
		edit("InstanceSet", "rocketmq-cluster-broker-x7k",
			set(1, "status", "readyReplicas"), set(1, "status", "availableReplicas"),
			condition("InstanceReady", turnedFalse(crashedAt, "NotReady", crashedPods)),
			condition("InstanceAvailable", turnedFalse(crashedAt, "NotAvailable", crashedPods)),
			appendTo(at("status", "conditions"), map[string]any{"type": "InstanceFailure", "status": "True", "reason": "InstanceFailure",
				"message": crashedPods, "observedGeneration": 1, "lastTransitionTime": failedAt}),
			dropItem(at("status", "membersStatus"), "podName", crashedPod)),
		edit("Component", "rocketmq-cluster-broker-x7k",
			set("Failed", "status", "phase"), add(failedPods, "status", "message"),
			condition("Available", turnedFalse(failedAt, "Unavailable", "the component phase is Failed"))),
		// A sharding of Running and Failed shards is Failed, and the
		// Cluster Abnormal (FACTS.md, section 5).
		edit("Cluster", "rocketmq-cluster",
			set("Abnormal", "status", "phase"),
			set("Failed", "status", "shardings", "broker", "phase"), add(failedPods, "status", "shardings", "broker", "message"),
			condition("Ready", turnedFalse(failedAt, "ComponentsNotReady", "cluster rocketmq-cluster is NOT ready, unavailable shardings: broker"))),
	)
}

// LivePlants are the planted faults of the object clauses that dumps
// cannot show.
var LivePlants = []LivePlant{
	{
		Name: "restarting-container",
		Change: "while cluster/ready runs, the jmx-exporter sidecar of pod rocketmq-cluster-broker-d4p-0 restarts after every read of the pods " +
			"(its restart count rises; the pod stays Running and Ready), so the restart counts never hold still for a settle time",
		Test: "target/kube TestRestartingContainerFailsReady",
		Fails: map[string][]Expect{"cluster/ready": {{"no-crash-loop",
			"still restarting within the last 300ms: rocketmq-cluster-broker-d4p-0"}}},
	},
	{
		Name: "flapping-role-label",
		Change: "while layout/roles runs, pod rocketmq-cluster-broker-d4p-1's kubeblocks.io/role flips between master and slave after every read of the pods, " +
			"so the labels never hold still for a settle time (300ms there)",
		Test: "target/kube TestFlappingRoleLabelFailsRoles",
		Fails: map[string][]Expect{"layout/roles": {{"stable",
			"role labels did not hold still"}}},
	},
}

// LivePlantNamed returns the live plant called name, for the test that
// plants it.
func LivePlantNamed(name string) (LivePlant, error) {
	for _, p := range LivePlants {
		if p.Name == name {
			return p, nil
		}
	}
	return LivePlant{}, fmt.Errorf("no live plant %q in testenv.LivePlants", name)
}
