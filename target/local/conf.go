package local

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/rmqkb/conformance/internal/topology"
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
	Port    int // listenPort; VIP is Port-2, HA Port+1 and DLedger Port+2
	// Peers is the shard's dLegerPeers, n<ordinal>-<addr>:<dledger port>
	// for every broker of the shard, in DLedger mode.
	Peers string
}

// Master reports whether the addon makes this broker the master: ordinal 0.
// In DLedger mode Raft decides; the ordinal then only picks which brokers
// --master-config applies to.
func (id BrokerIdentity) Master() bool { return id.Ordinal == 0 }

// DLedgerPort is the port the broker's Raft member listens on in DLedger
// mode (the addon's 40911).
func (id BrokerIdentity) DLedgerPort() int { return id.Port + 2 }

// Template is what the Cluster's kubeblocks.io/extra-env annotation makes
// of the addon's broker.conf.
type Template struct {
	// ExtraEnv: the annotation names the switches, so the template writes
	// aclEnable and enableDLegerCommitLog first, with their values.
	ExtraEnv bool
	Mode     topology.Mode
}

// BrokerConf renders broker.conf as the addon does on a pod's first boot
// in its default mode; see brokerConf.
func BrokerConf(id BrokerIdentity, all, master, slave []Setting) Settings {
	return brokerConf(id, Template{}, all, master, slave)
}

// brokerConf renders broker.conf as the addon does on a pod's first boot:
// the ConfigMap template of rocketmq4-broker-config.tpl, then what
// broker-setup.sh appends (brokerId = ordinal and the role by ordinal; or,
// in DLedger mode, the shard's Raft group, the broker's member id and every
// member), then loopback addresses (the pod IP's stand-in), then the
// user's overrides: every broker's, then the role's.
func brokerConf(id BrokerIdentity, tpl Template, all, master, slave []Setting) Settings {
	var s Settings
	if tpl.ExtraEnv {
		s.Set("aclEnable", strconv.FormatBool(tpl.Mode.ACL))
		s.Set("enableDLegerCommitLog", strconv.FormatBool(tpl.Mode.DLedger))
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
	}...)
	switch {
	case tpl.Mode.DLedger:
		s.Set("dLegerGroup", id.Shard)
		s.Set("dLegerSelfId", "n"+strconv.Itoa(id.Ordinal))
		s.Set("dLegerPeers", id.Peers)
	case id.Master():
		s.Set("brokerId", strconv.Itoa(id.Ordinal))
		s.Set("brokerRole", "ASYNC_MASTER")
	default:
		s.Set("brokerId", strconv.Itoa(id.Ordinal))
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

// dLegerPeers renders a shard's members as broker-setup.sh does, with
// loopback addresses and each member's DLedger port in place of pod FQDNs
// and 40911.
func dLegerPeers(ids []BrokerIdentity) string {
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("n%d-127.0.0.1:%d", id.Ordinal, id.DLedgerPort()))
	}
	return strings.Join(parts, ";")
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
