package remoting

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"sync"
	"time"
)

// conn is one multiplexed TCP connection to a broker or namesrv. Many
// requests can be in flight at once: writes are serialised, and a single
// reader goroutine hands each response to the waiting caller by opaque,
// as the Java and Go clients do. Once any read or write fails the stream
// position is unknown, so the conn is marked dead and never reused; the
// Client then dials a fresh one.
type conn struct {
	addr string
	nc   net.Conn

	writeMu sync.Mutex // one frame on the wire at a time

	mu      sync.Mutex
	pending map[int32]chan *command // opaque -> waiting caller
	err     error                   // why the conn died; set once
	dead    chan struct{}           // closed when err is set
}

// dial connects to addr from source (when not nil), bounded by ctx, and
// starts the reader.
func dial(ctx context.Context, addr string, source net.IP) (*conn, error) {
	var d net.Dialer
	if source != nil {
		d.LocalAddr = &net.TCPAddr{IP: source}
	}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &conn{
		addr:    addr,
		nc:      nc,
		pending: make(map[int32]chan *command),
		dead:    make(chan struct{}),
	}
	go c.readLoop()
	return c, nil
}

// readLoop delivers responses until the connection fails. Frames that
// are not responses (server-initiated requests such as consumer
// notifications) and responses nobody waits for any more (the caller
// timed out) are dropped.
func (c *conn) readLoop() {
	r := bufio.NewReader(c.nc)
	for {
		cmd, err := readFrame(r)
		if err != nil {
			c.fail(err)
			return
		}
		if !cmd.isResponse() {
			continue
		}
		c.mu.Lock()
		ch := c.pending[cmd.Opaque]
		delete(c.pending, cmd.Opaque)
		c.mu.Unlock()
		if ch != nil {
			ch <- cmd // buffered; never blocks
		}
	}
}

// fail marks the conn dead with err (first error wins), closes the
// socket and wakes every waiting caller through dead.
func (c *conn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err = fmt.Errorf("connection lost: %w", err)
	close(c.dead)
	c.nc.Close()
}

// alive reports whether the conn can still carry requests.
func (c *conn) alive() bool {
	select {
	case <-c.dead:
		return false
	default:
		return true
	}
}

// close shuts the conn down; callers waiting on it get net.ErrClosed.
func (c *conn) close() {
	c.fail(net.ErrClosed)
}

// roundTrip sends req and waits for the response with the same opaque,
// or for ctx to end, or for the conn to die.
func (c *conn) roundTrip(ctx context.Context, req *command) (*command, error) {
	frame, err := encodeFrame(req)
	if err != nil {
		return nil, err
	}
	ch := make(chan *command, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, err
	}
	c.pending[req.Opaque] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, req.Opaque)
		c.mu.Unlock()
	}()

	if err := c.write(ctx, frame); err != nil {
		return nil, err
	}
	select {
	case resp := <-ch:
		return resp, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for response: %w", ctx.Err())
	case <-c.dead:
		// The reader may have delivered just before dying.
		select {
		case resp := <-ch:
			return resp, nil
		default:
		}
		return nil, c.err
	}
}

// pastDeadline is any time in the past; setting it as the write
// deadline makes a blocked Write return at once.
var pastDeadline = time.Unix(1, 0)

// write puts one whole frame on the wire, honouring ctx's deadline and
// cancellation. A failed or partial write leaves the peer mid-frame, so
// it kills the conn.
func (c *conn) write(ctx context.Context, frame []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write request: %w", err)
	}
	deadline, _ := ctx.Deadline() // zero means none
	if err := c.nc.SetWriteDeadline(deadline); err != nil {
		c.fail(err)
		return fmt.Errorf("write request: %w", err)
	}
	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(interrupted)
		c.nc.SetWriteDeadline(pastDeadline)
	})
	_, err := c.nc.Write(frame)
	if !stop() {
		// The interrupt ran or is running; let it finish so it cannot
		// clobber the deadline of the next writer.
		<-interrupted
	}
	if err != nil {
		c.fail(err)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("write request: %w", ctxErr)
		}
		return fmt.Errorf("write request: %w", err)
	}
	return nil
}
