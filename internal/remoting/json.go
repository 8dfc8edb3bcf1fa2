package remoting

import "encoding/json"

// fastjson, which RocketMQ 4.x uses for bodies, writes maps with
// non-string keys without quoting them, e.g.
//
//	{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"}}
//
// That is not JSON and encoding/json rejects it. quoteIntegerKeys is a
// single pass over the bytes that wraps every bare numeric object key in
// double quotes. It tracks string literals (with escapes) so text that
// merely looks like a key inside a value is never touched, and a
// container stack so numbers in arrays or in value position stay as they
// are. Input that needs no change is returned as is, without copying.
func quoteIntegerKeys(in []byte) []byte {
	var (
		out       []byte // nil until the first rewrite
		copied    int    // in[:copied] is already in out
		inObject  []bool // container stack: true for '{', false for '['
		expectKey bool   // next token, if any, is an object key
	)
	for i := 0; i < len(in); {
		c := in[i]
		switch {
		case c == '"':
			i = skipString(in, i)
			expectKey = false
			continue
		case c == '{':
			inObject = append(inObject, true)
			expectKey = true
		case c == '[':
			inObject = append(inObject, false)
			expectKey = false
		case c == '}' || c == ']':
			if len(inObject) > 0 {
				inObject = inObject[:len(inObject)-1]
			}
			expectKey = false
		case c == ',':
			expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			// whitespace does not change what comes next
		case expectKey && (c == '-' || (c >= '0' && c <= '9')):
			end := i + 1
			for end < len(in) && isNumberByte(in[end]) {
				end++
			}
			out = append(out, in[copied:i]...)
			out = append(out, '"')
			out = append(out, in[i:end]...)
			out = append(out, '"')
			copied, i, expectKey = end, end, false
			continue
		default:
			expectKey = false
		}
		i++
	}
	if out == nil {
		return in
	}
	return append(out, in[copied:]...)
}

// skipString returns the index just past the string literal that opens
// at in[start] (a '"'), honouring backslash escapes. An unterminated
// string runs to the end; encoding/json reports that later.
func skipString(in []byte, start int) int {
	for i := start + 1; i < len(in); i++ {
		switch in[i] {
		case '\\':
			i++ // skip the escaped byte, including an escaped quote
		case '"':
			return i + 1
		}
	}
	return len(in)
}

// isNumberByte reports bytes that can continue a JSON number token.
func isNumberByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// decodeJSON decodes a fastjson-produced body into v, tolerating bare
// integer keys. encoding/json then fills map[int64]T from the quoted
// keys, which is how BrokerData.BrokerAddrs gets its broker ids.
func decodeJSON(data []byte, v any) error {
	return json.Unmarshal(quoteIntegerKeys(data), v)
}
