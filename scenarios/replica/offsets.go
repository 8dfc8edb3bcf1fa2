// Package replica observes replication between a master and its slaves by
// the byte position RocketMQ measures it with, the commit log offset: a
// broker's commitLogMaxOffset, sampled while writes run, the lag of each
// acknowledged message, and the wait until a slave holds all its master
// holds. It judges nothing: the cases judge what it measured.
package replica

import (
	"context"
	"fmt"
	"strconv"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/target"
)

// CommitLogMax reads a broker's commitLogMaxOffset from its runtime info
// (GET_BROKER_RUNTIME_INFO), the byte position replication is measured by.
func CommitLogMax(ctx context.Context, rc *remoting.Client, b target.Broker) (int64, error) {
	info, err := rc.BrokerRuntimeInfo(ctx, b.Addr)
	if err != nil {
		return 0, fmt.Errorf("runtime info of %s: %w", b.Pod, err)
	}
	v, err := strconv.ParseInt(info["commitLogMaxOffset"], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s reports commitLogMaxOffset=%q: %w", b.Pod, info["commitLogMaxOffset"], err)
	}
	return v, nil
}

// CommitLogOffset reads the commit log offset out of an offset message ID
// (SendResult.OffsetMsgID): the store host (8 hex bytes for IPv4, 20 for
// IPv6) followed by the 8-byte offset, as RocketMQ's MessageDecoder builds it.
func CommitLogOffset(offsetMsgID string) (int64, error) {
	if len(offsetMsgID) != 32 && len(offsetMsgID) != 56 {
		return 0, fmt.Errorf("offset message id %q has %d hex characters, expected 32 or 56", offsetMsgID, len(offsetMsgID))
	}
	v, err := strconv.ParseUint(offsetMsgID[len(offsetMsgID)-16:], 16, 64)
	if err != nil {
		return 0, fmt.Errorf("offset message id %q: %w", offsetMsgID, err)
	}
	return int64(v), nil
}
