// Package sched reads how the Linux scheduler treated a process and the
// machine: the CPU time a process's threads got and how long they waited
// runnable for a CPU (/proc/PID/task/*/schedstat), and how long any task
// of the machine waited for a CPU or for I/O (pressure stall information,
// /proc/pressure/cpu and io). A process that waited runnable was starved
// by the machine; one that is stopped (SIGSTOP) or gone waits on no run
// queue, so it never counts as starved, however long it does nothing.
package sched

import (
	"fmt"
	"time"

	"github.com/prometheus/procfs"
)

// Reading is a process's scheduler accounting since it started, summed
// over the threads it has now.
type Reading struct {
	CPU  time.Duration // time its threads ran
	Wait time.Duration // time its threads were runnable but waited for a CPU
	// Stopped: the process is stopped (state T, SIGSTOP), so it waits on
	// no run queue.
	Stopped bool
}

// Process reads pid's accounting. A thread that ends while it is read is
// left out: what it used is gone from /proc with it.
func Process(pid int) (Reading, error) {
	threads, err := procfs.AllThreads(pid)
	if err != nil {
		return Reading{}, fmt.Errorf("threads of process %d: %w", pid, err)
	}
	var r Reading
	for _, th := range threads {
		s, err := th.Schedstat()
		if err != nil {
			continue
		}
		r.CPU += time.Duration(s.RunningNanoseconds)
		r.Wait += time.Duration(s.WaitingNanoseconds)
	}
	if p, err := procfs.NewProc(pid); err == nil {
		if st, err := p.Stat(); err == nil {
			r.Stopped = st.State == "T"
		}
	}
	return r, nil
}

// Pressure is the machine's pressure stall totals since boot: how long at
// least one task waited for a CPU (CPU) and for I/O (IO).
type Pressure struct {
	CPU, IO time.Duration
}

// ReadPressure reads /proc/pressure/cpu and /proc/pressure/io.
func ReadPressure() (Pressure, error) {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return Pressure{}, err
	}
	var p Pressure
	for _, r := range []struct {
		name string
		into *time.Duration
	}{{"cpu", &p.CPU}, {"io", &p.IO}} {
		s, err := fs.PSIStatsForResource(r.name)
		if err != nil {
			return Pressure{}, err
		}
		if s.Some == nil {
			return Pressure{}, fmt.Errorf("/proc/pressure/%s has no \"some\" line", r.name)
		}
		*r.into = time.Duration(s.Some.Total) * time.Microsecond
	}
	return p, nil
}

// Load is how busy the machine is now: the one-minute load average and
// the share of the last 60 s during which some task waited for a CPU
// (/proc/pressure/cpu "some" avg60, in percent). Time figures are
// reported with it, since a busy machine stretches them.
type Load struct {
	Avg1        float64
	CPUPressure float64
}

// ReadLoad reads /proc/loadavg and /proc/pressure/cpu.
func ReadLoad() (Load, error) {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return Load{}, err
	}
	avg, err := fs.LoadAvg()
	if err != nil {
		return Load{}, err
	}
	psi, err := fs.PSIStatsForResource("cpu")
	if err != nil || psi.Some == nil {
		return Load{Avg1: avg.Load1, CPUPressure: -1}, nil
	}
	return Load{Avg1: avg.Load1, CPUPressure: psi.Some.Avg60}, nil
}

func (l Load) String() string {
	return fmt.Sprintf("load average %.2f, CPU pressure some avg60 %.1f%%", l.Avg1, l.CPUPressure)
}
