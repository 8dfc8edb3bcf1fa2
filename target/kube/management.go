package kube

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/rmqkb/conformance/target"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ExporterURL implements target.ManagementPlane: the exporter pod's
// metrics port. The addon gives the exporter no Service (its example
// PodMonitor scrapes the pod), so the pod is what a scraper reaches.
func (t *Target) ExporterURL(ctx context.Context) (string, error) {
	return t.componentURL(ctx, "exporter", "rocketmq-exporter", "metrics", 5557)
}

// DashboardURL implements target.ManagementPlane: the dashboard pod's
// console port, reached like every other pod (the Service's ClusterIP is
// reachable only from inside the cluster).
func (t *Target) DashboardURL(ctx context.Context) (string, error) {
	return t.componentURL(ctx, "dashboard", "rocketmq-dashboard", "console", 8080)
}

// ConsoleAccount implements target.ManagementPlane: the console-admin
// account from {cluster}-dashboard-account-console-admin, kept in memory.
func (t *Target) ConsoleAccount(ctx context.Context) (string, string, error) {
	name := t.cluster + "-dashboard-account-console-admin"
	s, err := t.cs.CoreV1().Secrets(t.ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", "", fmt.Errorf("read Secret %s/%s: %w", t.ns, name, err)
	}
	user, password := string(s.Data["username"]), string(s.Data["password"])
	if user == "" || password == "" {
		return "", "", fmt.Errorf("Secret %s/%s has no username or no password", t.ns, name)
	}
	return user, password, nil
}

// componentURL finds the one pod of component comp and returns
// http://podIP:port, port being the container's named port.
func (t *Target) componentURL(ctx context.Context, comp, container, port string, def int32) (string, error) {
	if err := t.reachable(ctx); err != nil {
		return "", err
	}
	l, err := t.cs.CoreV1().Pods(t.ns).List(ctx, metav1.ListOptions{
		LabelSelector: target.LabelInstance + "=" + t.cluster + "," + target.LabelComponent + "=" + comp})
	if err != nil {
		return "", fmt.Errorf("list the %s pods of %s/%s: %w", comp, t.ns, t.cluster, err)
	}
	if len(l.Items) != 1 || l.Items[0].Status.PodIP == "" {
		return "", fmt.Errorf("expected one running %s pod of %s/%s, found %d", comp, t.ns, t.cluster, len(l.Items))
	}
	p := &l.Items[0]
	return "http://" + net.JoinHostPort(p.Status.PodIP, strconv.Itoa(int(containerPort(p, container, port, def)))), nil
}
