package remoting

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Wire layout of one RocketMQ remoting frame (all integers big-endian):
//
//	int32 length        bytes that follow this field: 4 + headerLen + bodyLen
//	int32 headerWord    serializeType<<24 | headerLen
//	headerLen bytes     header, JSON when serializeType is 0
//	rest                body, opaque bytes
const (
	// serializeJSON is SerializeType.JSON; the only header encoding this
	// client speaks. Brokers answer in the serialize type of the request.
	serializeJSON = 0

	// maxFrameLength bounds the length field. Netty's NettyDecoder in
	// 4.x refuses frames above 16 MiB by default, so anything larger is a
	// desynchronised stream or a non-RocketMQ peer, not a real reply.
	maxFrameLength = 16 << 20

	// maxHeaderLength is what fits in the 24 low bits of the header word.
	maxHeaderLength = 1<<24 - 1

	// flagResponse and flagOneway are the RemotingCommand flag bits.
	flagResponse = 1 << 0
	flagOneway   = 1 << 1

	// languageGo names this client in the header ("language":"GO"); the
	// server parses it as its LanguageCode enum by name.
	languageGo = "GO"

	// clientVersion is the header "version": the V4_5_2 ordinal, the value
	// rocketmq-client-go sends. It is below V4_9_4, so a 4.9.x namesrv
	// answers GET_ROUTEINFO_BY_TOPIC in fastjson's native form (bare
	// integer map keys), the same bytes older clients get.
	clientVersion = 317
)

// command is one remoting message, request or response. Field names and
// JSON keys follow RemotingCommand's serialized header.
type command struct {
	Code      int               `json:"code"`
	Language  string            `json:"language"`
	Version   int               `json:"version"`
	Opaque    int32             `json:"opaque"`
	Flag      int               `json:"flag"`
	Remark    string            `json:"remark,omitempty"`
	ExtFields map[string]string `json:"extFields,omitempty"`
	Body      []byte            `json:"-"`
}

// isResponse reports whether the response bit of the flag is set; the
// reader uses it to ignore server-initiated requests.
func (c *command) isResponse() bool { return c.Flag&flagResponse != 0 }

// errFrame marks a malformed frame so callers can tell protocol damage
// from I/O failures (both close the connection).
var errFrame = errors.New("malformed remoting frame")

// encodeFrame renders cmd as one complete frame, length prefix included.
func encodeFrame(cmd *command) ([]byte, error) {
	header, err := json.Marshal(cmd)
	if err != nil {
		return nil, fmt.Errorf("encode header: %w", err)
	}
	if len(header) > maxHeaderLength {
		return nil, fmt.Errorf("encode header: %d bytes exceed the 24-bit header length: %w", len(header), errFrame)
	}
	length := 4 + len(header) + len(cmd.Body)
	if length > maxFrameLength {
		return nil, fmt.Errorf("encode frame: length %d exceeds %d: %w", length, maxFrameLength, errFrame)
	}
	buf := make([]byte, 0, 4+length)
	buf = binary.BigEndian.AppendUint32(buf, uint32(length))
	buf = binary.BigEndian.AppendUint32(buf, uint32(serializeJSON)<<24|uint32(len(header)))
	buf = append(buf, header...)
	buf = append(buf, cmd.Body...)
	return buf, nil
}

// readFrame reads exactly one frame from r and decodes it. The length is
// validated before allocating so a garbage prefix cannot make us reserve
// gigabytes.
func readFrame(r io.Reader) (*command, error) {
	var prefix [4]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return nil, fmt.Errorf("read frame length: %w", err)
	}
	length := binary.BigEndian.Uint32(prefix[:])
	if length < 4 || length > maxFrameLength {
		return nil, fmt.Errorf("read frame: length %d outside [4, %d]: %w", length, maxFrameLength, errFrame)
	}
	payload := make([]byte, length)
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, fmt.Errorf("read frame payload: %w", err)
	}
	return decodeFrame(payload)
}

// decodeFrame decodes a frame without its length prefix: header word,
// header and body.
func decodeFrame(payload []byte) (*command, error) {
	if len(payload) < 4 {
		return nil, fmt.Errorf("decode frame: %d bytes, need at least 4: %w", len(payload), errFrame)
	}
	word := binary.BigEndian.Uint32(payload)
	serializeType := word >> 24
	headerLen := int(word & maxHeaderLength)
	if serializeType != serializeJSON {
		return nil, fmt.Errorf("decode frame: serialize type %d, only JSON (0) is supported: %w", serializeType, errFrame)
	}
	if headerLen > len(payload)-4 {
		return nil, fmt.Errorf("decode frame: header length %d exceeds frame payload %d: %w", headerLen, len(payload)-4, errFrame)
	}
	cmd := new(command)
	if err := json.Unmarshal(payload[4:4+headerLen], cmd); err != nil {
		return nil, fmt.Errorf("decode header: %w", err)
	}
	if body := payload[4+headerLen:]; len(body) > 0 {
		cmd.Body = body
	}
	return cmd, nil
}
