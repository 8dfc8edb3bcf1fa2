package local

import (
	"context"
	"strings"
	"testing"

	"github.com/rmqkb/conformance/internal/topology"
	"github.com/rmqkb/conformance/manifests"
)

// The ACL files are checked here as text; TestRealACL in internal/remoting
// runs a broker on them.

func TestBrokerConfACL(t *testing.T) {
	id := BrokerIdentity{Cluster: "rmq", Shard: "broker-x7k", Ordinal: 1, Port: 30911}
	acl := Template{ExtraEnv: true, Mode: topology.Mode{ACL: true}}
	conf := brokerConf(id, acl, nil, nil, nil)
	if conf[0] != (Setting{"aclEnable", "true"}) || conf[1] != (Setting{"enableDLegerCommitLog", "false"}) {
		t.Errorf("first lines %v, want aclEnable=true and enableDLegerCommitLog=false as the addon's template renders the annotation", conf[:2])
	}
	if got, _ := conf.Get("brokerRole"); got != "SLAVE" {
		t.Errorf("brokerRole %q", got)
	}
	// A user override still wins, as for every template key.
	conf = brokerConf(id, acl, []Setting{{"aclEnable", "false"}}, nil, nil)
	if got, _ := conf.Get("aclEnable"); got != "false" || strings.Count(conf.String(), "aclEnable=") != 1 {
		t.Errorf("override: %q in\n%s", got, conf)
	}
	if _, ok := BrokerConf(id, nil, nil, nil).Get("aclEnable"); ok {
		t.Error("without ACL broker.conf must not mention aclEnable, as the addon's does not")
	}
}

func TestPlainACL(t *testing.T) {
	a := &aclAccount{accessKey: "rocketmq-admin", secretKey: "it's-a-secret"}
	got := addonACL(a).String()
	want := "globalWhiteRemoteAddresses:\n  - '127.0.0.*'\n\naccounts:\n" +
		"  - accessKey: 'rocketmq-admin'\n    secretKey: 'it''s-a-secret'\n    admin: true\n"
	if got != want {
		t.Errorf("plain_acl.yml:\n%s\nwant:\n%s", got, want)
	}
	if strings.HasPrefix(outsideWhitelist, "127.0.0.") {
		t.Errorf("the suite's source %s is inside the whitelist %s", outsideWhitelist, aclWhitelist)
	}
	if got := toolsYML(a); got != "accessKey: 'rocketmq-admin'\nsecretKey: 'it''s-a-secret'\n" {
		t.Errorf("tools.yml:\n%s", got)
	}
	f := addonACL(a)
	f.Accounts[0].WhiteRemoteAddress, f.Accounts[0].DefaultTopicPerm, f.Accounts[0].Admin = "127.0.1.*", "DENY", false
	if got := f.String(); !strings.Contains(got, "    whiteRemoteAddress: '127.0.1.*'\n    defaultTopicPerm: DENY\n    admin: false\n") {
		t.Errorf("an edited account renders as:\n%s", got)
	}
}

// TestAccountPassword: the generated rocketmq-admin password meets the
// policy the addon gives the account (accounts/secret-keys checks Secrets
// against the same), and two are not the same.
func TestAccountPassword(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		p, err := accountPassword()
		if err != nil {
			t.Fatal(err)
		}
		var digits, upper, lower int
		for _, r := range p {
			switch {
			case r >= '0' && r <= '9':
				digits++
			case r >= 'A' && r <= 'Z':
				upper++
			case r >= 'a' && r <= 'z':
				lower++
			}
		}
		if len(p) != 8 || digits != 6 || upper != 1 || lower != 1 {
			t.Fatalf("password of %d characters, %d digits, %d upper, %d lower; the policy is 8, 6 and mixed case", len(p), digits, upper, lower)
		}
		seen[p] = true
	}
	if len(seen) < 45 {
		t.Errorf("50 passwords, %d different", len(seen))
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
	aclMode := manifests.DefaultCluster().WithShape(1, 1).WithMode(topology.Mode{ACL: true})
	_, err := Start(context.Background(), aclMode, WithACLAccount("rocketmq-admin", secret), WithWorkDir(t.TempDir()))
	if err == nil || !strings.Contains(err.Error(), "at least 7") || strings.Contains(err.Error(), secret) {
		t.Errorf("Start with a short secret: %v", err)
	}
}

// TestACLAccountNeedsACLMode: an account is not a mode. Given for a
// Cluster whose mode has no ACL, Start refuses it before anything runs,
// rather than run ACL brokers the Topology says run without.
func TestACLAccountNeedsACLMode(t *testing.T) {
	const secret = "Ab3456789-secret"
	for _, mode := range []topology.Mode{{}, {DLedger: true}} {
		m := manifests.DefaultCluster().WithShape(1, 1).WithMode(mode)
		c, err := Start(context.Background(), m, WithACLAccount("rocketmq-admin", secret), WithWorkDir(t.TempDir()))
		if c != nil || err == nil || !strings.Contains(err.Error(), "runs mode "+mode.String()) || !strings.Contains(err.Error(), manifests.ExtraEnvAnnotation) || strings.Contains(err.Error(), secret) {
			t.Errorf("mode %s with an account: %v, %v; want a refusal naming the mode and the annotation", mode, c, err)
		}
	}
	if a, err := aclAccountFor(topology.Mode{}, nil); a != nil || err != nil {
		t.Errorf("default mode: account %v, %v; want none", a, err)
	}
	a, err := aclAccountFor(topology.Mode{ACL: true}, nil)
	if err != nil || a == nil || a.accessKey != adminAccount || a.check() != nil {
		t.Errorf("ACL mode without an account: %v; want a generated %s", err, adminAccount)
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
