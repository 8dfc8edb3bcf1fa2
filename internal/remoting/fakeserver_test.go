package remoting

import (
	"bufio"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeServer is an in-process remoting server on 127.0.0.1:0. Each
// request runs handle in its own goroutine, so handlers may block or
// answer out of order; a nil reply sends nothing. The reply's opaque and
// response flag are filled in for the handler.
type fakeServer struct {
	t       *testing.T
	ln      net.Listener
	handle  func(req *command) *command
	accepts atomic.Int32

	mu    sync.Mutex
	conns []net.Conn
}

func newFakeServer(t *testing.T, handle func(req *command) *command) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{t: t, ln: ln, handle: handle}
	go s.serve()
	t.Cleanup(s.close)
	return s
}

func (s *fakeServer) addr() string { return s.ln.Addr().String() }

func (s *fakeServer) serve() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.accepts.Add(1)
		s.mu.Lock()
		s.conns = append(s.conns, nc)
		s.mu.Unlock()
		go s.serveConn(nc)
	}
}

func (s *fakeServer) serveConn(nc net.Conn) {
	var writeMu sync.Mutex
	r := bufio.NewReader(nc)
	for {
		req, err := readFrame(r)
		if err != nil {
			nc.Close()
			return
		}
		go func() {
			resp := s.handle(req)
			if resp == nil {
				return
			}
			resp.Opaque = req.Opaque
			resp.Flag |= flagResponse
			if resp.Language == "" {
				resp.Language = "JAVA"
			}
			frame, err := encodeFrame(resp)
			if err != nil {
				s.t.Errorf("fake server encode: %v", err)
				return
			}
			writeMu.Lock()
			defer writeMu.Unlock()
			nc.Write(frame)
		}()
	}
}

// dropConns closes every accepted connection, as a broker does with an
// idle channel.
func (s *fakeServer) dropConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, nc := range s.conns {
		nc.Close()
	}
	s.conns = nil
}

func (s *fakeServer) close() {
	s.ln.Close()
	s.dropConns()
}
