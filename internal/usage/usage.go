// Package usage is bad input to a command: the one error type the
// commands (the suite's and the pipeline's) return for it, which they turn
// into exit code 2 before anything starts. Its message names the input
// and what was expected.
package usage

import (
	"errors"
	"fmt"
)

// Error is bad input.
type Error struct{ msg string }

func (e Error) Error() string { return e.msg }

// Errorf returns an Error with the formatted message.
func Errorf(format string, args ...any) error { return Error{fmt.Sprintf(format, args...)} }

// Wrap makes err, which names bad input, an Error.
func Wrap(err error) error { return Error{err.Error()} }

// Is reports whether err is, or wraps, an Error.
func Is(err error) bool {
	var e Error
	return errors.As(err, &e)
}
