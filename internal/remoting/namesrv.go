package remoting

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// BrokerData is one broker group (a master and its slaves) as the namesrv
// records it. BrokerAddrs maps broker id to address; id 0 is the master.
type BrokerData struct {
	Cluster     string           `json:"cluster"`
	BrokerName  string           `json:"brokerName"`
	BrokerAddrs map[int64]string `json:"brokerAddrs"`
}

// ClusterInfo is the namesrv's GET_BROKER_CLUSTER_INFO answer, what
// mqadmin clusterList prints: broker groups by name, and broker names by
// cluster.
type ClusterInfo struct {
	BrokerAddrTable  map[string]BrokerData `json:"brokerAddrTable"`
	ClusterAddrTable map[string][]string   `json:"clusterAddrTable"`
}

// QueueData is one broker group's queues for a topic.
type QueueData struct {
	BrokerName     string `json:"brokerName"`
	ReadQueueNums  int    `json:"readQueueNums"`
	WriteQueueNums int    `json:"writeQueueNums"`
	Perm           int    `json:"perm"`
	TopicSysFlag   int    `json:"topicSysFlag"`
}

// TopicRoute is the namesrv's route for a topic: which broker groups
// serve it and with how many queues.
type TopicRoute struct {
	QueueDatas  []QueueData  `json:"queueDatas"`
	BrokerDatas []BrokerData `json:"brokerDatas"`
}

// ClusterInfo reads the cluster table of a namesrv.
//
// A 4.9 namesrv serializes its route tables outside their lock
// (RouteInfoManager.getAllClusterInfo), so an answer that races a broker's
// registration fails with a ConcurrentModificationException: that answer,
// and only that one, is asked again, a few times.
func (c *Client) ClusterInfo(ctx context.Context, namesrvAddr string) (*ClusterInfo, error) {
	var resp *command
	var err error
	for try := 0; try < 5; try++ {
		resp, err = c.call(ctx, namesrvAddr, GetBrokerClusterInfo, nil, nil)
		if !isSerializationRace(err) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	info := new(ClusterInfo)
	if err := decodeJSON(resp.Body, info); err != nil {
		return nil, fmt.Errorf("GET_BROKER_CLUSTER_INFO to %s: decode body: %w", namesrvAddr, err)
	}
	if info.BrokerAddrTable == nil {
		info.BrokerAddrTable = map[string]BrokerData{}
	}
	if info.ClusterAddrTable == nil {
		info.ClusterAddrTable = map[string][]string{}
	}
	return info, nil
}

// TopicRoute reads a topic's route from a namesrv. A topic no broker has
// registered yields an error for which IsTopicNotExist is true.
func (c *Client) TopicRoute(ctx context.Context, namesrvAddr, topic string) (*TopicRoute, error) {
	resp, err := c.call(ctx, namesrvAddr, GetRouteInfoByTopic, map[string]string{"topic": topic}, nil)
	if err != nil {
		return nil, err
	}
	route := new(TopicRoute)
	if err := decodeJSON(resp.Body, route); err != nil {
		return nil, fmt.Errorf("GET_ROUTEINFO_BY_TOPIC to %s: decode body: %w", namesrvAddr, err)
	}
	return route, nil
}

// isSerializationRace reports whether err is a namesrv's answer that broke
// on a table modified while it was serialized.
func isSerializationRace(err error) bool {
	var re *ResponseError
	return errors.As(err, &re) && re.Code == codeSystemError && strings.Contains(re.Remark, "ConcurrentModificationException")
}
