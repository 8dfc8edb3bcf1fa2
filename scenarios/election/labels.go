package election

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/namesrv"
	"github.com/rmqkb/conformance/target"
)

// Labels is what was seen of a shard's role labels after a fault: how
// they disagreed with the brokers until LabelSettle ran out ("" when they
// agreed), and the shard as last read with the addresses the namesrvs
// listed at brokerId 0, so a judgement can compare them again.
type Labels struct {
	Wrong      string
	Shard      target.Shard
	Registered []string
}

// AwaitLabels waits, up to LabelSettle, until exactly one member of shard
// is labelled master and it is the broker every namesrv lists at brokerId
// 0 (the class of apecloud/kubeblocks#10082, a master label missing after
// restarts), and returns what it saw last.
func AwaitLabels(ctx context.Context, tgt target.Target, n namesrv.View, shard string) Labels {
	wctx, cancel := context.WithTimeout(ctx, LabelSettle)
	defer cancel()
	var l Labels
	wait.Until(wctx, 500*time.Millisecond, "the master label of "+shard+" to agree with its leader", func(ctx context.Context) (bool, string, error) {
		seen, err := Read(ctx, tgt, n, shard)
		switch {
		case err == nil:
			l = seen
		case wctx.Err() != nil:
			// The deadline cut this read short: what was seen before
			// stands, not the timeout it ended in.
		case l.Wrong == "":
			l.Wrong = err.Error()
		}
		return err == nil && l.Wrong == "", l.Wrong, nil
	})
	if l.Shard.Name == "" {
		l.Shard.Name = shard
	}
	return l
}

// Read reads shard's members and labels, and its registration, once.
func Read(ctx context.Context, tgt target.Target, n namesrv.View, shard string) (Labels, error) {
	s, err := ShardOf(ctx, tgt, shard)
	if err != nil {
		return Labels{}, err
	}
	reg, err := n.Registered(ctx, shard)
	if err != nil {
		return Labels{}, err
	}
	return Labels{Wrong: LabelMismatch(s, reg), Shard: s, Registered: reg}, nil
}

// LabelMismatch says how s's master labels disagree with the brokers at
// the registered addresses, or "".
func LabelMismatch(s target.Shard, registered []string) string {
	var masters []string
	podAt := map[string]string{}
	for _, b := range s.Brokers {
		podAt[b.Addr] = b.Pod
		if b.RoleLabel == "master" {
			masters = append(masters, b.Pod)
		}
	}
	var pods []string
	for _, a := range registered {
		pods = append(pods, podAt[a])
	}
	switch {
	case len(masters) != 1:
		return fmt.Sprintf("%d members of %s are labelled master (%s), expected exactly one", len(masters), s.Name, strings.Join(masters, ", "))
	case len(pods) != 1 || pods[0] != masters[0]:
		return fmt.Sprintf("%s is labelled master, but the namesrvs list %q at brokerId 0 of %s", masters[0], pods, s.Name)
	}
	return ""
}
