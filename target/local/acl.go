package local

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/rmqkb/conformance/internal/topology"
	"github.com/rmqkb/conformance/manifests"
)

// ACL mode, as the addon's broker-setup.sh init_acl writes it: aclEnable in
// broker.conf, and a plain_acl.yml whose global whitelist holds the /24 of
// every broker pod IP and whose one account is the rocketmq-admin system
// account, admin. Pods in the /24 (slaves syncing from their master) are
// let through unsigned; anyone else must sign.

// aclWhitelist is the brokers' /24, as init_acl computes it from their pod
// IPs: on loopback every broker is 127.0.0.1. A client outside it comes
// from another loopback address (ClientSource).
const aclWhitelist = "127.0.0.*"

// outsideWhitelist is the loopback address the suite's own clients dial
// from in ACL mode: local, outside aclWhitelist, so every request they
// make must be signed, as a client's from outside the pod network.
const outsideWhitelist = "127.0.1.1"

// adminAccount is the addon's broker system account.
const adminAccount = "rocketmq-admin"

// aclAccount is the account the suite signs with: the addon's
// rocketmq-admin, or the one WithACLAccount names.
type aclAccount struct{ accessKey, secretKey string }

// aclAccountFor is the account brokers of mode run with: none without
// ACL; given, checked, when WithACLAccount gave one; otherwise
// rocketmq-admin as KubeBlocks makes it, with a password to the account's
// policy, one per run, the same for every shard (the Cluster seeds it),
// kept in memory only. An account for a mode without ACL is an error: the
// mode alone says whether the brokers run with ACL.
func aclAccountFor(mode topology.Mode, given *aclAccount) (*aclAccount, error) {
	switch {
	case !mode.ACL && given != nil:
		return nil, fmt.Errorf("an ACL account was given, but the Cluster runs mode %s: its %s annotation must set ENABLE_ACL=true (manifests.Cluster.WithMode)", mode, manifests.ExtraEnvAnnotation)
	case !mode.ACL:
		return nil, nil
	case given != nil:
		return given, given.check()
	}
	pw, err := accountPassword()
	if err != nil {
		return nil, err
	}
	a := &aclAccount{accessKey: adminAccount, secretKey: pw}
	return a, a.check()
}

// keys returns the pair, or two empty strings when ACL is off (a nil
// account).
func (a *aclAccount) keys() (accessKey, secretKey string) {
	if a == nil {
		return "", ""
	}
	return a.accessKey, a.secretKey
}

// aclMinLen: RocketMQ's PlainPermissionManager refuses keys of 6
// characters or fewer, and its error message quotes both keys.
const aclMinLen = 7

// check validates the account before any file is written, so RocketMQ never
// gets to print the secret in a refusal. Errors never quote the secret key.
func (a *aclAccount) check() error {
	if len(a.accessKey) < aclMinLen || len(a.secretKey) < aclMinLen {
		return fmt.Errorf("ACL keys must be at least %d characters long (RocketMQ refuses shorter ones); the access key has %d, the secret key %d", aclMinLen, len(a.accessKey), len(a.secretKey))
	}
	for _, k := range []struct{ name, v string }{{"access key", a.accessKey}, {"secret key", a.secretKey}} {
		for _, r := range k.v {
			if r <= ' ' || r > '~' {
				return errors.New("the ACL " + k.name + " may hold printable ASCII only, without blanks")
			}
		}
	}
	return nil
}

// ACLFile is plain_acl.yml as a broker reads it. WithACLFile lets tests
// change it, to plant an ACL the addon would not write.
type ACLFile struct {
	// GlobalWhiteRemoteAddresses are let through without a signature.
	GlobalWhiteRemoteAddresses []string
	// Accounts are the plain-ACL accounts; the addon writes one.
	Accounts []ACLAccount
}

// ACLAccount is one account of plain_acl.yml.
type ACLAccount struct {
	AccessKey, SecretKey string
	WhiteRemoteAddress   string // requests from here skip the signature check
	Admin                bool
	DefaultTopicPerm     string // DENY, PUB, SUB or PUB|SUB; empty: RocketMQ's default
}

// addonACL is the file init_acl writes for the account a.
func addonACL(a *aclAccount) ACLFile {
	return ACLFile{
		GlobalWhiteRemoteAddresses: []string{aclWhitelist},
		Accounts:                   []ACLAccount{{AccessKey: a.accessKey, SecretKey: a.secretKey, Admin: true}},
	}
}

// yamlQuote renders s as a single-quoted YAML scalar.
func yamlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// String renders the file.
func (f ACLFile) String() string {
	var b strings.Builder
	b.WriteString("globalWhiteRemoteAddresses:\n")
	for _, w := range f.GlobalWhiteRemoteAddresses {
		b.WriteString("  - " + yamlQuote(w) + "\n")
	}
	b.WriteString("\naccounts:\n")
	for _, a := range f.Accounts {
		b.WriteString("  - accessKey: " + yamlQuote(a.AccessKey) + "\n")
		b.WriteString("    secretKey: " + yamlQuote(a.SecretKey) + "\n")
		if a.WhiteRemoteAddress != "" {
			b.WriteString("    whiteRemoteAddress: " + yamlQuote(a.WhiteRemoteAddress) + "\n")
		}
		if a.DefaultTopicPerm != "" {
			b.WriteString("    defaultTopicPerm: " + a.DefaultTopicPerm + "\n")
		}
		fmt.Fprintf(&b, "    admin: %v\n", a.Admin)
	}
	return b.String()
}

// toolsYML renders conf/tools.yml, where mqadmin (MQAdminStartup) looks for
// the account it signs with.
func toolsYML(a *aclAccount) string {
	return "accessKey: " + yamlQuote(a.accessKey) + "\n" +
		"secretKey: " + yamlQuote(a.secretKey) + "\n"
}

// accountPassword makes a password to the broker account's policy in the
// addon (length 8, 6 digits, letterCase MixedCases: one upper and one
// lower case letter), in a random order, as KubeBlocks generates one.
func accountPassword() (string, error) {
	const digits, lower, upper = "0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	pick := func(from string) (byte, error) {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(from))))
		if err != nil {
			return 0, err
		}
		return from[n.Int64()], nil
	}
	var p []byte
	for _, from := range []string{digits, digits, digits, digits, digits, digits, lower, upper} {
		c, err := pick(from)
		if err != nil {
			return "", fmt.Errorf("generate the account password: %w", err)
		}
		p = append(p, c)
	}
	for i := len(p) - 1; i > 0; i-- {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", fmt.Errorf("generate the account password: %w", err)
		}
		j := n.Int64()
		p[i], p[j] = p[j], p[i]
	}
	return string(p), nil
}
