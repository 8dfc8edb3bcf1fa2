package remoting

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"sort"
	"strings"
	"testing"
)

// Vectors computed outside Go with
//
//	echo -n ak3Txyz | openssl dgst -sha1 -hmac sk -binary | base64
//
// i.e. values sorted by key (AccessKey < queueId < topic), then body.
func TestACLSignVector(t *testing.T) {
	cases := []struct {
		ext    map[string]string
		body   string
		secret string
		want   string
	}{
		{map[string]string{"topic": "T", "queueId": "3", "AccessKey": "ak"}, "xyz", "sk",
			"R9BAvvFHB3dMuVjDBNs4QrlWQQg="},
		// Signature itself is excluded; upper case sorts before lower.
		{map[string]string{"AccessKey": "rocketmq", "group": "GROUP_A", "queueId": "0", "topic": "TopicTest", "Signature": "stale"},
			"body", "12345678", "F9jMZQTdJaSst5hv9e5X3CZJVPc="},
	}
	for _, c := range cases {
		if got := aclSign(c.ext, []byte(c.body), c.secret); got != c.want {
			t.Errorf("aclSign(%v, %q) = %s, want %s", c.ext, c.body, got, c.want)
		}
	}
}

// verifySignature recomputes the signature the way PlainAccessValidator
// does, written out independently of aclSign.
func verifySignature(ext map[string]string, body []byte, secret string) bool {
	var keys []string
	for k := range ext {
		if k != "Signature" && k != "_UNIQUE_KEY_QUERY" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var content strings.Builder
	for _, k := range keys {
		content.WriteString(ext[k])
	}
	content.Write(body)
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(content.String()))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(want), []byte(ext["Signature"]))
}

func TestACLEndToEnd(t *testing.T) {
	const ak, sk = "rocketmq2", "12345678"
	seen := make(chan *command, 1)
	srv := newFakeServer(t, func(req *command) *command {
		seen <- req
		if req.ExtFields["AccessKey"] != ak || !verifySignature(req.ExtFields, req.Body, sk) {
			return &command{Code: 16, Remark: "check signature failed"}
		}
		return &command{Code: 0, ExtFields: map[string]string{"offset": "9"}}
	})
	c := New(WithCredentials(ak, sk))
	defer c.Close()
	off, err := c.MaxOffset(context.Background(), srv.addr(), "TopicTest", 2)
	if err != nil {
		t.Fatal(err)
	}
	if off != 9 {
		t.Fatalf("offset %d, want 9", off)
	}
	req := <-seen
	if req.ExtFields["topic"] != "TopicTest" || req.ExtFields["queueId"] != "2" {
		t.Fatalf("header fields lost: %v", req.ExtFields)
	}

	// Without credentials nothing is added.
	plain := New(WithCredentials("", "ignored"))
	defer plain.Close()
	_, err = plain.MaxOffset(context.Background(), srv.addr(), "TopicTest", 2)
	req = <-seen
	if _, ok := req.ExtFields["Signature"]; ok {
		t.Fatal("unsigned client sent a Signature")
	}
	if err == nil {
		t.Fatal("fake server should have refused the unsigned request")
	}
}
