package starvation

import (
	"testing"
	"time"

	"github.com/rmqkb/conformance/internal/sched"
)

// TestPressureIsAShareOfTheWindow: pressure is at most the whole window,
// however the kernel's totals moved within a short one.
func TestPressureIsAShareOfTheWindow(t *testing.T) {
	t0 := time.Now()
	smp := func(at time.Duration, cpu, io time.Duration) starveSample {
		return starveSample{at: t0.Add(at), psi: sched.Pressure{CPU: cpu, IO: io}, psiOK: true}
	}
	cpu, io := pressure([]starveSample{smp(0, 0, 0), smp(40*time.Millisecond, 44*time.Millisecond, 10*time.Millisecond)})
	if cpu != 100 || io != 25 {
		t.Errorf("cpu %.1f%%, io %.1f%%; want 100 (capped) and 25", cpu, io)
	}
}
