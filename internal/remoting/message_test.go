package remoting

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"net"
	"reflect"
	"testing"
	"time"
)

// testRecord holds the fields of one commit-log record; build lays them
// out as the broker stores them (CommitLog's append callback, read back
// by MessageDecoder.decode).
type testRecord struct {
	queueID         int32
	queueOffset     int64
	commitLogOffset int64
	sysFlag         int32
	born, stored    int64 // epoch millis
	bornIP, storeIP net.IP
	bornPort        int32
	storePort       int32
	body            []byte
	topic           string
	props           string
}

func (r testRecord) build() []byte {
	var b []byte
	put32 := func(v int32) { b = binary.BigEndian.AppendUint32(b, uint32(v)) }
	put64 := func(v int64) { b = binary.BigEndian.AppendUint64(b, uint64(v)) }
	ip := func(a net.IP, v6 bool) []byte {
		if v6 {
			return a.To16()
		}
		return a.To4()
	}
	put32(0)          // store size, patched below
	put32(-626843481) // MESSAGE_MAGIC_CODE 0xDAA320A7
	put32(12345)      // body CRC
	put32(r.queueID)
	put32(0) // flag
	put64(r.queueOffset)
	put64(r.commitLogOffset)
	put32(r.sysFlag)
	put64(r.born)
	b = append(b, ip(r.bornIP, r.sysFlag&(1<<4) != 0)...)
	put32(r.bornPort)
	put64(r.stored)
	b = append(b, ip(r.storeIP, r.sysFlag&(1<<5) != 0)...)
	put32(r.storePort)
	put32(0) // reconsume times
	put64(0) // prepared transaction offset
	put32(int32(len(r.body)))
	b = append(b, r.body...)
	b = append(b, byte(len(r.topic)))
	b = append(b, r.topic...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.props)))
	b = append(b, r.props...)
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	return b
}

func zlibBytes(t *testing.T, p []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(p)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeMessages(t *testing.T) {
	big := bytes.Repeat([]byte("compress me "), 400)
	plain := testRecord{
		queueID: 3, queueOffset: 7, commitLogOffset: 0x1234,
		born: 1700000000123, stored: 1700000000456,
		bornIP: net.IPv4(10, 0, 0, 9), bornPort: 50000,
		storeIP: net.IPv4(127, 0, 0, 1), storePort: 10911,
		body:  []byte("hello"),
		topic: "TopicA",
		// Java skips entries with an empty value or without a separator.
		props: "KEYS\x01k1 k2\x02TAGS\x01tagA\x02EMPTY\x01\x02NOSEP\x02UNIQ_KEY\x01ABC",
	}
	compressed := testRecord{
		queueID: 3, queueOffset: 8, commitLogOffset: 0x5678,
		sysFlag: 1 | 3<<8 | 1<<4 | 1<<5, // compressed, zlib, both hosts IPv6
		born:    1, stored: 2,
		bornIP: net.ParseIP("fe80::1"), bornPort: 1,
		storeIP: net.ParseIP("2001:db8::7"), storePort: 20911,
		body:  zlibBytes(t, big),
		topic: "TopicA",
		props: "TAGS\x01z",
	}
	legacy := compressed
	legacy.sysFlag = 1 // compressed without a type: zlib
	legacy.queueOffset = 9
	legacy.body = zlibBytes(t, []byte("old"))
	legacy.storeIP, legacy.bornIP = net.IPv4(192, 168, 1, 2), net.IPv4(192, 168, 1, 3)

	body := append(append(plain.build(), compressed.build()...), legacy.build()...)
	got, err := decodeMessages(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("decoded %d messages, want 3", len(got))
	}

	want0 := Message{
		Topic: "TopicA", QueueID: 3, QueueOffset: 7, CommitLogOffset: 0x1234,
		BornTimestamp: time.UnixMilli(1700000000123), StoreTimestamp: time.UnixMilli(1700000000456),
		Body:       []byte("hello"),
		Properties: map[string]string{"KEYS": "k1 k2", "TAGS": "tagA", "UNIQ_KEY": "ABC"},
		// 7F000001 (127.0.0.1) 00002A9F (10911) 0000000000001234
		MsgID:     "7F00000100002A9F0000000000001234",
		StoreHost: "127.0.0.1:10911",
	}
	if !reflect.DeepEqual(got[0], want0) {
		t.Fatalf("plain message\n got %+v\nwant %+v", got[0], want0)
	}
	if got[0].Keys() != "k1 k2" || got[0].Tags() != "tagA" {
		t.Fatalf("Keys/Tags = %q/%q", got[0].Keys(), got[0].Tags())
	}

	if !bytes.Equal(got[1].Body, big) {
		t.Fatalf("zlib body not decompressed: %d bytes", len(got[1].Body))
	}
	if got[1].StoreHost != "[2001:db8::7]:20911" {
		t.Fatalf("IPv6 store host %q", got[1].StoreHost)
	}
	if want := "20010DB8000000000000000000000007000051AF0000000000005678"; got[1].MsgID != want {
		t.Fatalf("IPv6 msg id %s, want %s", got[1].MsgID, want)
	}
	if got[1].Tags() != "z" || got[1].QueueOffset != 8 {
		t.Fatalf("second message fields: %+v", got[1])
	}
	if string(got[2].Body) != "old" || got[2].StoreHost != "192.168.1.2:20911" {
		t.Fatalf("legacy compressed message: body %q host %s", got[2].Body, got[2].StoreHost)
	}
}

func TestDecodeMessagesRejectsDamage(t *testing.T) {
	rec := testRecord{bornIP: net.IPv4zero, storeIP: net.IPv4zero, body: []byte("b"), topic: "T", props: "A\x01b"}.build()

	truncated := rec[:len(rec)-1]
	if _, err := decodeMessages(truncated); err == nil {
		t.Error("truncated record accepted")
	}

	longer := append([]byte(nil), rec...)
	longer = append(longer, 0) // store size says one byte more than the fields use
	binary.BigEndian.PutUint32(longer, uint32(len(longer)))
	if _, err := decodeMessages(longer); err == nil {
		t.Error("record with unused trailing byte accepted")
	}

	lz4 := testRecord{sysFlag: 1 | 1<<8, bornIP: net.IPv4zero, storeIP: net.IPv4zero, body: []byte("x"), topic: "T"}.build()
	if _, err := decodeMessages(lz4); err == nil {
		t.Error("LZ4 body returned without decoding")
	}

	if msgs, err := decodeMessages(nil); err != nil || len(msgs) != 0 {
		t.Errorf("empty body: %v, %v", msgs, err)
	}
}

func TestParseBrokerConfig(t *testing.T) {
	body := "brokerName=broker-a\nbrokerRole=ASYNC_MASTER\nnamesrvAddr=127.0.0.1:9876\nmsgTraceTopicName=RMQ_SYS_TRACE_TOPIC\nempty=\nweird=a=b\\c\n"
	got, err := parseBrokerConfig([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"brokerName": "broker-a", "brokerRole": "ASYNC_MASTER", "namesrvAddr": "127.0.0.1:9876",
		"msgTraceTopicName": "RMQ_SYS_TRACE_TOPIC", "empty": "", "weird": `a=b\c`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	if _, err := parseBrokerConfig([]byte("orphan\nk=v\n")); err == nil {
		t.Fatal("leading line without '=' accepted")
	}
}
