package kube

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rmqkb/conformance/target/audit"
)

// Dump writes the Cluster's objects into dir as `audit --from` reads them:
// what the layout and accounts cases judge, Secrets redacted (audit.Write),
// and the ServiceAccounts its pods run as.
func (t *Target) Dump(ctx context.Context, dir string) error {
	s, err := t.Snapshot(ctx)
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for _, p := range s.Pods {
		if p.Spec.ServiceAccountName != "" {
			names[p.Spec.ServiceAccountName] = true
		}
	}
	var sas []corev1.ServiceAccount
	for n := range names {
		sa, err := t.cs.CoreV1().ServiceAccounts(t.ns).Get(ctx, n, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("get ServiceAccount %s/%s: %w", t.ns, n, err)
		}
		sas = append(sas, *sa)
	}
	sort.Slice(sas, func(i, j int) bool { return sas[i].Name < sas[j].Name })
	return audit.Write(dir, s, sas)
}
