package remoting

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"sort"
)

// Header field names of the RocketMQ 4.x plain ACL (SessionCredentials).
const (
	aclAccessKey = "AccessKey"
	aclSignature = "Signature"
)

// signRequest adds the plain-ACL fields to a request the way
// AclClientRPCHook does: AccessKey is put into extFields first, so it is
// itself part of the signed content, then Signature is computed and
// added. The broker (PlainAccessValidator) recomputes the same content
// from the received extFields minus Signature (and minus
// _UNIQUE_KEY_QUERY, which this client never sends) and compares.
func signRequest(cmd *command, accessKey, secretKey string) {
	if cmd.ExtFields == nil {
		cmd.ExtFields = make(map[string]string)
	}
	cmd.ExtFields[aclAccessKey] = accessKey
	cmd.ExtFields[aclSignature] = aclSign(cmd.ExtFields, cmd.Body, secretKey)
}

// aclSign returns base64(HMAC-SHA1(secretKey, content)) where content is
// the extFields values, ordered by key (Java TreeMap order, which for the
// ASCII keys used here equals byte order) with Signature left out,
// concatenated without separators and followed by the raw body.
func aclSign(ext map[string]string, body []byte, secretKey string) string {
	keys := make([]string, 0, len(ext))
	for k := range ext {
		if k != aclSignature {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	mac := hmac.New(sha1.New, []byte(secretKey))
	for _, k := range keys {
		mac.Write([]byte(ext[k]))
	}
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
