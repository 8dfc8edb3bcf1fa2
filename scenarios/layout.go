package scenarios

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
	corev1 "k8s.io/api/core/v1"
)

// The clauses of the layout cases.
var (
	topoClusterRunning = verdict.Clause{ID: "cluster-running", Text: "the Cluster is Running"}
	topoComponents     = verdict.Clause{ID: "components", Text: "the components are exactly namesrv, exporter, dashboard and the shards"}
	topoCompsRunning   = verdict.Clause{ID: "components-running", Text: "every Component is Running"}
	topoShardCount     = verdict.Clause{ID: "shard-count", Text: "there are as many broker shards as the Cluster asks for"}
	topoPodCount       = verdict.Clause{ID: "pod-count", Text: "each component has as many pods as the Cluster asks for"}
	topoPodsReady      = verdict.Clause{ID: "pods-ready", Text: "every pod is Running and Ready"}

	svcNamesrv      = verdict.Clause{ID: "namesrv", Text: "{cluster}-namesrv is a ClusterIP Service on 9876"}
	svcNamesrvHL    = verdict.Clause{ID: "namesrv-headless", Text: "{cluster}-namesrv-headless exists"}
	svcShardHL      = verdict.Clause{ID: "shard-headless", Text: "each shard has a headless Service with 10911, 10909 and 10912"}
	svcDashboard    = verdict.Clause{ID: "dashboard", Text: "{cluster}-dashboard is a ClusterIP Service on 8080"}
	svcNoClusterIP  = verdict.Clause{ID: "no-broker-clusterip", Text: "no broker or exporter ClusterIP Service exists"}
	svcExporterPort = verdict.Clause{ID: "exporter-port", Text: "the exporter pod declares its metrics port 5557"}

	stBrokerPVC    = verdict.Clause{ID: "broker-pvc", Text: "each broker pod claims its own PVC data-<pod>"}
	stBound        = verdict.Clause{ID: "pvc-bound", Text: "each broker PVC is Bound"}
	stMount        = verdict.Clause{ID: "store-mount", Text: "the broker container mounts data at /home/rocketmq/store"}
	stNamesrvNoPVC = verdict.Clause{ID: "namesrv-no-pvc", Text: "namesrv pods claim no PVC"}
	stWebappsNoPVC = verdict.Clause{ID: "webapps-no-pvc", Text: "exporter and dashboard pods claim no PVC"}
	stDashboardDir = verdict.Clause{ID: "dashboard-emptydir", Text: "the dashboard's configs volume is an emptyDir"}

	lrOneMaster = verdict.Clause{ID: "one-master", Text: "each shard has exactly one master label"}
	lrOrdinal0  = verdict.Clause{ID: "master-ordinal-0", Text: "the master label is at ordinal 0"}
	lrSlaves    = verdict.Clause{ID: "slaves-labelled", Text: "every other pod is labelled slave"}
	lrStable    = verdict.Clause{ID: "stable", Text: "the labels hold still"}
)

// topologyCase is layout/topology.
var topologyCase = Case{Case: verdict.Case{
	Suite: "layout", Name: "topology",
	Promise: "The Cluster and each of its Components are Running, with exactly the namesrv, exporter and dashboard components and the manifest's N broker shards of R pods each; " +
		"a live Cluster still carrying out a change settles (Running, every pod Ready, none terminating) within 150 s.",
	Description: "Shards are Components labelled apps.kubeblocks.io/sharding-name=broker. The seed calls the broker a 'Sharding resource'; " +
		"the addon has none: it is Cluster.spec.shardings plus ShardingDefinition rocketmq-broker, each shard a Component (facts sheet section 10, claim 2). " +
		"The suites before it change the Cluster (after a shard or namesrv scaling KubeBlocks recreates the exporter and the dashboard, Updating for about a minute on kind), " +
		"so on a live API server the case judges the Cluster once it settled, or as it is after 150 s (never longer than the startup allowance); a dump is judged as it is.",
	Clauses:     []verdict.Clause{topoClusterRunning, topoComponents, topoCompsRunning, topoShardCount, topoPodCount, topoPodsReady},
	Needs:       []verdict.Capability{verdict.Objects},
	Recreations: 1, // the settle wait: a pod recreation's allowance on kube
}, Run: layoutTopology}

// servicesCase is layout/services.
var servicesCase = Case{Case: verdict.Case{
	Suite: "layout", Name: "services",
	Promise: "Services are {cluster}-namesrv (ClusterIP, 9876), {cluster}-namesrv-headless, one {cluster}-broker-<id>-headless per shard with 10911, 10909 and 10912, and {cluster}-dashboard (ClusterIP, 8080); no broker or exporter ClusterIP Service exists, and the exporter pod declares its metrics port 5557 (scraped on the pod: the addon's example PodMonitor, no Service).",
	Description: "The seed names the shard service {cluster}-<shard>-headless with shards like broker-0; the addon's shard names are broker-<3 random characters> " +
		"and its headless services carry more ports (40911, 5556, 3501, 3502) than the seed lists (facts sheet section 10, claims 22 and 30a).",
	Clauses: []verdict.Clause{clauseObjects, svcNamesrv, svcNamesrvHL, svcShardHL, svcDashboard, svcNoClusterIP, svcExporterPort},
	Needs:   []verdict.Capability{verdict.Objects},
}, Run: layoutServices}

// storageCase is layout/storage.
var storageCase = Case{Case: verdict.Case{
	Suite: "layout", Name: "storage",
	Promise:     "Every broker pod mounts its own PVC data-<pod> at /home/rocketmq/store; namesrv, exporter and dashboard pods have no PVC, and the dashboard keeps its configs on an emptyDir.",
	Description: "The seed says every pod but the dashboard has its own PVC; the addon gives one only to brokers (namesrv uses emptyDir, the exporter no volume) (facts sheet section 10, claim 5).",
	Clauses:     []verdict.Clause{clauseObjects, stBrokerPVC, stBound, stMount, stNamesrvNoPVC, stWebappsNoPVC, stDashboardDir},
	Needs:       []verdict.Capability{verdict.Objects},
}, Run: layoutStorage}

// layoutRolesCase is layout/roles.
var layoutRolesCase = Case{Case: verdict.Case{
	Suite: "layout", Name: "roles",
	Promise: "Each shard has exactly one pod labelled kubeblocks.io/role=master, at ordinal 0 (in DLedger mode, on whichever member leads), the others slave, and the labels are stable.",
	Description: "The role probe runs every 5 s and reports master for any reply that is not SLAVE, so a booting slave can be labelled master for a moment (facts sheet section 3); " +
		"on a live cluster the case waits until the labels hold still for two probe periods.",
	Clauses: []verdict.Clause{clauseObjects, lrOneMaster, lrOrdinal0, lrSlaves, lrStable},
	Needs:   []verdict.Capability{verdict.Objects},
	Timeout: 90 * time.Second,
}, Run: layoutRoles}

func init() {
	register(
		topologyCase,
		servicesCase,
		storageCase,
		layoutRolesCase,
	)
}

func layoutTopology(ctx context.Context, t *T) {
	topo := t.Target.Topology()
	s, after := settledSnapshot(ctx, t, topo.Cluster)
	if p := phase(s.Cluster); p != "Running" {
		t.Errorf(topoClusterRunning, "Cluster %s is %q%s, expected Running", s.Cluster.GetName(), p, after)
	}
	want := map[string]bool{topo.Cluster + "-namesrv": true, topo.Cluster + "-exporter": true, topo.Cluster + "-dashboard": true}
	shards := s.ShardNames(topo.Cluster)
	for _, sh := range shards {
		want[topo.Cluster+"-"+sh] = true
	}
	if len(shards) != topo.Shards {
		t.Errorf(topoShardCount, "%d broker shard Components (%s), expected %d", len(shards), strings.Join(shards, ", "), topo.Shards)
	}
	seen := map[string]bool{}
	for i := range s.Components {
		c := &s.Components[i]
		if c.GetLabels()[target.LabelInstance] != topo.Cluster {
			continue
		}
		seen[c.GetName()] = true
		if !want[c.GetName()] {
			t.Errorf(topoComponents, "unexpected Component %s", c.GetName())
		}
		if p := phase(c); p != "Running" {
			t.Errorf(topoCompsRunning, "Component %s is %q%s, expected Running", c.GetName(), p, after)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf(topoComponents, "Component %s is missing", name)
		}
	}
	counts := map[string]int{"namesrv": topo.Namesrvs, "exporter": 1, "dashboard": 1}
	for _, sh := range shards {
		counts[sh] = topo.Replicas
	}
	for comp, n := range counts {
		pods := s.PodsOf(topo.Cluster, comp)
		if len(pods) != n {
			t.Errorf(topoPodCount, "component %s has %d pods (%s), expected %d", comp, len(pods), podNames(pods), n)
		}
		for i := range pods {
			p := &pods[i]
			if p.Status.Phase != corev1.PodRunning {
				t.Errorf(topoPodsReady, "pod %s is %s%s, expected Running", p.Name, p.Status.Phase, after)
			} else if !podReady(p) {
				t.Errorf(topoPodsReady, "pod %s is Running but not Ready%s", p.Name, after)
			}
		}
	}
	t.Logf("Cluster %s %s; components %d; shards %s", s.Cluster.GetName(), phase(s.Cluster), len(seen), strings.Join(shards, ","))
}

func podNames(pods []corev1.Pod) string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return strings.Join(out, ",")
}

func headless(svc *corev1.Service) bool { return svc.Spec.ClusterIP == corev1.ClusterIPNone }

// expectService checks, under clause c, that a Service exists, is
// headless or not, and has ports.
func expectService(t *T, c verdict.Clause, s *target.Snapshot, name string, wantHeadless bool, ports ...int32) {
	svc := s.Service(name)
	if svc == nil {
		t.Errorf(c, "Service %s is missing", name)
		return
	}
	kind := "ClusterIP"
	if wantHeadless {
		kind = "headless"
	}
	if headless(svc) != wantHeadless || (!wantHeadless && svc.Spec.Type != corev1.ServiceTypeClusterIP) {
		t.Errorf(c, "Service %s is type %s clusterIP %q, expected %s", name, svc.Spec.Type, svc.Spec.ClusterIP, kind)
	}
	have := map[int32]bool{}
	for _, p := range svc.Spec.Ports {
		have[p.Port] = true
	}
	for _, p := range ports {
		if !have[p] {
			t.Errorf(c, "Service %s lacks port %d (has %s)", name, p, describePorts(svc.Spec.Ports))
		}
	}
	t.Logf("Service %s: %s, ports %s", name, kind, describePorts(svc.Spec.Ports))
}

func layoutServices(ctx context.Context, t *T) {
	c := t.Target.Topology().Cluster
	s := snapshotOf(ctx, t)
	expectService(t, svcNamesrv, s, c+"-namesrv", false, 9876)
	expectService(t, svcNamesrvHL, s, c+"-namesrv-headless", true, 9876)
	expectService(t, svcDashboard, s, c+"-dashboard", false, 8080)
	for _, p := range objectPods(t, s, "exporter") {
		if got := declaredPort(&p, "rocketmq-exporter", "metrics"); got != 5557 {
			t.Errorf(svcExporterPort, "exporter pod %s: container rocketmq-exporter declares port metrics as %d, expected 5557", p.Name, got)
		}
	}
	shards := objectShards(t, s)
	for _, sh := range shards {
		expectService(t, svcShardHL, s, c+"-"+sh+"-headless", true, 10911, 10909, 10912)
	}
	// No ClusterIP may front a broker or the exporter: brokers are reached
	// by pod IP, as the namesrv hands them out.
	brokerish := map[string]bool{"exporter": true}
	for _, sh := range shards {
		brokerish[sh] = true
	}
	for i := range s.Services {
		svc := &s.Services[i]
		if headless(svc) || svc.Spec.Type == corev1.ServiceTypeExternalName {
			continue
		}
		comp := svc.Spec.Selector[target.LabelComponent]
		named := strings.HasPrefix(svc.Name, c+"-broker-") || strings.HasPrefix(svc.Name, c+"-exporter")
		if brokerish[comp] || svc.Spec.Selector[target.LabelShardingName] == "broker" || named {
			t.Errorf(svcNoClusterIP, "Service %s is a %s Service for %s; the addon creates no broker or exporter ClusterIP", svc.Name, svc.Spec.Type, firstNonEmpty(comp, svc.Name))
		}
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func layoutStorage(ctx context.Context, t *T) {
	s := snapshotOf(ctx, t)
	for _, sh := range objectShards(t, s) {
		for _, p := range objectPods(t, s, sh) {
			want := "data-" + p.Name
			var claim string
			for _, v := range p.Spec.Volumes {
				if v.Name == "data" && v.PersistentVolumeClaim != nil {
					claim = v.PersistentVolumeClaim.ClaimName
				}
			}
			if claim != want {
				t.Errorf(stBrokerPVC, "broker pod %s: volume data claims %q, expected PVC %s", p.Name, claim, want)
				continue
			}
			if pvc := s.PVC(want); pvc == nil {
				t.Errorf(stBrokerPVC, "broker pod %s: PVC %s does not exist", p.Name, want)
			} else if pvc.Status.Phase != corev1.ClaimBound {
				t.Errorf(stBound, "PVC %s is %s, expected Bound", want, pvc.Status.Phase)
			}
			mounted := false
			if ct := container(&p, "rocketmq-broker"); ct != nil {
				for _, m := range ct.VolumeMounts {
					if m.Name == "data" && m.MountPath == "/home/rocketmq/store" {
						mounted = true
					}
				}
			}
			if !mounted {
				t.Errorf(stMount, "broker pod %s: container rocketmq-broker does not mount data at /home/rocketmq/store", p.Name)
			}
		}
	}
	for _, comp := range []string{"namesrv", "exporter", "dashboard"} {
		c := map[bool]verdict.Clause{true: stNamesrvNoPVC, false: stWebappsNoPVC}[comp == "namesrv"]
		for _, p := range objectPods(t, s, comp) {
			for _, v := range p.Spec.Volumes {
				if v.PersistentVolumeClaim != nil {
					t.Errorf(c, "%s pod %s mounts PVC %s (volume %s); the %s keeps no state", comp, p.Name, v.PersistentVolumeClaim.ClaimName, v.Name, comp)
				}
			}
		}
	}
	for _, p := range objectPods(t, s, "dashboard") {
		if v := volume(&p, "configs"); v == nil || v.EmptyDir == nil {
			t.Errorf(stDashboardDir, "dashboard pod %s: volume configs is %s, expected an emptyDir (the dashboard writes users.properties there at each start)", p.Name, describeVolume(v))
		}
	}
}

// volume returns pod p's volume name, or nil.
func volume(p *corev1.Pod, name string) *corev1.Volume {
	for i := range p.Spec.Volumes {
		if p.Spec.Volumes[i].Name == name {
			return &p.Spec.Volumes[i]
		}
	}
	return nil
}

// describeVolume names a volume's source.
func describeVolume(v *corev1.Volume) string {
	switch {
	case v == nil:
		return "missing"
	case v.EmptyDir != nil:
		return "an emptyDir"
	case v.PersistentVolumeClaim != nil:
		return "PVC " + v.PersistentVolumeClaim.ClaimName
	case v.HostPath != nil:
		return "hostPath " + v.HostPath.Path
	case v.ConfigMap != nil:
		return "ConfigMap " + v.ConfigMap.Name
	}
	return "another kind of volume"
}

// roleMap reads each shard's pods' role labels: shard -> pod -> role.
func roleMap(s *target.Snapshot, cluster string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, sh := range s.ShardNames(cluster) {
		out[sh] = map[string]string{}
		for _, p := range s.PodsOf(cluster, sh) {
			out[sh][p.Name] = p.Labels[target.LabelRole]
		}
	}
	return out
}

func layoutRoles(ctx context.Context, t *T) {
	c := t.Target.Topology().Cluster
	s := snapshotOf(ctx, t)
	for _, sh := range objectShards(t, s) {
		objectPods(t, s, sh)
	}
	roles := roleMap(s, c)
	if src := t.Target.Abilities().Objects; src.Settle() > 0 {
		roles = settledRoles(ctx, t, src, c, roles, src.Settle())
	}
	var shards []string
	for sh := range roles {
		shards = append(shards, sh)
	}
	sort.Strings(shards)
	for _, sh := range shards {
		var masters []string
		for pod, role := range roles[sh] {
			switch role {
			case "master":
				masters = append(masters, pod)
			case "slave":
			default:
				t.Errorf(lrSlaves, "pod %s of shard %s has role label %q, expected master or slave", pod, sh, role)
			}
		}
		sort.Strings(masters)
		switch {
		case len(masters) != 1:
			t.Errorf(lrOneMaster, "shard %s has %d pods labelled master (%s), expected exactly one", sh, len(masters), strings.Join(masters, ","))
		case t.Target.Topology().Mode.DLedger:
			t.Logf("shard %s: DLedger mode, so the master label is on the elected leader, %s, not necessarily at ordinal 0 (replication/roles checks that every namesrv lists the labelled pod at brokerId 0)", sh, masters[0])
		case target.Ordinal(masters[0]) != 0:
			t.Errorf(lrOrdinal0, "shard %s: the master is %s, expected the pod at ordinal 0", sh, masters[0])
		}
		t.Logf("shard %s roles %v", sh, roles[sh])
	}
}

// settleRounds bounds how long role labels may keep changing, in settle
// times, before the case says they do not settle: six rounds of the
// default 10 s is a minute, well inside the case's own timeout, so labels
// that flap are an observed failure, not a timeout.
const settleRounds = 6

// settledRoles re-reads the role labels until they hold still for the
// source's settle time, and returns them.
func settledRoles(ctx context.Context, t *T, src target.ObjectSource, c string, first map[string]map[string]string, still time.Duration) map[string]map[string]string {
	cur, since, began := first, time.Now(), time.Now()
	tick := time.NewTicker(min(time.Second, still/4+time.Millisecond))
	defer tick.Stop()
	for time.Since(since) < still {
		if limit := settleRounds * still; time.Since(began) > limit {
			t.Fatalf(lrStable, "role labels did not hold still for %s within %s: last %v", still, limit, cur)
		}
		select {
		case <-ctx.Done():
			t.Fatalf(lrStable, "role labels did not settle: last %v", cur)
		case <-tick.C:
		}
		s, err := src.Snapshot(ctx)
		if err != nil {
			t.Erroredf("read the pods: %v", err)
		}
		if next := roleMap(s, c); fmt.Sprint(next) != fmt.Sprint(cur) {
			t.Logf("role labels changed: %v -> %v", cur, next)
			cur, since = next, time.Now()
		}
	}
	t.Logf("role labels held still for %s", still)
	return cur
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// declaredPort is the number of container's port named name in pod p, or 0.
func declaredPort(p *corev1.Pod, ctName, name string) int32 {
	if ct := container(p, ctName); ct != nil {
		for _, cp := range ct.Ports {
			if cp.Name == name {
				return cp.ContainerPort
			}
		}
	}
	return 0
}
