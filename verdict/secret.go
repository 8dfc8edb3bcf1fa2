package verdict

// Secret is a value no output of the run may hold, and what it is, for the
// findings (never the value itself).
type Secret struct {
	What  string // e.g. "the password of Secret demo/x-account-rocketmq-admin"
	Value string
}
