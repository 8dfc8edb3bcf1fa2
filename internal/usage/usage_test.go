package usage

import (
	"errors"
	"fmt"
	"testing"
)

func TestIs(t *testing.T) {
	if !Is(fmt.Errorf("run: %w", Errorf("--x %d: expected 1", 0))) {
		t.Error("a wrapped usage error is not one")
	}
	if Is(errors.New("--x")) || Is(nil) {
		t.Error("a plain error, or none, is a usage error")
	}
}
