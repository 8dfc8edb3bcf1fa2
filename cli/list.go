package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rmqkb/conformance/internal/usage"

	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/verdict"
)

// listCommand prints the contract: every case with what it needs and its
// promise, and with --clauses the parts of each promise the case checks
// one by one.
func listCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("list", stderr)
	re := fs.String("run", "", "list only the cases whose ID matches this regular expression")
	clauses := fs.Bool("clauses", false, "also list the clauses of each promise by ID (suite/case#clause), each of which the tests show can fail")
	if err := parse(fs, args); err != nil {
		return err
	}
	cases, err := scenarios.Select(*re)
	if err != nil {
		return usage.Wrap(err)
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CASE\tNEEDS\tPROMISE")
	for _, c := range cases {
		fmt.Fprintf(w, "%s\t%s\t%s\n", c.ID(), needs(c), c.Promise)
		if *clauses {
			for _, cl := range c.Clauses {
				fmt.Fprintf(w, "\t\t- %s: %s\n", verdict.ClauseID(c.ID(), cl.ID), cl.Text)
			}
		}
	}
	return w.Flush()
}

// needs is what a case needs of its target and topology, in one cell.
func needs(c scenarios.Case) string {
	var out []string
	for _, n := range c.Needs {
		out = append(out, string(n))
	}
	if c.MinNamesrvs > 1 {
		out = append(out, fmt.Sprintf("%d+ namesrvs", c.MinNamesrvs))
	}
	if c.MinShards > 1 {
		out = append(out, fmt.Sprintf("%d+ shards", c.MinShards))
	}
	if c.MinReplicas > 1 {
		out = append(out, fmt.Sprintf("%d+ replicas", c.MinReplicas))
	}
	if c.DLedgerMinReplicas > 1 {
		out = append(out, fmt.Sprintf("%d+ replicas in dledger", c.DLedgerMinReplicas))
	}
	if c.OnlyIn != (scenarios.Mode{}) {
		out = append(out, c.OnlyIn.String()+" mode")
	}
	if c.NotIn != (scenarios.Mode{}) {
		out = append(out, "not in "+c.NotIn.String())
	}
	if c.Slow {
		out = append(out, "slow (--profile full)")
	}
	return strings.Join(out, ",")
}
