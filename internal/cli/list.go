package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rmqkb/conformance/scenarios"
)

func listCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("list", stderr)
	re := fs.String("run", "", "list only the cases whose ID matches this regular expression")
	if err := parse(fs, args); err != nil {
		return err
	}
	cases, err := scenarios.Select(*re)
	if err != nil {
		return usageError{err.Error()}
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CASE\tNEEDS\tPROMISE")
	for _, c := range cases {
		var needs []string
		for _, n := range c.Needs {
			needs = append(needs, string(n))
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", c.ID(), strings.Join(needs, ","), c.Promise)
	}
	return w.Flush()
}
