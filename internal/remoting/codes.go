package remoting

import "strconv"

// Request codes this client sends. The numbers are RocketMQ 4.x
// RequestCode values; they are exported so callers can match a
// *ResponseError's Request field without repeating magic numbers.
const (
	SendMessage          = 10
	PullMessage          = 11
	UpdateAndCreateTopic = 17
	GetAllTopicConfig    = 21
	UpdateBrokerConfig   = 25
	GetBrokerConfig      = 26
	GetBrokerRuntimeInfo = 28
	GetMaxOffset         = 30
	GetMinOffset         = 31
	GetRouteInfoByTopic  = 105
	GetBrokerClusterInfo = 106
)

// Response codes the client interprets (RocketMQ 4.x ResponseCode and
// RemotingSysResponseCode). Kept unexported: callers see them through
// PullStatus, IsTopicNotExist or ResponseError.Code.
const (
	codeSuccess              = 0
	codeSystemError          = 1
	codeTopicNotExist        = 17
	codePullNotFound         = 19
	codePullRetryImmediately = 20
	codePullOffsetMoved      = 21
)

// requestNames lets errors name the request the way the Java source
// does, so a failure message can be grepped against broker logs.
var requestNames = map[int]string{
	SendMessage:          "SEND_MESSAGE",
	PullMessage:          "PULL_MESSAGE",
	UpdateAndCreateTopic: "UPDATE_AND_CREATE_TOPIC",
	GetAllTopicConfig:    "GET_ALL_TOPIC_CONFIG",
	UpdateBrokerConfig:   "UPDATE_BROKER_CONFIG",
	GetBrokerConfig:      "GET_BROKER_CONFIG",
	GetBrokerRuntimeInfo: "GET_BROKER_RUNTIME_INFO",
	GetMaxOffset:         "GET_MAX_OFFSET",
	GetMinOffset:         "GET_MIN_OFFSET",
	GetRouteInfoByTopic:  "GET_ROUTEINFO_BY_TOPIC",
	GetBrokerClusterInfo: "GET_BROKER_CLUSTER_INFO",
	38:                   "GET_CONSUMER_LIST_BY_GROUP", // sent by consumers.go
}

// responseNames covers the 4.x response codes a broker or namesrv can
// answer an admin/pull request with, so errors read as the Java names.
var responseNames = map[int]string{
	0:   "SUCCESS",
	1:   "SYSTEM_ERROR",
	2:   "SYSTEM_BUSY",
	3:   "REQUEST_CODE_NOT_SUPPORTED",
	4:   "TRANSACTION_FAILED",
	10:  "FLUSH_DISK_TIMEOUT",
	11:  "SLAVE_NOT_AVAILABLE",
	12:  "FLUSH_SLAVE_TIMEOUT",
	13:  "MESSAGE_ILLEGAL",
	14:  "SERVICE_NOT_AVAILABLE",
	15:  "VERSION_NOT_SUPPORTED",
	16:  "NO_PERMISSION",
	17:  "TOPIC_NOT_EXIST",
	18:  "TOPIC_EXIST_ALREADY",
	19:  "PULL_NOT_FOUND",
	20:  "PULL_RETRY_IMMEDIATELY",
	21:  "PULL_OFFSET_MOVED",
	22:  "QUERY_NOT_FOUND",
	23:  "SUBSCRIPTION_PARSE_FAILED",
	24:  "SUBSCRIPTION_NOT_EXIST",
	25:  "SUBSCRIPTION_NOT_LATEST",
	26:  "SUBSCRIPTION_GROUP_NOT_EXIST",
	27:  "FILTER_DATA_NOT_EXIST",
	28:  "FILTER_DATA_NOT_LATEST",
	200: "TRANSACTION_SHOULD_COMMIT",
	201: "TRANSACTION_SHOULD_ROLLBACK",
	202: "TRANSACTION_STATE_UNKNOW",
	203: "TRANSACTION_STATE_GROUP_WRONG",
	204: "NO_BUYER_ID",
	205: "NOT_IN_CURRENT_UNIT",
	206: "CONSUMER_NOT_ONLINE",
	207: "CONSUME_MSG_TIMEOUT",
	208: "NO_MESSAGE",
	209: "UPDATE_AND_CREATE_ACL_CONFIG_FAILED",
	210: "DELETE_ACL_CONFIG_FAILED",
	211: "UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED",
	215: "FLOW_CONTROL",
}

// requestName returns the Java constant name of a request code, or a
// numeric fallback for codes this package does not send.
func requestName(code int) string {
	if n, ok := requestNames[code]; ok {
		return n
	}
	return "request " + strconv.Itoa(code)
}

// responseName returns the Java constant name of a response code, or
// "UNKNOWN" so the error text stays well-formed.
func responseName(code int) string {
	if n, ok := responseNames[code]; ok {
		return n
	}
	return "UNKNOWN"
}
