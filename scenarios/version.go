package scenarios

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// ServerVersion reads the RocketMQ version every broker reports
// (brokerVersionDesc of GET_BROKER_RUNTIME_INFO, e.g. V4_9_7) and returns
// it in the manifest's form (4.9.7); brokers that disagree are listed, each
// with its pods. The report states what really runs, not what was asked
// for.
func ServerVersion(ctx context.Context, tgt target.Target) (string, error) {
	if why := tgt.Abilities().Lacks(verdict.Messaging); why != "" {
		return "", fmt.Errorf("not read from the brokers: %s", why)
	}
	shards, err := tgt.Shards(ctx)
	if err != nil {
		return "", fmt.Errorf("not read from the brokers: %w", err)
	}
	rc := adminClient(tgt)
	defer rc.Close()
	pods := map[string][]string{}
	for _, s := range shards {
		for _, b := range s.Brokers {
			info, err := rc.BrokerRuntimeInfo(ctx, b.Addr)
			if err != nil {
				return "", fmt.Errorf("not read from broker %s: %w", b.Pod, err)
			}
			v := versionOf(info["brokerVersionDesc"])
			pods[v] = append(pods[v], b.Pod)
		}
	}
	if len(pods) == 0 {
		return "", fmt.Errorf("not read: the target lists no broker")
	}
	var vs []string
	for v := range pods {
		vs = append(vs, v)
	}
	sort.Strings(vs)
	if len(vs) == 1 {
		return vs[0], nil
	}
	for i, v := range vs {
		vs[i] = v + " (" + strings.Join(pods[v], ", ") + ")"
	}
	return strings.Join(vs, "; "), nil
}

// versionOf turns RocketMQ's version name (V4_9_7, V5_1_0_SNAPSHOT) into
// the dotted form manifests use (4.9.7, 5.1.0-SNAPSHOT).
func versionOf(desc string) string {
	if desc == "" {
		return "unknown (no brokerVersionDesc)"
	}
	v, snapshot := strings.CutSuffix(strings.TrimPrefix(desc, "V"), "_SNAPSHOT")
	v = strings.ReplaceAll(v, "_", ".")
	if snapshot {
		v += "-SNAPSHOT"
	}
	return v
}
