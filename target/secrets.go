package target

import (
	"context"
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/rmqkb/conformance/verdict"
)

// SecretSource is implemented by targets that know the cluster's account
// secrets (the Secrets capability): the reports redact them and
// accounts/no-leak searches every written file for them.
type SecretSource interface {
	Secrets(ctx context.Context) ([]verdict.Secret, error)
}

// minSecretLen is the shortest value worth redacting: a shorter one would
// match by chance all over a report.
const minSecretLen = 4

// PasswordSecrets returns the password of every Secret that has one: the
// account Secrets KubeBlocks creates, and any other in the namespace, since
// redacting too much is harmless.
func PasswordSecrets(secrets []corev1.Secret) []verdict.Secret {
	var out []verdict.Secret
	for _, s := range secrets {
		if v := string(s.Data["password"]); len(v) >= minSecretLen {
			out = append(out, verdict.Secret{What: "the password of Secret " + s.Namespace + "/" + s.Name, Value: v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].What < out[j].What })
	return out
}
