package scenarios

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of cluster/ready: what KubeBlocks and the addon must make
// of a Cluster the suite created or was pointed at, each within the
// session's startup allowance.
var (
	readyRunning = verdict.Clause{ID: "running", Text: "the Cluster's phase is Running"}
	readyPods    = verdict.Clause{ID: "pods-ready", Text: "every pod the Cluster's spec asks for (namesrvs, each shard's brokers, the exporter, the dashboard) exists and is Ready"}
	readyRoles   = verdict.Clause{ID: "roles-labelled", Text: "every broker pod carries a kubeblocks.io/role label, and the labels hold still for two role-probe periods"}
	readySteady  = verdict.Clause{ID: "no-crash-loop", Text: "no container waits in CrashLoopBackOff, and none restarts while the labels hold still"}
)

// readyCase judges what the platform must do with the Cluster before any
// case can judge RocketMQ on it. It runs first, and when it fails, the
// cases that need a live cluster are not judged: they say which of its
// clauses they waited on (Gates).
var readyCase = Case{Case: verdict.Case{
	Suite: "cluster", Name: "ready",
	Promise: "Within the startup bound of its creation (10 min by default on kind; a Cluster created longer ago is given a minute), KubeBlocks brings the Cluster to Running " +
		"with every pod its spec asks for Ready, every broker pod labelled with a role that holds still for two role-probe periods, and no container crash-looping.",
	Description: "The bound follows from the addon's timers (namesrv startup probe 20 s, the brokers' readiness probe 60 s then every 15 s, the role probe 10 s then every 5 s) " +
		"and from this machine: on kind here a Cluster took 4.2 min to run, image pulls from the local registry included; the default gives it 2.4 times that. " +
		"On a dump the objects are judged as they are. On expiry each clause not met fails with the phases, every pod's containers " +
		"(states, restarts, last termination), the recent events and, for a pod without a role label, what the role probe prints.",
	Clauses: []verdict.Clause{readyRunning, readyPods, readyRoles, readySteady},
	Needs:   []verdict.Capability{verdict.Objects},
	Timeout: 30 * time.Second, // for the last snapshot and the evidence, after the startup allowance
	Startup: true,
	Gates:   true,
}, Run: clusterReady}

// progressEvery is how often the wait says what it waits for.
const progressEvery = 15 * time.Second

// errBound ends the wait for readiness when the startup bound passed.
var errBound = errors.New("the startup bound passed")

func clusterReady(ctx context.Context, t *T) {
	src := t.Target.Abilities().Objects
	bound := t.session.startup
	start := time.Now()
	seen := readiness{settle: src.Settle()}
	if bound == 0 {
		// No allowance (a dump, or a session that gives none): the
		// objects are judged as they are; nothing can be seen to hold
		// still.
		seen.settle = 0
	}
	// Polled with the case's context, the bound checked by hand: a dump
	// (bound 0) is still read once.
	var told time.Time
	deadline := start.Add(bound)
	err := wait.Until(ctx, 2*time.Second, "the Cluster to be ready", func(ctx context.Context) (bool, string, error) {
		s, err := src.Snapshot(ctx)
		if err == nil {
			if seen.snap == nil {
				deadline = readyDeadline(s.Cluster.GetCreationTimestamp().Time, start, bound)
			}
			seen.observe(s, t.Target.Topology(), time.Now())
		}
		if time.Since(told) >= progressEvery && bound > 0 {
			told = time.Now()
			t.progressf("  cluster/ready: %s, until %s: waiting for %s", time.Since(start).Round(time.Second),
				deadline.Format(time.TimeOnly), seen.why())
		}
		switch {
		case err == nil && seen.ready():
			return true, "", nil
		case !time.Now().Before(deadline):
			return false, "", errBound
		case err != nil:
			return false, wait.Reason(err), nil
		}
		return false, seen.why(), nil
	})
	if err == nil {
		t.Figure("ready_after", float64(time.Since(start).Milliseconds()), "ms")
		t.Logf("the Cluster is Running, its %d pods Ready, the role labels held still for %s (%s), after %s",
			len(seen.pods), seen.settle, seen.labels, time.Since(start).Round(time.Second))
		return
	}
	if !errors.Is(err, errBound) {
		t.Erroredf("cut short while waiting for the Cluster to be ready: %v", err)
	}
	if seen.snap == nil {
		t.Erroredf("not judged: the Cluster's objects could not be read in %s: %v", bound, err)
	}
	judgeReadiness(ctx, t, &seen, history.Window{Name: "startup", Start: start, End: time.Now()}, time.Since(start))
}

// settledCluster is what a Cluster created longer than the startup bound
// ago is given: twelve role-probe periods, for labels and restarts to be
// seen holding still. KubeBlocks relabels a pod only when its role
// changes, so a label missing by then is not coming back.
const settledCluster = time.Minute

// readyDeadline is when the wait for readiness ends: the startup bound
// after the Cluster's creation, but never sooner than settledCluster
// (at most the bound) after the wait began. A Cluster created long ago is
// judged within a minute, one the run just created within the bound.
func readyDeadline(created, start time.Time, bound time.Duration) time.Time {
	if created.IsZero() {
		created = start // unknown: as if just created
	}
	d := start.Add(min(bound, settledCluster))
	if created.Add(bound).After(d) {
		d = created.Add(bound)
	}
	if end := start.Add(bound); d.After(end) {
		d = end
	}
	return d
}

// readiness is what the last snapshot showed of the Cluster's readiness,
// and since when its role labels and restart counts held still.
type readiness struct {
	settle         time.Duration
	snap           *target.Snapshot
	phase          string
	pods           []corev1.Pod // the Cluster's pods
	missing        []string     // components short of the pods the spec asks for
	notReady       []*corev1.Pod
	unlabelled     []string // broker pods without a role label
	labels         string   // pod=role of every broker
	labelsSince    time.Time
	restarts       string // pod=restarts of every pod
	restartsSince  time.Time
	crashLooping   []string
	restartedLater []string // pods whose restarts rose within the settle window
}

// observe takes in a snapshot taken at now.
func (r *readiness) observe(s *target.Snapshot, topo Topology, now time.Time) {
	r.snap, r.phase = s, phase(s.Cluster)
	r.pods, r.missing, r.notReady, r.unlabelled, r.crashLooping = nil, nil, nil, nil, nil
	counts := map[string]int{"namesrv": topo.Namesrvs, "exporter": 1, "dashboard": 1}
	shards := s.ShardNames(topo.Cluster)
	for _, sh := range shards {
		counts[sh] = topo.Replicas
	}
	if len(shards) != topo.Shards {
		r.missing = append(r.missing, fmt.Sprintf("%d broker shards (%s), the spec asks for %d", len(shards), strings.Join(shards, ", "), topo.Shards))
	}
	var labels, restarts []string
	for _, comp := range slices.Sorted(maps.Keys(counts)) {
		pods := s.PodsOf(topo.Cluster, comp)
		if len(pods) != counts[comp] {
			r.missing = append(r.missing, fmt.Sprintf("component %s has %d pods (%s), the spec asks for %d", comp, len(pods), podNames(pods), counts[comp]))
		}
		for i := range pods {
			p := &pods[i]
			r.pods = append(r.pods, *p)
			if p.Status.Phase != corev1.PodRunning || !target.PodReady(p) {
				r.notReady = append(r.notReady, p)
			}
			if cl := target.CrashLooping(p); cl != "" {
				r.crashLooping = append(r.crashLooping, cl)
			}
			restarts = append(restarts, fmt.Sprintf("%s=%d", p.Name, target.Restarts(p)))
			if slices.Contains(shards, comp) {
				role := p.Labels[target.LabelRole]
				if role == "" {
					r.unlabelled = append(r.unlabelled, p.Name)
				}
				labels = append(labels, p.Name+"="+role)
			}
		}
	}
	r.labels, r.labelsSince = held(r.labels, r.labelsSince, strings.Join(labels, " "), now)
	before := r.restarts
	r.restarts, r.restartsSince = held(r.restarts, r.restartsSince, strings.Join(restarts, " "), now)
	if before != r.restarts && before != "" {
		r.restartedLater = rose(before, r.restarts)
	}
}

// held keeps since while cur is the value last seen, and starts it anew
// when it changed.
func held(last string, since time.Time, cur string, now time.Time) (string, time.Time) {
	if cur != last || since.IsZero() {
		return cur, now
	}
	return last, since
}

// rose names the pods whose restart count is higher in now than in was
// (both "pod=n ..." lists).
func rose(was, now string) []string {
	old := map[string]string{}
	for _, f := range strings.Fields(was) {
		p, n, _ := strings.Cut(f, "=")
		old[p] = n
	}
	var out []string
	for _, f := range strings.Fields(now) {
		p, n, _ := strings.Cut(f, "=")
		if o, ok := old[p]; ok && o != n {
			out = append(out, fmt.Sprintf("%s (restarts %s -> %s)", p, o, n))
		}
	}
	return out
}

// settled reports whether the role labels and the restart counts have
// held still for the settle time.
func (r *readiness) settled() bool {
	now := time.Now()
	return now.Sub(r.labelsSince) >= r.settle && now.Sub(r.restartsSince) >= r.settle
}

func (r *readiness) ready() bool {
	return r.phase == "Running" && len(r.missing) == 0 && len(r.notReady) == 0 && len(r.unlabelled) == 0 &&
		len(r.crashLooping) == 0 && r.settled()
}

// why is what the wait is still waiting for, for its progress and error.
func (r *readiness) why() string {
	switch {
	case r.phase != "Running":
		return fmt.Sprintf("Cluster %s; components %s", or(r.phase, "(no phase)"), componentPhases(r.snap))
	case len(r.missing) > 0:
		return r.missing[0]
	case len(r.notReady) > 0:
		return fmt.Sprintf("%d pods not Ready", len(r.notReady))
	case len(r.unlabelled) > 0:
		return "no role label on " + strings.Join(r.unlabelled, ", ")
	case len(r.crashLooping) > 0:
		return "crash-looping: " + strings.Join(r.crashLooping, ", ")
	}
	return "the role labels and restart counts to hold still"
}

// judgeReadiness fails each clause the Cluster did not meet within bound,
// with the evidence a maintainer needs, or leaves it inconclusive when
// the machine starved the brokers meanwhile.
func judgeReadiness(ctx context.Context, t *T, r *readiness, w history.Window, bound time.Duration) {
	procs := podNamesOf(r.pods)
	after := fmt.Sprintf("after waiting %s", bound.Round(time.Second))
	if r.phase != "Running" {
		judgeLate(t, readyRunning, w, procs, "Cluster %s is %q %s; components: %s", r.snap.Cluster.GetName(), r.phase, after, componentPhases(r.snap))
	}
	if len(r.missing) > 0 || len(r.notReady) > 0 {
		var lines []string
		lines = append(lines, r.missing...)
		for _, p := range r.notReady {
			lines = append(lines, target.DescribePod(p))
		}
		judgeLate(t, readyPods, w, procs, "%s: %s", after, strings.Join(lines, "; "))
	}
	if len(r.unlabelled) > 0 {
		judgeLate(t, readyRoles, w, procs, "%s no role label on %s; the role probe says: %s", after, strings.Join(r.unlabelled, ", "), probeAnswers(ctx, t, r.unlabelled))
	} else if time.Since(r.labelsSince) < r.settle {
		judgeLate(t, readyRoles, w, procs, "%s the role labels still moved %s before the end (%s); they must hold still for %s",
			after, time.Since(r.labelsSince).Round(time.Second), r.labels, r.settle)
	}
	if len(r.crashLooping) > 0 {
		judgeLate(t, readySteady, w, procs, "%s: crash-looping %s", after, strings.Join(r.crashLooping, ", "))
	}
	if len(r.restartedLater) > 0 && time.Since(r.restartsSince) < r.settle {
		judgeLate(t, readySteady, w, procs, "%s: still restarting within the last %s: %s", after, r.settle, strings.Join(r.restartedLater, ", "))
	}
	for _, p := range r.pods {
		t.Logf("%s", target.DescribePod(&p))
	}
	for _, e := range target.RecentEvents(r.snap.Events, 20) {
		t.Logf("event %s", e)
	}
}

// probeAnswers runs the platform's role probe in each pod, where it can,
// and says what it printed.
func probeAnswers(ctx context.Context, t *T, pods []string) string {
	probe := t.Target.Abilities().RoleProbe
	if probe == nil {
		return "(the target cannot run it)"
	}
	var out []string
	for _, p := range pods {
		got, err := probe.ProbeRole(ctx, p)
		switch {
		case err != nil:
			out = append(out, fmt.Sprintf("%s: could not run it: %v", p, err))
		default:
			out = append(out, fmt.Sprintf("%s: %q", p, got))
		}
	}
	return strings.Join(out, "; ")
}

func componentPhases(s *target.Snapshot) string {
	var out []string
	for i := range s.Components {
		out = append(out, fmt.Sprintf("%s %s", s.Components[i].GetName(), or(phase(&s.Components[i]), "(no phase)")))
	}
	return orNone(out)
}

func podNamesOf(pods []corev1.Pod) []string {
	out := make([]string, len(pods))
	for i := range pods {
		out[i] = pods[i].Name
	}
	return out
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func orNone(s []string) string {
	if len(s) == 0 || (len(s) == 1 && s[0] == "") {
		return "none"
	}
	return strings.Join(s, ", ")
}
