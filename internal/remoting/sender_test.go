package remoting_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"testing"
	"time"
)

// The package is a reader; a pull test still needs messages whose keys,
// bodies and broker-assigned ids it knows, and a body compressed exactly
// as a Java producer does it. So the tests carry this small sender of
// their own: one SEND_MESSAGE (code 10, v1 header) per TCP connection,
// written from the protocol, not with the package under test.

// sentMessage is what the broker acknowledged for a test message.
type sentMessage struct {
	msgID       string
	queueOffset int64
	body        []byte // uncompressed
	keys, tags  string
}

// rawReply is the part of a remoting response the sender reads.
type rawReply struct {
	Code      int               `json:"code"`
	Opaque    int32             `json:"opaque"`
	Flag      int               `json:"flag"`
	Remark    string            `json:"remark"`
	ExtFields map[string]string `json:"extFields"`
}

// sender sends test messages, signing them with the plain-ACL scheme when
// it has an access key.
type sender struct {
	accessKey, secretKey string
}

// sign adds AccessKey and Signature as RocketMQ's AclClientRPCHook does:
// HMAC-SHA1 with the secret key over the header values sorted by key
// (AccessKey included), then the body; base64.
func (s sender) sign(ext map[string]string, body []byte) {
	ext["AccessKey"] = s.accessKey
	keys := make([]string, 0, len(ext))
	for k := range ext {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	mac := hmac.New(sha1.New, []byte(s.secretKey))
	for _, k := range keys {
		io.WriteString(mac, ext[k])
	}
	mac.Write(body)
	ext["Signature"] = base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// roundTrip sends one request on a fresh connection and reads its reply.
func (s sender) roundTrip(ctx context.Context, addr string, code int, ext map[string]string, body []byte) (*rawReply, error) {
	if s.accessKey != "" {
		s.sign(ext, body)
	}
	const opaque = 1
	header, err := json.Marshal(map[string]any{
		"code": code, "language": "GO", "version": 317, "opaque": opaque, "flag": 0, "extFields": ext,
	})
	if err != nil {
		return nil, err
	}
	frame := binary.BigEndian.AppendUint32(nil, uint32(4+len(header)+len(body)))
	frame = binary.BigEndian.AppendUint32(frame, uint32(len(header))) // serialize type 0: JSON
	frame = append(append(frame, header...), body...)

	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	deadline := time.Now().Add(10 * time.Second)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	nc.SetDeadline(deadline)
	if _, err := nc.Write(frame); err != nil {
		return nil, err
	}
	for {
		var word [8]byte
		if _, err := io.ReadFull(nc, word[:]); err != nil {
			return nil, fmt.Errorf("read reply: %w", err)
		}
		length, hlen := binary.BigEndian.Uint32(word[:4]), binary.BigEndian.Uint32(word[4:])&0xffffff
		if length < 4+hlen || length > 16<<20 {
			return nil, fmt.Errorf("reply frame length %d, header %d", length, hlen)
		}
		rest := make([]byte, length-4)
		if _, err := io.ReadFull(nc, rest); err != nil {
			return nil, fmt.Errorf("read reply: %w", err)
		}
		var r rawReply
		if err := json.Unmarshal(rest[:hlen], &r); err != nil {
			return nil, fmt.Errorf("reply header: %w", err)
		}
		if r.Flag&1 == 1 && r.Opaque == opaque {
			return &r, nil
		}
	}
}

// send produces one message straight to one queue and returns what the
// broker acknowledged. compress stores the body zlib-compressed with the
// compressed+ZLIB sysFlag, as a Java producer does for bodies over 4 KiB.
func (s sender) send(ctx context.Context, t *testing.T, broker, topic string, queueID int, body []byte, keys, tags string, compress bool) sentMessage {
	t.Helper()
	wire, sysFlag := body, 0
	if compress {
		var buf bytes.Buffer
		w := zlib.NewWriter(&buf)
		w.Write(body)
		w.Close()
		wire, sysFlag = buf.Bytes(), 1|3<<8
	}
	ext := map[string]string{
		"producerGroup":         "remoting_it_producer",
		"topic":                 topic,
		"defaultTopic":          "TBW102",
		"defaultTopicQueueNums": "4",
		"queueId":               strconv.Itoa(queueID),
		"sysFlag":               strconv.Itoa(sysFlag),
		"bornTimestamp":         strconv.FormatInt(time.Now().UnixMilli(), 10),
		"flag":                  "0",
		"properties":            "KEYS\x01" + keys + "\x02TAGS\x01" + tags + "\x02WAIT\x01true",
		"reconsumeTimes":        "0",
		"unitMode":              "false",
		"batch":                 "false",
	}
	r, err := s.roundTrip(ctx, broker, 10, ext, wire)
	if err != nil {
		t.Fatalf("send to %s: %v", broker, err)
	}
	if r.Code != 0 {
		t.Fatalf("send to %s: code %d: %s", broker, r.Code, r.Remark)
	}
	off, err := strconv.ParseInt(r.ExtFields["queueOffset"], 10, 64)
	if err != nil {
		t.Fatalf("send response %v: %v", r.ExtFields, err)
	}
	return sentMessage{msgID: r.ExtFields["msgId"], queueOffset: off, body: body, keys: keys, tags: tags}
}
