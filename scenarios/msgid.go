package scenarios

import (
	"fmt"
	"strconv"
)

// commitLogOffset reads the commit log offset out of an offset message ID
// (SendResult.OffsetMsgID): the store host (8 hex bytes for IPv4, 20 for
// IPv6) followed by the 8-byte offset, as RocketMQ's MessageDecoder builds it.
func commitLogOffset(offsetMsgID string) (int64, error) {
	if len(offsetMsgID) != 32 && len(offsetMsgID) != 56 {
		return 0, fmt.Errorf("offset message id %q has %d hex characters, expected 32 or 56", offsetMsgID, len(offsetMsgID))
	}
	v, err := strconv.ParseUint(offsetMsgID[len(offsetMsgID)-16:], 16, 64)
	if err != nil {
		return 0, fmt.Errorf("offset message id %q: %w", offsetMsgID, err)
	}
	return int64(v), nil
}
