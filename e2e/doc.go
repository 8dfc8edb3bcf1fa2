// Package e2e is the sigs.k8s.io/e2e-framework harness: the suite's
// lifecycle as env funcs and its cases as features, for `go test`.
//
//	go test ./e2e/... -args --kubeconfig FILE [--namespace NS] [--cluster NAME]
//	go test ./e2e/... -timeout 60m -args --create-kind     (needs a Docker engine)
//	go test ./e2e/...                                       (object features on a local kube-apiserver)
//
// TestConformance sets the environment up before its features (a
// BeforeEachTest made of env.Funcs, composable like e2e-framework's own),
// runs a feature per suite, and writes the reports and tears down after
// them. State lives in the test's context under typed keys, and the run
// goes through runner, as `go run . run` does: for the same
// cluster the harness's report equals run's. Nothing starts before
// TestConformance does, so `go test -list` or a -run selecting no test
// starts nothing.
//
// Features are labelled suite=<name>, so e2e-framework's --labels and
// --skip-labels select suites, and --assess selects cases.
package e2e
