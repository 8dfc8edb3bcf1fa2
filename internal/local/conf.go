package local

import (
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
	s := Settings{
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
	}
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
