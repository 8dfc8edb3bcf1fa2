package local

import "github.com/rmqkb/conformance/target"

// Processes lists the namesrvs and brokers running now with their process
// IDs: the suite reads how long the machine kept each waiting for a CPU
// (target.ProcessTable). A process that is down is left out.
func (c *Cluster) Processes() []target.Process {
	var out []target.Process
	for _, n := range c.namesrvList() {
		if pid := n.proc.pid(); pid > 0 {
			out = append(out, target.Process{Name: n.proc.name, Namesrv: true, PID: pid})
		}
	}
	for _, b := range c.brokers() {
		if pid := b.proc.pid(); pid > 0 {
			out = append(out, target.Process{Name: b.proc.name, PID: pid})
		}
	}
	return out
}

// pid is the running generation's process ID, or 0 while it is down.
func (p *process) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.running || p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}
