package scenarios_test

import (
	"context"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/target/local"
)

// The plants of the freezing cases (routing/stale-broker-expiry,
// failover/freeze-master): freezers that do more, less or other than
// freeze, on the conforming bench.

// freezer wraps the bench's freezing.
type freezer struct {
	*local.Cluster
	freeze func(ctx context.Context, b target.Broker) error
	thaw   func(ctx context.Context, b target.Broker) error
}

// Abilities declares the wrapping freezer as the bench's means to freeze.
func (f freezer) Abilities() target.Abilities {
	a := f.Cluster.Abilities()
	a.Freezer = f
	return a
}

func (f freezer) FreezeBroker(ctx context.Context, b target.Broker) error {
	if f.freeze == nil {
		return f.Cluster.FreezeBroker(ctx, b)
	}
	return f.freeze(ctx, b)
}

func (f freezer) ThawBroker(ctx context.Context, b target.Broker) error {
	if f.thaw == nil {
		return f.Cluster.ThawBroker(ctx, b)
	}
	return f.thaw(ctx, b)
}

// freezeKills kills the broker instead: its connections close, and the
// namesrvs drop it at once.
func freezeKills(c *local.Cluster) planted {
	return planted{target: freezer{Cluster: c, freeze: c.Kill, thaw: func(context.Context, target.Broker) error { return nil }}}
}

// freezeMisses leaves the broker running: it goes on registering.
func freezeMisses(c *local.Cluster) planted {
	noop := func(context.Context, target.Broker) error { return nil }
	return planted{target: freezer{Cluster: c, freeze: noop, thaw: noop}}
}

// thawMisses leaves the broker frozen until the case is over.
func thawMisses(c *local.Cluster) planted {
	var frozen []target.Broker
	f := freezer{Cluster: c,
		freeze: func(ctx context.Context, b target.Broker) error {
			frozen = append(frozen, b)
			return c.FreezeBroker(ctx, b)
		},
		thaw: func(context.Context, target.Broker) error { return nil },
	}
	return planted{target: f, undo: func() {
		for _, b := range frozen {
			c.ThawBroker(context.Background(), b)
		}
	}}
}

// freezeTakesOtherMaster freezes the other shard's master with the
// victim, and thaws both together.
func freezeTakesOtherMaster(c *local.Cluster) planted {
	other := shardsOf(c)[1].Master()
	f := freezer{Cluster: c,
		freeze: func(ctx context.Context, b target.Broker) error {
			if err := c.FreezeBroker(ctx, b); err != nil {
				return err
			}
			return c.FreezeBroker(ctx, other)
		},
		thaw: func(ctx context.Context, b target.Broker) error {
			c.ThawBroker(ctx, other)
			return c.ThawBroker(ctx, b)
		},
	}
	return planted{target: f, undo: func() { c.ThawBroker(context.Background(), other) }}
}
