package remoting

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// PullRequest describes one PULL_MESSAGE.
type PullRequest struct {
	Group         string // consumer group; the broker auto-creates it by default
	Topic         string
	QueueID       int
	Offset        int64  // logical queue offset to read from
	MaxMsgs       int    // 0 means 32, the Java consumer's default batch
	SubExpression string // tag expression, "" means "*"
	// SuspendTimeout lets the broker hold the request about this long
	// when there is no new message (long polling; a 4.x broker may answer
	// up to 5s later than asked); 0 answers at once.
	SuspendTimeout time.Duration
}

// PullStatus classifies a pull answer the way the Java client's
// PullStatus does, with PULL_RETRY_IMMEDIATELY split in two (see Pull).
type PullStatus int

const (
	// Found: the response carries messages (SUCCESS).
	Found PullStatus = iota
	// NoNewMsg: nothing at or after the offset yet (PULL_NOT_FOUND).
	NoNewMsg
	// NoMatchedMsg: messages exist but none matched the subscription
	// (PULL_RETRY_IMMEDIATELY with remark NO_MATCHED_MESSAGE).
	NoMatchedMsg
	// OffsetIllegal: the offset is outside the queue (PULL_OFFSET_MOVED);
	// NextBeginOffset says where to resume.
	OffsetIllegal
	// RetryImmediately: any other PULL_RETRY_IMMEDIATELY, e.g. the
	// message was being removed, or a slave that does not check offsets
	// would have answered OFFSET_MOVED.
	RetryImmediately
)

// String returns the status name, as used in test output.
func (s PullStatus) String() string {
	switch s {
	case Found:
		return "Found"
	case NoNewMsg:
		return "NoNewMsg"
	case NoMatchedMsg:
		return "NoMatchedMsg"
	case OffsetIllegal:
		return "OffsetIllegal"
	case RetryImmediately:
		return "RetryImmediately"
	default:
		return "PullStatus(" + strconv.Itoa(int(s)) + ")"
	}
}

// PullResult is a pull answer: status, the raw response code and the
// offsets from the response header, plus the decoded messages.
type PullResult struct {
	Status               PullStatus
	Code                 int // raw response code, 0, 19, 20 or 21
	NextBeginOffset      int64
	MinOffset            int64
	MaxOffset            int64
	SuggestWhichBrokerID int64
	Messages             []Message
}

// Pull flag bits (PullSysFlag).
const (
	pullFlagCommitOffset = 1 << 0
	pullFlagSuspend      = 1 << 1
	pullFlagSubscription = 1 << 2
)

// defaultPullBatch is DefaultMQPullConsumer's default maxNums.
const defaultPullBatch = 32

// longPollCheckInterval is how often a 4.x broker's PullRequestHoldService
// looks at held pulls: a suspended request is answered on the first check
// after its SuspendTimeout ran out, so up to this much later. (The Java
// consumer allows for it by waiting 30s on a 15s suspend.)
const longPollCheckInterval = 5 * time.Second

// Pull reads messages from one queue of one broker, master or slave,
// with the header DefaultMQPullConsumer sends. The sysFlag always has the
// subscription bit, so the broker filters with the expression in the
// request instead of requiring a registered consumer, and never the
// commit-offset bit, so reading does not move the group's offset. The
// suspend bit is set only when SuspendTimeout > 0, and then the request
// timeout is extended by SuspendTimeout plus the broker's 5s hold-check
// interval, since the broker may answer that late.
//
// Response codes map to statuses like the Java client's, except that
// PULL_RETRY_IMMEDIATELY (20) is NoMatchedMsg only when the remark (the
// store's GetMessageStatus name) is NO_MATCHED_MESSAGE and
// RetryImmediately otherwise; Java folds both into NO_MATCHED_MSG. Other
// codes return a *ResponseError. Whatever body comes with SUCCESS is
// decoded: a 4.9 slave with slaveReadEnable=false first sets code 20 and
// then overwrites it with SUCCESS when messages were found, so its
// messages are real and are returned. Messages are not re-filtered by
// tag on the client side, so hash collisions in the broker's tag filter
// show up here as they are.
func (c *Client) Pull(ctx context.Context, brokerAddr string, r PullRequest) (*PullResult, error) {
	if r.Group == "" || r.Topic == "" {
		return nil, fmt.Errorf("PULL_MESSAGE to %s: group and topic are required", brokerAddr)
	}
	maxMsgs := r.MaxMsgs
	if maxMsgs <= 0 {
		maxMsgs = defaultPullBatch
	}
	sub := r.SubExpression
	if sub == "" {
		sub = "*"
	}
	sysFlag := pullFlagSubscription
	var holdAllowance time.Duration
	if r.SuspendTimeout > 0 {
		sysFlag |= pullFlagSuspend
		holdAllowance = r.SuspendTimeout + longPollCheckInterval
	}
	ext := map[string]string{
		"consumerGroup":        r.Group,
		"topic":                r.Topic,
		"queueId":              strconv.Itoa(r.QueueID),
		"queueOffset":          strconv.FormatInt(r.Offset, 10),
		"maxMsgNums":           strconv.Itoa(maxMsgs),
		"sysFlag":              strconv.Itoa(sysFlag),
		"commitOffset":         "0",
		"suspendTimeoutMillis": strconv.FormatInt(r.SuspendTimeout.Milliseconds(), 10),
		"subscription":         sub,
		"subVersion":           "0",
		"expressionType":       "TAG",
	}
	resp, err := c.invoke(ctx, brokerAddr, PullMessage, ext, nil, holdAllowance)
	if err != nil {
		return nil, err
	}

	res := &PullResult{Code: resp.Code}
	switch resp.Code {
	case codeSuccess:
		res.Status = Found
	case codePullNotFound:
		res.Status = NoNewMsg
	case codePullRetryImmediately:
		res.Status = RetryImmediately
		if resp.Remark == "NO_MATCHED_MESSAGE" {
			res.Status = NoMatchedMsg
		}
	case codePullOffsetMoved:
		res.Status = OffsetIllegal
	default:
		return nil, &ResponseError{Addr: brokerAddr, Request: PullMessage, Code: resp.Code, Remark: resp.Remark}
	}

	for _, f := range []struct {
		name string
		dst  *int64
	}{
		{"nextBeginOffset", &res.NextBeginOffset},
		{"minOffset", &res.MinOffset},
		{"maxOffset", &res.MaxOffset},
		{"suggestWhichBrokerId", &res.SuggestWhichBrokerID},
	} {
		v, err := extInt64(resp, f.name)
		if err != nil {
			return nil, fmt.Errorf("PULL_MESSAGE to %s: %w", brokerAddr, err)
		}
		*f.dst = v
	}

	if res.Status == Found {
		msgs, err := decodeMessages(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("PULL_MESSAGE to %s: decode body: %w", brokerAddr, err)
		}
		res.Messages = msgs
	}
	return res, nil
}
