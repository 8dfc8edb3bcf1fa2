package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/rmqkb/conformance/scenarios"
)

// repoFile reads a file of the repository by its path from the root.
func repoFile(t *testing.T, name string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestReadmeListsEveryClause: README's clause table lists every case with
// exactly its clause IDs, in the order the runs report them, so the
// contract users read is the one the reports name. The table is where the
// case IDs users gate on are pinned: a case renamed, dropped or added
// changes it.
func TestReadmeListsEveryClause(t *testing.T) {
	readme := repoFile(t, "README.md")
	row := regexp.MustCompile("(?m)^\\| `([a-z]+/[a-z-]+)` \\| ((?:`[a-z0-9-]+` ?)+) \\|$")
	listed := map[string][]string{}
	var order []string
	for _, m := range row.FindAllStringSubmatch(readme, -1) {
		listed[m[1]] = strings.Fields(strings.ReplaceAll(m[2], "`", ""))
		order = append(order, m[1])
	}
	var ids []string
	for _, c := range scenarios.All() {
		ids = append(ids, c.ID())
	}
	if !slices.Equal(order, ids) {
		t.Errorf("README's contract table lists\n%v\nthe runs report\n%v", order, ids)
	}
	for _, c := range scenarios.All() {
		var want []string
		for _, cl := range c.Clauses {
			want = append(want, cl.ID)
		}
		if got, ok := listed[c.ID()]; !ok || !slices.Equal(got, want) {
			t.Errorf("README lists %s with clauses %v, want %v", c.ID(), got, want)
		}
		delete(listed, c.ID())
	}
	for id := range listed {
		t.Errorf("README lists %s, which is no case", id)
	}
}

// TestCIRunsReadmesTestCommands: .ci/run runs exactly the test commands
// README's Tests section gives, in order.
func TestCIRunsReadmesTestCommands(t *testing.T) {
	readme := repoFile(t, "README.md")
	_, tests, ok := strings.Cut(readme, "\n## Tests\n")
	if !ok {
		t.Fatal("README has no Tests section")
	}
	block := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(tests)
	if block == nil {
		t.Fatal("README's Tests section gives no commands")
	}
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(block[1]), "\n") {
		want = append(want, strings.TrimSpace(l))
	}
	var got []string
	for _, l := range strings.Split(repoFile(t, ".ci/run"), "\n") {
		if l = strings.TrimSpace(l); strings.Contains(l, "go test") && !strings.HasPrefix(l, "#") {
			got = append(got, l)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf(".ci/run runs %q; README gives %q", got, want)
	}
}
