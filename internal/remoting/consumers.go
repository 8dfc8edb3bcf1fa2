package remoting

import (
	"context"
	"fmt"
)

// GetConsumerListByGroup is RequestCode.GET_CONSUMER_LIST_BY_GROUP.
const GetConsumerListByGroup = 38

// ConsumerList returns the client IDs a broker holds heartbeats from for a
// consumer group (GET_CONSUMER_LIST_BY_GROUP): the members it will tell
// each other about when they rebalance.
func (c *Client) ConsumerList(ctx context.Context, brokerAddr, group string) ([]string, error) {
	resp, err := c.call(ctx, brokerAddr, GetConsumerListByGroup, map[string]string{"consumerGroup": group}, nil)
	if err != nil {
		return nil, err
	}
	var body struct {
		ConsumerIDList []string `json:"consumerIdList"`
	}
	if err := decodeJSON(resp.Body, &body); err != nil {
		return nil, fmt.Errorf("GET_CONSUMER_LIST_BY_GROUP to %s: decode body: %w", brokerAddr, err)
	}
	return body.ConsumerIDList, nil
}
