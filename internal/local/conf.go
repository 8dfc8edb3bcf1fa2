package local

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Setting is one key=value line of a Java properties file.
type Setting struct{ Key, Value string }

// Settings is an ordered properties file; Set replaces a key in place, so a
// file never holds a key twice.
type Settings []Setting

// Set replaces key's value, or appends it.
func (s *Settings) Set(key, value string) {
	for i := range *s {
		if (*s)[i].Key == key {
			(*s)[i].Value = value
			return
		}
	}
	*s = append(*s, Setting{key, value})
}

// Get returns key's value.
func (s Settings) Get(key string) (string, bool) {
	for _, kv := range s {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// String renders the file.
func (s Settings) String() string {
	var b strings.Builder
	for _, kv := range s {
		fmt.Fprintf(&b, "%s=%s\n", kv.Key, kv.Value)
	}
	return b.String()
}

var keyRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.]*$`)

// reserved keys are set by the launcher itself: changing them would break
// the port plan or the store layout the supervision relies on.
var reserved = map[string]string{
	"listenPort":         "ports are allocated by the launcher (use --port-base)",
	"brokerIP1":          "brokers advertise loopback on the local target",
	"brokerIP2":          "brokers advertise loopback on the local target",
	"storePathRootDir":   "each broker's store is its own folder, like a PVC",
	"storePathCommitLog": "each broker's store is its own folder, like a PVC",
}

// ParseSetting reads a KEY=VALUE flag value; flag names the flag in errors.
func ParseSetting(flag, s string) (Setting, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return Setting{}, fmt.Errorf("%s %q: expected KEY=VALUE", flag, s)
	}
	k = strings.TrimSpace(k)
	if !keyRE.MatchString(k) {
		return Setting{}, fmt.Errorf("%s %q: %q is not a broker config key (letters, digits, dots)", flag, s, k)
	}
	if strings.ContainsAny(v, "\r\n") {
		return Setting{}, fmt.Errorf("%s %q: the value may not contain a line break", flag, s)
	}
	if why, ok := reserved[k]; ok {
		return Setting{}, fmt.Errorf("%s %q: %s cannot be overridden: %s", flag, s, k, why)
	}
	return Setting{k, v}, nil
}

// BrokerIdentity is what makes a broker the one it is: on the addon these
// come from the pod (cluster name, shard name, ordinal).
type BrokerIdentity struct {
	Cluster string
	Shard   string
	Ordinal int
	Port    int // listenPort; VIP is Port-2 and HA is Port+1
}

// Master reports whether the addon makes this broker the master: ordinal 0.
func (id BrokerIdentity) Master() bool { return id.Ordinal == 0 }

// BrokerConf renders broker.conf as the addon does on a pod's first boot: the
// ConfigMap template of rocketmq4-broker-config.tpl (without ACL and DLedger
// extra-env), then what broker-setup.sh appends (brokerId = ordinal, role by
// ordinal), then loopback addresses (the pod IP's stand-in), then the user's
// overrides: every broker's, then the role's.
func BrokerConf(id BrokerIdentity, all, master, slave []Setting) Settings {
	return brokerConf(id, false, all, master, slave)
}

// brokerConf is BrokerConf, with the template's first line, aclEnable=true,
// when acl is on (the addon renders it only when the Cluster's extra-env
// carries ENABLE_ACL).
func brokerConf(id BrokerIdentity, acl bool, all, master, slave []Setting) Settings {
	var s Settings
	if acl {
		s.Set("aclEnable", "true")
	}
	s = append(s, Settings{
		{"traceOn", "true"},
		{"autoCreateTopicEnable", "false"},
		{"autoCreateSubscriptionGroup", "true"},
		{"enableIncrementalTopicCreation", "true"},
		{"generateConfigForScaleOutEnable", "false"},
		{"enableNameServerAddressResolve", "true"},
		{"listenPort", strconv.Itoa(id.Port)},
		{"flushDiskType", "SYNC_FLUSH"},
		{"enablePropertyFilter", "true"},
		{"transactionCheckInterval", "60000"},
		{"waitTimeMillsInSendQueue", "900"},
		{"maxMessageSize", "5242880"},
		{"brokerClusterName", id.Cluster},
		{"brokerName", id.Shard},
		{"brokerId", strconv.Itoa(id.Ordinal)},
	}...)
	if id.Master() {
		s.Set("brokerRole", "ASYNC_MASTER")
	} else {
		s.Set("brokerRole", "SLAVE")
	}
	s.Set("brokerIP1", "127.0.0.1")
	s.Set("brokerIP2", "127.0.0.1")
	for _, kv := range all {
		s.Set(kv.Key, kv.Value)
	}
	role := slave
	if id.Master() {
		role = master
	}
	for _, kv := range role {
		s.Set(kv.Key, kv.Value)
	}
	return s
}

// logbackXML is the logging config every process gets: one file per
// process, named by the rmq.logfile system property, so a failing process's
// log can be quoted in the report.
const logbackXML = `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${rmq.logfile}</file>
    <append>true</append>
    <encoder><pattern>%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
`

// aclAccount is the one plain-ACL account of WithACL.
type aclAccount struct{ accessKey, secretKey string }

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

// aclWhitelist stands for the addon's globalWhiteRemoteAddresses. The addon
// lists the /24 of every broker pod IP (e.g. 10.244.0.*). On loopback every
// client, the suite's included, connects from 127.0.0.1, so the analogue,
// 127.0.0.*, would whitelist everything and no signature would ever be
// checked: ACL would be on in name only. Instead the list keeps the addon's
// shape, one /24 wildcard, but names TEST-NET-1 (RFC 5737), documentation
// space that no connection on this machine comes from, so the broker checks
// every request's signature.
const aclWhitelist = "192.0.2.*"

// yamlQuote renders s as a single-quoted YAML scalar.
func yamlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// plainACL renders conf/plain_acl.yml as the addon's init_acl leaves it: its
// template (an empty globalWhiteRemoteAddresses and accounts) with the
// whitelist and one admin account inserted. The account has no
// whiteRemoteAddress, as on the addon, so it must always sign.
func plainACL(a *aclAccount) string {
	return "globalWhiteRemoteAddresses:\n" +
		"  - " + aclWhitelist + "\n" +
		"\n" +
		"accounts:\n" +
		"  - accessKey: " + yamlQuote(a.accessKey) + "\n" +
		"    secretKey: " + yamlQuote(a.secretKey) + "\n" +
		"    admin: true\n"
}

// toolsYML renders conf/tools.yml, where mqadmin (MQAdminStartup) looks for
// the account it signs with.
func toolsYML(a *aclAccount) string {
	return "accessKey: " + yamlQuote(a.accessKey) + "\n" +
		"secretKey: " + yamlQuote(a.secretKey) + "\n"
}

// redactedLogbackXML is logbackXML for an ACL topology. RocketMQ logs the
// whole ACL file at INFO when a broker loads it ("Broker plain acl conf data
// is : {...secretKey...}"), and the suite quotes and collects process logs
// in its reports. So every message, and the stack trace printed with it,
// has the secret key replaced by ****** before it reaches the file. The
// pattern spells the secret as \xHH escapes: plain ASCII that needs no XML
// or logback quoting. (That is an encoding, not a protection: the file is
// as private as plain_acl.yml.)
func redactedLogbackXML(secret string) string {
	var re strings.Builder
	for i := 0; i < len(secret); i++ {
		fmt.Fprintf(&re, `\x%02x`, secret[i])
	}
	return strings.Replace(logbackXML, "%msg%n",
		"%replace(%msg%n%ex){'"+re.String()+"', '******'}%nopex", 1)
}
