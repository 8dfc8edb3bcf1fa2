package cli

import (
	"context"
	"sort"
	"strings"

	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/verdict"
)

const redacted = "[secret value redacted]"

// redactSecrets is the last guard before reports reach the disk: it reads
// the account passwords from the target's objects and, should any appear in
// a result, replaces it and fails accounts/no-leak, naming the case it was
// found in. Cases never print values; this makes sure no bug can.
func redactSecrets(ctx context.Context, run *verdict.Run, tgt scenarios.Target) {
	src := tgt.Abilities().Objects
	if src == nil {
		return
	}
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return
	}
	secrets := map[string]string{}
	for _, s := range snap.Secrets {
		if v := string(s.Data["password"]); len(v) >= 4 {
			secrets[v] = s.Name
		}
	}
	var found []string
	scrub := func(caseID, s string) string {
		for v, name := range secrets {
			if strings.Contains(s, v) {
				s = strings.ReplaceAll(s, v, redacted)
				found = append(found, "the password of Secret "+name+" in the result of "+caseID)
			}
		}
		return s
	}
	for i := range run.Results {
		r := &run.Results[i]
		r.Observed = scrub(r.ID, r.Observed)
		r.LogTail = scrub(r.ID, r.LogTail)
		r.Description = scrub(r.ID, r.Description)
		for j := range r.Evidence {
			r.Evidence[j] = scrub(r.ID, r.Evidence[j])
		}
	}
	if len(found) == 0 {
		return
	}
	sort.Strings(found)
	for i := range run.Results {
		r := &run.Results[i]
		if r.ID == "accounts/no-leak" {
			r.Status = verdict.Failed
			if r.Observed != "" {
				r.Observed += "\n"
			}
			r.Observed += "found and redacted before writing the reports: " + strings.Join(found, "; ")
		}
	}
}
