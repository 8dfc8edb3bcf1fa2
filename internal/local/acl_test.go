package local

import (
	"context"
	"strings"
	"testing"

	"github.com/rmqkb/conformance/manifests"
)

// The ACL files are checked here as text; TestRealACL in internal/remoting
// runs a broker on them.

func TestBrokerConfACL(t *testing.T) {
	id := BrokerIdentity{Cluster: "rmq", Shard: "broker-x7k", Ordinal: 1, Port: 30911}
	conf := brokerConf(id, true, nil, nil, nil)
	if conf[0] != (Setting{"aclEnable", "true"}) {
		t.Errorf("first line %v, want aclEnable=true as in the addon's template", conf[0])
	}
	if got, _ := conf.Get("brokerRole"); got != "SLAVE" {
		t.Errorf("brokerRole %q", got)
	}
	// A user override still wins, as for every template key.
	conf = brokerConf(id, true, []Setting{{"aclEnable", "false"}}, nil, nil)
	if got, _ := conf.Get("aclEnable"); got != "false" || strings.Count(conf.String(), "aclEnable=") != 1 {
		t.Errorf("override: %q in\n%s", got, conf)
	}
	if _, ok := BrokerConf(id, nil, nil, nil).Get("aclEnable"); ok {
		t.Error("without ACL broker.conf must not mention aclEnable, as the addon's does not")
	}
}

func TestPlainACL(t *testing.T) {
	a := &aclAccount{accessKey: "rocketmq-admin", secretKey: "it's-a-secret"}
	got := plainACL(a)
	want := "globalWhiteRemoteAddresses:\n  - 192.0.2.*\n\naccounts:\n" +
		"  - accessKey: 'rocketmq-admin'\n    secretKey: 'it''s-a-secret'\n    admin: true\n"
	if got != want {
		t.Errorf("plain_acl.yml:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(got, "127.") {
		t.Error("the whitelist must not cover loopback, or no signature is ever checked")
	}
	if got := toolsYML(a); got != "accessKey: 'rocketmq-admin'\nsecretKey: 'it''s-a-secret'\n" {
		t.Errorf("tools.yml:\n%s", got)
	}
}

func TestACLKeysChecked(t *testing.T) {
	const secret = "s3cr"
	for _, a := range []*aclAccount{
		{accessKey: "rocketmq-admin", secretKey: secret},
		{accessKey: "short", secretKey: secret + "-long-enough"},
		{accessKey: "rocketmq-admin", secretKey: secret + " with blanks"},
		{accessKey: "rocketmq-admin", secretKey: secret + "\nnewline"},
	} {
		err := a.check()
		if err == nil {
			t.Errorf("%q accepted", a.accessKey)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error quotes the secret: %v", err)
		}
	}
	if err := (&aclAccount{accessKey: "rocketmq-admin", secretKey: "Ab3456789"}).check(); err != nil {
		t.Errorf("good keys refused: %v", err)
	}

	// Start refuses before anything runs, and does not quote the secret.
	_, err := Start(context.Background(), manifests.DefaultCluster().WithShape(1, 1), WithACL("rocketmq-admin", secret), WithWorkDir(t.TempDir()))
	if err == nil || !strings.Contains(err.Error(), "at least 7") || strings.Contains(err.Error(), secret) {
		t.Errorf("Start with a short secret: %v", err)
	}
}

func TestRedactedLogback(t *testing.T) {
	const secret = "Xy7-'&<>\"}{,secret"
	xml := redactedLogbackXML(secret)
	if strings.Contains(xml, secret) || strings.Contains(xml, "secret") {
		t.Errorf("the logging config holds the secret:\n%s", xml)
	}
	if !strings.Contains(xml, `%replace(%msg%n%ex){'\x58\x79\x37\x2d\x27\x26\x3c\x3e\x22\x7d\x7b\x2c`) || !strings.Contains(xml, "%nopex") {
		t.Errorf("no redaction in:\n%s", xml)
	}
	if ak, sk := (*aclAccount)(nil).keys(); ak != "" || sk != "" {
		t.Errorf("no ACL: keys %q %q", ak, sk)
	}
}
