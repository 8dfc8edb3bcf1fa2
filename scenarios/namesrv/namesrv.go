// Package namesrv observes what the namesrvs list: who is registered at a
// shard's brokerId 0, where a broker appears in the cluster tables and in
// a topic's routes, and waiting for that to change (a frozen broker
// expiring, a thawed one registering again). It judges nothing: it says
// what every namesrv listed, and the cases judge it.
package namesrv

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/target"
)

// View reads the namesrvs at Addrs: their cluster tables through Info and
// topic routes through Route. The cases pass the suite's admin client's
// reads, through whatever a test planted.
type View struct {
	Addrs []string
	Info  func(ctx context.Context, ns string) (*remoting.ClusterInfo, error)
	Route func(ctx context.Context, ns, topic string) (*remoting.TopicRoute, error)
}

// Registered is the addresses the namesrvs list at brokerId 0 of shard,
// once each: one when they agree.
func (v View) Registered(ctx context.Context, shard string) ([]string, error) {
	var out []string
	for _, ns := range v.Addrs {
		ci, err := v.Info(ctx, ns)
		if err != nil {
			return nil, err
		}
		if a := ci.BrokerAddrTable[shard].BrokerAddrs[0]; !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out, nil
}

// Listing is where a broker is listed: the namesrvs whose cluster table
// holds its address, and those whose route of a topic does.
type Listing struct {
	InCluster, InRoute []string
}

// Listed says where b is listed, for topic; a topic no namesrv knows is
// routed nowhere.
func (v View) Listed(ctx context.Context, b target.Broker, topic string) (Listing, error) {
	var l Listing
	for _, ns := range v.Addrs {
		ci, err := v.Info(ctx, ns)
		if err != nil {
			return Listing{}, fmt.Errorf("namesrv %s: %w", ns, err)
		}
		if slices.Contains(slices.Collect(maps.Values(ci.BrokerAddrTable[b.Shard].BrokerAddrs)), b.Addr) {
			l.InCluster = append(l.InCluster, ns)
		}
		r, err := v.Route(ctx, ns, topic)
		if err != nil && !remoting.IsTopicNotExist(err) {
			return Listing{}, fmt.Errorf("namesrv %s: route of %s: %w", ns, topic, err)
		}
		if r != nil && routes(r, b.Addr) {
			l.InRoute = append(l.InRoute, ns)
		}
	}
	return l, nil
}

// routes says whether r holds addr.
func routes(r *remoting.TopicRoute, addr string) bool {
	for _, bd := range r.BrokerDatas {
		if slices.Contains(slices.Collect(maps.Values(bd.BrokerAddrs)), addr) {
			return true
		}
	}
	return false
}

// At says which namesrv does not list addr at brokerId id of shard, or
// "" when every one does.
func (v View) At(ctx context.Context, shard string, id int64, addr string) (string, error) {
	for _, ns := range v.Addrs {
		ci, err := v.Info(ctx, ns)
		if err != nil {
			return "", err
		}
		if got := ci.BrokerAddrTable[shard].BrokerAddrs[id]; got != addr {
			return fmt.Sprintf("namesrv %s lists %q at brokerId %d of %s", ns, got, id, shard), nil
		}
	}
	return "", nil
}
