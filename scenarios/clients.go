package scenarios

import (
	"context"
	"os"
	"path/filepath"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/rmqkb/conformance/scenarios/load"
)

// connectTimeout bounds the client's TCP connect (its default is 15 s). The
// client holds one mutex over every connect (see load), so a dial to a
// dead broker whose address drops packets stalls all its sends that long; a
// healthy broker's kernel answers a connect at once even when its JVM
// waits for a CPU.
const connectTimeout = 2 * time.Second

// producers makes a producer per call (clientProducer), for a load.
func producers(ctx context.Context, t *T) func() rocketmq.Producer {
	return func() rocketmq.Producer { return clientProducer(ctx, t) }
}

// clientProducer starts a rocketmq-client-go producer on the target's namesrvs
// with its own group and instance (a shared instance breaks shutdown, see
// rocketmq-client-go #705/#728), no retries (each attempt is one history
// entry), the queue chosen by the caller and load.SendTimeout.
func clientProducer(ctx context.Context, t *T, extra ...producer.Option) rocketmq.Producer {
	return clientProducerOn(t, namesrvAddrs(ctx, t), extra...)
}

// clientProducerOn is clientProducer knowing only the namesrvs addrs.
func clientProducerOn(t *T, addrs []string, extra ...producer.Option) rocketmq.Producer {
	opts := []producer.Option{
		producer.WithNsResolver(primitive.NewPassthroughResolver(addrs)),
		producer.WithGroupName(uniqueName("conformance-producer")),
		producer.WithInstanceName(uniqueName("p")),
		producer.WithRetry(0),
		producer.WithQueueSelector(producer.NewManualQueueSelector()),
		producer.WithSendMsgTimeout(load.SendTimeout),
		// The read and write timeouts are the client's defaults.
		producer.WithRemotingTimeout(connectTimeout, 120*time.Second, 120*time.Second),
	}
	if ak, sk := t.Target.Credentials(); ak != "" {
		opts = append(opts, producer.WithCredentials(primitive.Credentials{AccessKey: ak, SecretKey: sk}))
	}
	p, err := rocketmq.NewProducer(append(opts, extra...)...)
	if err != nil {
		t.Erroredf("create a producer: %v", err)
	}
	if err := p.Start(); err != nil {
		t.Erroredf("start a producer: %v", err)
	}
	t.Cleanup(func() { p.Shutdown() })
	return p
}

// pushConsumer creates a push consumer in group on the target's namesrvs,
// with its own instance. Broadcasting consumers keep offsets in local files
// under $HOME/.rocketmq_client_go; the case removes those it made.
func pushConsumer(ctx context.Context, t *T, group string, extra ...consumer.Option) rocketmq.PushConsumer {
	instance := uniqueName("c")
	opts := []consumer.Option{
		consumer.WithNsResolver(primitive.NewPassthroughResolver(namesrvAddrs(ctx, t))),
		consumer.WithGroupName(group),
		consumer.WithInstance(instance),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset),
	}
	if ak, sk := t.Target.Credentials(); ak != "" {
		opts = append(opts, consumer.WithCredentials(primitive.Credentials{AccessKey: ak, SecretKey: sk}))
	}
	c, err := rocketmq.NewPushConsumer(append(opts, extra...)...)
	if err != nil {
		t.Erroredf("create a consumer in group %s: %v", group, err)
	}
	t.Cleanup(func() {
		c.Shutdown()
		removeLocalOffsets(group)
	})
	return c
}

// removeLocalOffsets deletes the offset files broadcasting consumers of
// group wrote, and the folder when it is left empty. rocketmq-client-go
// lays them out as <root>/<group>/<clientID>/offset.json (it passes its
// arguments to NewLocalFileOffsetStore the other way round).
func removeLocalOffsets(group string) {
	root := os.Getenv("rocketmq.client.localOffsetStoreDir")
	if root == "" {
		root = filepath.Join(os.Getenv("HOME"), ".rocketmq_client_go")
	}
	os.RemoveAll(filepath.Join(root, group))
	os.Remove(root) // only succeeds when empty
}
