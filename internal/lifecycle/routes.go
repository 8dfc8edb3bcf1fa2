package lifecycle

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Route sends a node's pod CIDR through the node's IP. On the docker host
// the kind nodes' IPs are reachable, their pod CIDRs are not, and brokers
// advertise pod IPs: these routes let the suite talk to them.
type Route struct {
	CIDR string `json:"cidr"`
	Via  string `json:"via"`
	Node string `json:"node"`
}

func (r Route) String() string { return r.CIDR + " via " + r.Via + " (" + r.Node + ")" }

// Routes computes one route per node that has a pod CIDR and an internal
// IP, in node order.
func Routes(nodes []corev1.Node) ([]Route, error) {
	var out []Route
	for _, n := range nodes {
		var ip string
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP && net.ParseIP(a.Address).To4() != nil {
				ip = a.Address
			}
		}
		cidrs := n.Spec.PodCIDRs
		if len(cidrs) == 0 && n.Spec.PodCIDR != "" {
			cidrs = []string{n.Spec.PodCIDR}
		}
		for _, c := range cidrs {
			if _, ipnet, err := net.ParseCIDR(c); err != nil {
				return nil, fmt.Errorf("node %s: pod CIDR %q: %w", n.Name, c, err)
			} else if ipnet.IP.To4() == nil {
				continue // IPv4 routes only; kind's default
			}
			if ip == "" {
				return nil, fmt.Errorf("node %s has pod CIDR %s but no IPv4 internal IP", n.Name, c)
			}
			out = append(out, Route{CIDR: c, Via: ip, Node: n.Name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	return out, nil
}

// runIP runs `ip` with args.
func runIP(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// ipFunc runs `ip` with args: runIP, or a test's stand-in.
type ipFunc func(ctx context.Context, args ...string) error

// AddRoutes installs the routes (replacing any to the same CIDR) and
// returns the ones it added, for RemoveRoutes.
func AddRoutes(ctx context.Context, rs []Route) ([]Route, error) { return addRoutes(ctx, runIP, rs) }

func addRoutes(ctx context.Context, ip ipFunc, rs []Route) ([]Route, error) {
	var added []Route
	for _, r := range rs {
		if err := ip(ctx, "route", "replace", r.CIDR, "via", r.Via); err != nil {
			return added, fmt.Errorf("route %s: %w (needs root or CAP_NET_ADMIN on the docker host)", r, err)
		}
		added = append(added, r)
	}
	return added, nil
}

// RemoveRoutes deletes routes AddRoutes added.
func RemoveRoutes(ctx context.Context, rs []Route) error { return removeRoutes(ctx, runIP, rs) }

func removeRoutes(ctx context.Context, ip ipFunc, rs []Route) error {
	var errs []string
	for _, r := range rs {
		if err := ip(ctx, "route", "del", r.CIDR, "via", r.Via); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("remove routes: %s", strings.Join(errs, "; "))
	}
	return nil
}
