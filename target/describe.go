package target

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// DescribePod says, in one line, what a maintainer asks first of a pod
// that is not what it should be: its phase and readiness, and for each
// container whether it is ready, its state, how often it restarted and
// how it last ended. It is the evidence of a clause the platform failed.
func DescribePod(p *corev1.Pod) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pod %s: %s", p.Name, or(string(p.Status.Phase), "no phase"))
	if !PodReady(p) {
		b.WriteString(", not Ready")
		if c := condition(p, corev1.PodReady); c != nil && c.Message != "" {
			fmt.Fprintf(&b, " (%s)", oneLine(c.Message, 160))
		}
	}
	if r, ok := p.Labels[LabelRole]; ok {
		fmt.Fprintf(&b, ", role %q", r)
	}
	all := append(slices.Clone(p.Status.InitContainerStatuses), p.Status.ContainerStatuses...)
	for _, cs := range all {
		fmt.Fprintf(&b, "; %s: %s", cs.Name, containerState(cs.State))
		if !cs.Ready {
			b.WriteString(", not ready")
		}
		if cs.RestartCount > 0 {
			fmt.Fprintf(&b, ", %d restarts", cs.RestartCount)
		}
		if t := cs.LastTerminationState.Terminated; t != nil {
			fmt.Fprintf(&b, ", last ended %s", terminated(t))
		}
	}
	return b.String()
}

// PodReady reports whether the pod's Ready condition is true.
func PodReady(p *corev1.Pod) bool {
	c := condition(p, corev1.PodReady)
	return c != nil && c.Status == corev1.ConditionTrue
}

func condition(p *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

func containerState(s corev1.ContainerState) string {
	switch {
	case s.Waiting != nil:
		if s.Waiting.Message != "" {
			return fmt.Sprintf("waiting (%s: %s)", s.Waiting.Reason, oneLine(s.Waiting.Message, 160))
		}
		return fmt.Sprintf("waiting (%s)", or(s.Waiting.Reason, "no reason"))
	case s.Terminated != nil:
		return "terminated " + terminated(s.Terminated)
	case s.Running != nil:
		return "running since " + s.Running.StartedAt.UTC().Format(time.RFC3339)
	}
	return "no state yet"
}

func terminated(t *corev1.ContainerStateTerminated) string {
	s := fmt.Sprintf("(%s, exit %d", or(t.Reason, "no reason"), t.ExitCode)
	if t.Message != "" {
		s += ": " + oneLine(t.Message, 200)
	}
	return s + ")"
}

// CrashLooping names the containers of p that wait to be restarted after
// crashing (CrashLoopBackOff), "" when none does.
func CrashLooping(p *corev1.Pod) string {
	var out []string
	for _, cs := range append(slices.Clone(p.Status.InitContainerStatuses), p.Status.ContainerStatuses...) {
		if w := cs.State.Waiting; w != nil && w.Reason == "CrashLoopBackOff" {
			out = append(out, fmt.Sprintf("%s/%s (%d restarts)", p.Name, cs.Name, cs.RestartCount))
		}
	}
	return strings.Join(out, ", ")
}

// Restarts is the number of restarts of every container of p.
func Restarts(p *corev1.Pod) int32 {
	var n int32
	for _, cs := range append(slices.Clone(p.Status.InitContainerStatuses), p.Status.ContainerStatuses...) {
		n += cs.RestartCount
	}
	return n
}

// RecentEvents returns, one line each and oldest first, the last n events
// whose object is one of names (every event when names is empty).
func RecentEvents(evs []corev1.Event, n int, names ...string) []string {
	var keep []corev1.Event
	for _, e := range evs {
		if len(names) == 0 || slices.Contains(names, e.InvolvedObject.Name) {
			keep = append(keep, e)
		}
	}
	slices.SortStableFunc(keep, func(a, b corev1.Event) int { return eventTime(a).Compare(eventTime(b)) })
	if len(keep) > n {
		keep = keep[len(keep)-n:]
	}
	out := make([]string, len(keep))
	for i, e := range keep {
		out[i] = fmt.Sprintf("%s %s %s/%s %s: %s", eventTime(e).UTC().Format(time.RFC3339), e.Type,
			strings.ToLower(e.InvolvedObject.Kind), e.InvolvedObject.Name, e.Reason, oneLine(e.Message, 240))
		if e.Count > 1 {
			out[i] += fmt.Sprintf(" (x%d)", e.Count)
		}
	}
	return out
}

func eventTime(e corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// oneLine folds s onto one line of at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
