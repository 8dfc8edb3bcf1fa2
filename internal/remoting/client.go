// Package remoting is a small RocketMQ 4.x remoting (TCP) admin client.
// The conformance suite uses it to read brokers and namesrvs directly,
// master or slave, without going through a full client SDK whose routing,
// retries and caching would hide what a single server actually answers.
package remoting

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// defaultTimeout matches the 3s the Java admin tools use for most calls.
const defaultTimeout = 3 * time.Second

// Client talks to any number of brokers and namesrvs. Connections are
// pooled per address (one multiplexed connection each) and re-dialled
// after an error; a Client is safe for concurrent use. Every call honours
// its ctx (deadline and cancellation) as well as the per-request timeout.
type Client struct {
	accessKey string
	secretKey string
	timeout   time.Duration
	source    net.IP // local address to dial from; nil lets the kernel choose

	opaque atomic.Int32 // request ids, unique per Client

	mu      sync.Mutex
	conns   map[string]*conn
	dialing map[string]chan struct{} // closed when that address's dial ends
	closed  bool
}

// Option configures a Client.
type Option func(*Client)

// WithCredentials turns on RocketMQ plain-ACL request signing, which a
// broker with aclEnable=true requires. An empty accessKey leaves
// requests unsigned, so callers can pass configuration through verbatim.
func WithCredentials(accessKey, secretKey string) Option {
	return func(c *Client) {
		c.accessKey = accessKey
		c.secretKey = secretKey
	}
}

// WithTimeout bounds each request (dial, write and wait for the reply);
// the default is 3s. A ctx deadline that comes earlier still wins.
// Non-positive values keep the default. A long-polling Pull adds its
// SuspendTimeout and the broker's hold-check interval on top, because
// the broker legitimately holds that reply.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithSource dials every connection from the local IP address ip. On
// loopback any 127.x.y.z is local, so a client can come from outside a
// broker's ACL whitelist (127.0.0.*) as a client outside a pod network
// would; an address that does not parse is ignored.
func WithSource(ip string) Option {
	return func(c *Client) { c.source = net.ParseIP(ip) }
}

// New returns a Client; it dials lazily, on the first request to each
// address.
func New(opts ...Option) *Client {
	c := &Client{
		timeout: defaultTimeout,
		conns:   make(map[string]*conn),
		dialing: make(map[string]chan struct{}),
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Close closes all pooled connections; requests in flight fail and later
// calls return an error wrapping net.ErrClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for addr, cn := range c.conns {
		cn.close()
		delete(c.conns, addr)
	}
	return nil
}

// ResponseError is a reply whose code is not the success the request
// expects. It keeps the raw code and remark so conformance checks can
// assert on exactly what the server said.
type ResponseError struct {
	Addr    string // server that answered
	Request int    // request code, e.g. GetBrokerConfig
	Code    int    // response code
	Remark  string // server's remark, often the reason
}

// Error names the request and response codes by their Java names, e.g.
// "GET_BROKER_CONFIG to 127.0.0.1:10911: code 1 (SYSTEM_ERROR): remark".
func (e *ResponseError) Error() string {
	s := fmt.Sprintf("%s to %s: code %d (%s)", requestName(e.Request), e.Addr, e.Code, responseName(e.Code))
	if e.Remark != "" {
		s += ": " + e.Remark
	}
	return s
}

// IsTopicNotExist reports whether err carries response code 17
// (TOPIC_NOT_EXIST), which a namesrv returns for a topic with no route
// and a broker for a topic it does not hold.
func IsTopicNotExist(err error) bool {
	var re *ResponseError
	return errors.As(err, &re) && re.Code == codeTopicNotExist
}

// conn returns a live pooled connection to addr, dialling if there is
// none or the pooled one has died. Only one dial per address runs at a
// time, so a burst of first calls shares one connection; dialling happens
// outside the lock so a slow address does not stall others. Callers that
// waited on a dial that failed try again with their own ctx.
func (c *Client) conn(ctx context.Context, addr string) (*conn, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, fmt.Errorf("client: %w", net.ErrClosed)
		}
		if cn := c.conns[addr]; cn != nil && cn.alive() {
			c.mu.Unlock()
			return cn, nil
		}
		if wait := c.dialing[addr]; wait != nil {
			c.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, fmt.Errorf("dial: %w", ctx.Err())
			}
		}
		done := make(chan struct{})
		c.dialing[addr] = done
		c.mu.Unlock()

		cn, err := dial(ctx, addr, c.source)

		c.mu.Lock()
		delete(c.dialing, addr)
		close(done)
		switch {
		case err != nil:
			c.mu.Unlock()
			return nil, fmt.Errorf("dial: %w", err)
		case c.closed:
			c.mu.Unlock()
			cn.close()
			return nil, fmt.Errorf("client: %w", net.ErrClosed)
		}
		c.conns[addr] = cn
		c.mu.Unlock()
		return cn, nil
	}
}

// invoke sends one request and returns the response whatever its code.
// extra lengthens the per-request timeout (long polling).
func (c *Client) invoke(ctx context.Context, addr string, code int, ext map[string]string, body []byte, extra time.Duration) (*command, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout+extra)
	defer cancel()
	req := &command{
		Code:      code,
		Language:  languageGo,
		Version:   clientVersion,
		Opaque:    c.opaque.Add(1),
		ExtFields: ext,
		Body:      body,
	}
	if c.accessKey != "" {
		signRequest(req, c.accessKey, c.secretKey)
	}
	cn, err := c.conn(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("%s to %s: %w", requestName(code), addr, err)
	}
	resp, err := cn.roundTrip(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%s to %s: %w", requestName(code), addr, err)
	}
	return resp, nil
}

// call is invoke for requests whose only acceptable answer is SUCCESS;
// anything else becomes a *ResponseError.
func (c *Client) call(ctx context.Context, addr string, code int, ext map[string]string, body []byte) (*command, error) {
	resp, err := c.invoke(ctx, addr, code, ext, body, 0)
	if err != nil {
		return nil, err
	}
	if resp.Code != codeSuccess {
		return nil, &ResponseError{Addr: addr, Request: code, Code: resp.Code, Remark: resp.Remark}
	}
	return resp, nil
}
