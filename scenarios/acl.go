package scenarios

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios/readback"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of accounts/acl-enforced.
var (
	aclUnsigned = verdict.Clause{ID: "unsigned-refused", Text: "an unsigned request from outside the whitelist is refused with the ACL error"}
	aclWrong    = verdict.Clause{ID: "wrong-secret-refused", Text: "a request signed with a wrong secret is refused"}
	aclAccount  = verdict.Clause{ID: "account-works", Text: "the shard's rocketmq-admin account is accepted, for admin requests and for a message sent and read back intact"}
	aclNamesrv  = verdict.Clause{ID: "namesrv-unsigned", Text: "the namesrv answers unsigned requests"}
)

// aclEnforcedCase is accounts/acl-enforced; accounts.go registers it in
// the suite's order.
var aclEnforcedCase = Case{Case: verdict.Case{
	Suite: "accounts", Name: "acl-enforced",
	Promise: "With ACL on, every master refuses a request from outside the brokers' /24 whitelist that is unsigned or signed with a wrong secret, with the broker's ACL error, " +
		"and accepts one signed with its shard's rocketmq-admin account; a message sent and read back with that account from outside the whitelist arrives intact; the namesrv answers unsigned requests (RocketMQ 4.x has no namesrv ACL).",
	Description: "The addon's init_acl whitelists the /24 of every broker pod IP and adds rocketmq-admin as an admin account; a client outside the /24 must sign. " +
		"The local target runs its brokers on 127.0.0.1 with 127.0.0.* whitelisted and dials the suite's own clients from 127.0.1.1; on kube the credentials come from each shard's Secret. " +
		"Where the suite itself runs inside the whitelist (in-cluster, from a pod in the brokers' /24), the refusal clauses cannot be observed and the evidence says so.",
	Clauses: []verdict.Clause{clauseBrokers, aclUnsigned, aclWrong, aclAccount, aclNamesrv},
	Needs:   []verdict.Capability{verdict.Messaging},
	OnlyIn:  Mode{ACL: true},
}, Run: aclEnforced}

// shardCredentials is the account shard's brokers accept.
func shardCredentials(tgt target.Target, shard string) (string, string) {
	if c := tgt.Abilities().PerShard; c != nil {
		return c.CredentialsOf(shard)
	}
	return tgt.Credentials()
}

func aclEnforced(ctx context.Context, t *T) {
	shards := awaitShards(ctx, t)
	src := t.Target.Abilities().Source
	client := func(opts ...remoting.Option) *remoting.Client {
		opts = append(opts, remoting.WithTimeout(5*time.Second), remoting.WithSource(src))
		c := remoting.New(opts...)
		t.Cleanup(func() { c.Close() })
		return c
	}
	unsigned := client()
	if t.plants.signUnsigned {
		unsigned = client(remoting.WithCredentials(shardCredentials(t.Target, shards[0].Name)))
	}
	from, err := sourceTo(ctx, shards[0].Master().Addr, src)
	if err != nil {
		t.Erroredf("find the address the suite dials from: %v", err)
	}
	inside := whitelisted(from, shards)
	if inside {
		t.Logf("the suite dials from %s, inside the brokers' whitelist (%s): a refusal cannot be observed from here, so the unsigned and wrong-secret clauses are not checked", from, strings.Join(whitelist(shards), ", "))
	} else {
		t.Logf("the suite dials from %s, outside the brokers' whitelist (%s)", from, strings.Join(whitelist(shards), ", "))
	}
	for _, s := range shards {
		ak, sk := shardCredentials(t.Target, s.Name)
		if ak == "" {
			t.Erroredf("not judged: the target names no account for shard %s, though the Cluster runs with ACL", s.Name)
		}
		m := s.Master()
		signed := client(remoting.WithCredentials(ak, sk))
		if _, err := brokerConfigOf(ctx, t, signed, m.Addr); err != nil {
			t.Errorf(aclAccount, "master %s refused a request signed with shard %s's account %s: %v", m.Pod, s.Name, ak, err)
		} else {
			t.Logf("master %s accepted a request signed with %s", m.Pod, ak)
		}
		if inside {
			continue
		}
		expectACLRefusal(ctx, t, aclUnsigned, unsigned, m, "an unsigned request", "AclException")
		expectACLRefusal(ctx, t, aclWrong, client(remoting.WithCredentials(ak, wrongSecret(sk))), m, "a request signed with a wrong secret", "signature")
	}
	// A namesrv that refuses unsigned requests ends the case: RocketMQ 4.9
	// has no namesrv ACL, so what answers there is no namesrv the rest of
	// the case can use.
	for _, ns := range namesrvAddrs(ctx, t) {
		if _, err := unsigned.ClusterInfo(ctx, ns); err != nil {
			t.Fatalf(aclNamesrv, "namesrv %s refused an unsigned request: %v", ns, err)
		}
	}
	aclRoundTrip(ctx, t, shards, client)
}

// expectACLRefusal checks, under clause c, that master m refuses rc's
// request with the broker's ACL error, whose remark holds want.
func expectACLRefusal(ctx context.Context, t *T, c verdict.Clause, rc *remoting.Client, m target.Broker, what, want string) {
	_, err := brokerConfigOf(ctx, t, rc, m.Addr)
	var re *remoting.ResponseError
	switch {
	case err == nil:
		t.Errorf(c, "master %s accepted %s from outside the whitelist", m.Pod, what)
	case !errors.As(err, &re) || !strings.Contains(re.Remark, want):
		t.Errorf(c, "master %s answered %s with %v, not the broker's ACL refusal (%s)", m.Pod, what, err, want)
	default:
		t.Logf("master %s refused %s: %s", m.Pod, what, firstOf(re.Remark, 120))
	}
}

// aclRoundTrip sends one message to every master, signed with its shard's
// account, and reads it back signed: the credentials carry real traffic.
func aclRoundTrip(ctx context.Context, t *T, shards []target.Shard, client func(...remoting.Option) *remoting.Client) {
	topic := uniqueName("conformance-acl")
	createTopicJudged(ctx, t, aclAccount, topic, 1)
	for _, s := range shards {
		ak, sk := shardCredentials(t.Target, s.Name)
		rc := client(remoting.WithCredentials(ak, sk))
		m := s.Master()
		key := topic + "-" + s.Name
		body := []byte("signed by " + ak + " for " + s.Name)
		res, err := rc.Send(ctx, m.Addr, remoting.SendRequest{Group: "conformance-acl", Topic: topic, Body: body, Properties: map[string]string{"KEYS": key}})
		if err != nil {
			t.Errorf(aclAccount, "master %s refused a message signed with %s: %v", m.Pod, ak, err)
			continue
		}
		if res.Warning != "" {
			h := newHistory(t)
			h.AckWarned(key, s.Name, res.QueueID, res.QueueOffset, res.Warning)
		}
		cov := readback.AwaitCovered(ctx, adminOf(t), m, topic, map[int]int64{0: res.QueueOffset})
		got, err := rc.Pull(ctx, m.Addr, remoting.PullRequest{Group: readback.ReaderGroup, Topic: topic, Offset: res.QueueOffset, MaxMsgs: 1})
		switch {
		case err != nil:
			t.Errorf(aclAccount, "read back the signed message from %s: %v", m.Pod, err)
		case len(got.Messages) != 1 || got.Messages[0].Keys() != key || !bytes.Equal(got.Messages[0].Body, body):
			t.Errorf(aclAccount, "read back from %s at offset %d after %s: %d messages, not the one sent signed", m.Pod, res.QueueOffset, cov.Waited.Round(time.Millisecond), len(got.Messages))
		default:
			t.Logf("a message signed with %s was stored by %s at offset %d and read back intact", ak, m.Pod, res.QueueOffset)
		}
	}
}

// wrongSecret is secret with its last character changed: as long, and as
// close, as a secret can be and still be wrong.
func wrongSecret(secret string) string {
	if secret == "" {
		return "x"
	}
	last := secret[len(secret)-1]
	return secret[:len(secret)-1] + string(map[bool]byte{true: 'x', false: 'y'}[last != 'x'])
}

// sourceTo is the local address the suite's connection to addr comes from.
func sourceTo(ctx context.Context, addr, source string) (net.IP, error) {
	d := net.Dialer{Timeout: 3 * time.Second}
	if ip := net.ParseIP(source); ip != nil {
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.TCPAddr).IP, nil
}

// whitelist is what the addon's init_acl whitelists: the /24 of every
// broker's address, as a wildcard.
func whitelist(shards []target.Shard) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range shards {
		for _, b := range s.Brokers {
			if w := slash24(b.Addr); w != "" && !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}

// slash24 is "a.b.c.*" for an IPv4 host:port, or "".
func slash24(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	ip := net.ParseIP(host).To4()
	if ip == nil {
		return ""
	}
	return fmt.Sprintf("%d.%d.%d.*", ip[0], ip[1], ip[2])
}

// whitelisted reports whether ip is in the brokers' whitelist.
func whitelisted(ip net.IP, shards []target.Shard) bool {
	w := slash24(net.JoinHostPort(ip.String(), "0"))
	for _, x := range whitelist(shards) {
		if x == w {
			return true
		}
	}
	return false
}

// firstOf is s cut to n bytes, with an ellipsis when cut.
func firstOf(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
