// Package e2e is the sigs.k8s.io/e2e-framework harness: the suite's
// lifecycle as env funcs and its cases as features, for `go test`.
//
//	go test ./e2e/... -args --kubeconfig FILE [--namespace NS] [--cluster NAME]
//	go test ./e2e/... -timeout 60m -args --create-kind     (needs a Docker engine)
//	go test ./e2e/...                                       (object features on a local kube-apiserver)
//
// Features are labelled suite=<name>, so e2e-framework's --labels and
// --skip-labels select suites, and --assess selects cases.
package e2e
