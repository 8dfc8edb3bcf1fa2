package remoting

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Message is one stored message as a pull returns it.
type Message struct {
	Topic           string
	QueueID         int
	QueueOffset     int64 // logical offset in the consume queue
	CommitLogOffset int64 // physical offset in the commit log
	BornTimestamp   time.Time
	StoreTimestamp  time.Time
	Body            []byte // decompressed when the producer compressed it
	Properties      map[string]string
	// MsgID is the offset message id as Java's MessageDecoder computes it:
	// upper-case hex of store host IP, store port (4 bytes) and commit log
	// offset (8 bytes). Not the producer's UNIQ_KEY.
	MsgID     string
	StoreHost string // "ip:port" of the broker that stored it
}

// Keys returns the KEYS property: the producer's business keys, several
// separated by spaces.
func (m Message) Keys() string { return m.Properties["KEYS"] }

// Tags returns the TAGS property the broker filters on.
func (m Message) Tags() string { return m.Properties["TAGS"] }

// Message sysFlag bits and compression types (MessageSysFlag).
const (
	sysFlagCompressed      = 1 << 0
	sysFlagBornHostV6      = 1 << 4
	sysFlagStoreHostV6     = 1 << 5
	compressionTypeShift   = 8
	compressionTypeMask    = 0x7
	compressionLegacyZlib  = 0 // no type recorded (older producers): zlib
	compressionLZ4         = 1
	compressionZstd        = 2
	compressionZlib        = 3
	propertyNameValueSep   = '\x01'
	propertyEntrySeparator = '\x02'
)

// decodeMessages decodes a PULL_MESSAGE body: commit-log records back to
// back, each starting with its own total size. Where Java's decoder
// silently stops at the first bad record, this returns an error, since a
// conformance check must not mistake a truncated read for the full one.
func decodeMessages(body []byte) ([]Message, error) {
	var msgs []Message
	for off := 0; off < len(body); {
		if len(body)-off < 4 {
			return msgs, fmt.Errorf("message at byte %d: %d trailing bytes, too short for a size", off, len(body)-off)
		}
		size := int(int32(binary.BigEndian.Uint32(body[off:])))
		if size < 4 || size > len(body)-off {
			return msgs, fmt.Errorf("message at byte %d: store size %d, %d bytes left", off, size, len(body)-off)
		}
		m, err := decodeMessage(body[off : off+size])
		if err != nil {
			return msgs, fmt.Errorf("message at byte %d: %w", off, err)
		}
		msgs = append(msgs, m)
		off += size
	}
	return msgs, nil
}

// decodeMessage decodes one record laid out as MessageDecoder reads it
// (4.x, message magic v1):
//
//	int32 storeSize, int32 magic, int32 bodyCRC, int32 queueId, int32 flag,
//	int64 queueOffset, int64 commitLogOffset, int32 sysFlag,
//	int64 bornTimestamp, bornHost (4 or 16 bytes IP, int32 port),
//	int64 storeTimestamp, storeHost (4 or 16 bytes IP, int32 port),
//	int32 reconsumeTimes, int64 preparedTransactionOffset,
//	int32 bodyLen, body, int8 topicLen, topic, int16 propertiesLen, properties
//
// The IP widths come from sysFlag bits 4 (born) and 5 (store).
func decodeMessage(rec []byte) (Message, error) {
	r := &recordReader{buf: rec}
	var m Message
	r.int32() // storeSize, already used to cut rec
	r.int32() // magic code
	r.int32() // body CRC
	m.QueueID = int(r.int32())
	r.int32() // user flag
	m.QueueOffset = r.int64()
	m.CommitLogOffset = r.int64()
	sysFlag := r.int32()
	m.BornTimestamp = time.UnixMilli(r.int64())
	r.hostPort(sysFlag&sysFlagBornHostV6 != 0)
	m.StoreTimestamp = time.UnixMilli(r.int64())
	storeIP, storePort := r.hostPort(sysFlag&sysFlagStoreHostV6 != 0)
	r.int32() // reconsume times
	r.int64() // prepared transaction offset
	body := r.bytes(int(r.int32()))
	topic := r.bytes(int(int8(r.byte())))
	props := r.bytes(int(r.int16()))
	if r.err != nil {
		return Message{}, r.err
	}
	if r.pos != len(rec) {
		return Message{}, fmt.Errorf("record is %d bytes but its fields end at %d", len(rec), r.pos)
	}

	if sysFlag&sysFlagCompressed != 0 {
		var err error
		if body, err = decompressBody(body, sysFlag); err != nil {
			return Message{}, fmt.Errorf("offset %d: %w", m.QueueOffset, err)
		}
	}
	m.Body = body
	m.Topic = string(topic)
	m.Properties = parseMessageProperties(string(props))
	m.StoreHost = net.JoinHostPort(net.IP(storeIP).String(), strconv.Itoa(int(storePort)))
	m.MsgID = offsetMsgID(storeIP, storePort, m.CommitLogOffset)
	return m, nil
}

// decompressBody undoes producer-side compression. Only zlib (type 3,
// or 0 from brokers that predate compression types) is in the standard
// library; LZ4 and zstd bodies are reported rather than returned raw, so
// nobody compares compressed bytes by mistake.
func decompressBody(body []byte, sysFlag int32) ([]byte, error) {
	switch t := (sysFlag >> compressionTypeShift) & compressionTypeMask; t {
	case compressionLegacyZlib, compressionZlib:
		zr, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("decompress zlib body: %w", err)
		}
		defer zr.Close()
		out, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("decompress zlib body: %w", err)
		}
		return out, nil
	case compressionLZ4:
		return nil, fmt.Errorf("body compressed with LZ4, which this client does not decode")
	case compressionZstd:
		return nil, fmt.Errorf("body compressed with zstd, which this client does not decode")
	default:
		return nil, fmt.Errorf("body compressed with unknown type %d", t)
	}
}

// parseMessageProperties splits "k\x01v\x02k\x01v" the way
// MessageDecoder.string2messageProperties does: entries with an empty
// name or an empty value, or without a separator, are skipped.
func parseMessageProperties(s string) map[string]string {
	props := make(map[string]string)
	for _, entry := range strings.Split(s, string(propertyEntrySeparator)) {
		k, v, ok := strings.Cut(entry, string(propertyNameValueSep))
		if ok && k != "" && v != "" {
			props[k] = v
		}
	}
	return props
}

// offsetMsgID renders the offset message id (MessageDecoder.createMessageId):
// IP bytes, port as a 4-byte int, commit log offset as 8 bytes, all
// big-endian, in upper-case hex.
func offsetMsgID(ip []byte, port int32, commitLogOffset int64) string {
	buf := make([]byte, 0, len(ip)+12)
	buf = append(buf, ip...)
	buf = binary.BigEndian.AppendUint32(buf, uint32(port))
	buf = binary.BigEndian.AppendUint64(buf, uint64(commitLogOffset))
	return strings.ToUpper(hex.EncodeToString(buf))
}

// recordReader reads big-endian fields and remembers the first overrun,
// so decodeMessage can read straight through and check once.
type recordReader struct {
	buf []byte
	pos int
	err error
}

// bytes returns the next n bytes (nil after an error or for n <= 0; a
// negative n is an error, as Java would throw on it).
func (r *recordReader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.buf)-r.pos {
		r.err = fmt.Errorf("field of %d bytes at %d overruns the %d-byte record", n, r.pos, len(r.buf))
		return nil
	}
	b := r.buf[r.pos : r.pos+n]
	r.pos += n
	return b
}

func (r *recordReader) byte() byte {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *recordReader) int16() int16 {
	if b := r.bytes(2); b != nil {
		return int16(binary.BigEndian.Uint16(b))
	}
	return 0
}

func (r *recordReader) int32() int32 {
	if b := r.bytes(4); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

func (r *recordReader) int64() int64 {
	if b := r.bytes(8); b != nil {
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

// hostPort reads an IPv4 (or, when v6, IPv6) address and an int32 port.
func (r *recordReader) hostPort(v6 bool) ([]byte, int32) {
	n := 4
	if v6 {
		n = 16
	}
	ip := r.bytes(n)
	return ip, r.int32()
}
