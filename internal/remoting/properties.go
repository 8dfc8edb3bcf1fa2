package remoting

import (
	"fmt"
	"strings"
)

// parseBrokerConfig reads the GET_BROKER_CONFIG body. The broker builds
// it with MixAll.properties2String: one "key=value\n" per entry, with no
// escaping at all. So it is parsed as written, splitting each line at the
// first '=', rather than with java.util.Properties.load rules, which
// would mangle values holding backslashes, ':' or leading blanks.
//
// Keys are Java field names and never contain '=' or line breaks; a
// value holding a line break would show up as a following line without
// '=', which is appended back onto the previous value. A leading line
// without '=' cannot be attributed and is an error.
func parseBrokerConfig(body []byte) (map[string]string, error) {
	out := make(map[string]string)
	last := ""
	for i, line := range strings.Split(string(body), "\n") {
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			if last == "" {
				return nil, fmt.Errorf("broker config line %d: no '=' in %q", i+1, line)
			}
			out[last] += "\n" + line
			continue
		}
		out[k] = v
		last = k
	}
	return out, nil
}
