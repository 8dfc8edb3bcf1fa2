package kube

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/rmqkb/conformance/target"
)

// HorizontalScale implements target.Operator: a HorizontalScaling
// OpsRequest adding or removing |delta| replicas of component, watched
// until it ends. For the namesrvs the record's Members are the namesrv
// pods left serving, at their pod IPs.
func (t *Target) HorizontalScale(ctx context.Context, component string, delta int) (target.Operation, error) {
	if component != target.ComponentNamesrv && component != target.ComponentBroker {
		return target.Operation{Component: component}, fmt.Errorf("horizontal scaling: no component %q: expected %s or %s", component, target.ComponentNamesrv, target.ComponentBroker)
	}
	if delta == 0 {
		return target.Operation{Component: component}, fmt.Errorf("horizontal scaling of %s by 0", component)
	}
	change := map[string]any{"replicaChanges": int64(abs(delta))}
	scale := map[string]any{"componentName": component}
	if delta > 0 {
		scale["scaleOut"] = change
	} else {
		scale["scaleIn"] = change
	}
	op, err := t.operate(ctx, component, "HorizontalScaling", map[string]any{"horizontalScaling": []any{scale}})
	if err != nil || component != target.ComponentNamesrv {
		return op, err
	}
	pods, err := t.pods(context.WithoutCancel(ctx), "namesrv")
	if err != nil {
		op.Evidence = append(op.Evidence, err.Error())
		return op, nil
	}
	op.Members = map[string]string{}
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp == nil && p.Status.PodIP != "" {
			op.Members[p.Name] = net.JoinHostPort(p.Status.PodIP, strconv.Itoa(int(containerPort(p, "rocketmq-namesrv", "nameserver", 9876))))
		}
	}
	return op, nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
