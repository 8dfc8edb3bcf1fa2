package verdict

// Clause is one part of a case's promise, checked on its own. Its ID is
// short, stable and unique within the case; with the case's ID it makes
// the clause's full ID, suite/case#id, which a failure carries into every
// report, so CI users can tell which part of a promise broke.
type Clause struct {
	ID   string
	Text string
}

// ClauseID is the full ID of clause id of the case caseID.
func ClauseID(caseID, id string) string { return caseID + "#" + id }
