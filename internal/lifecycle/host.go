package lifecycle

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Host is what the machine running the kind nodes needs from the kind
// config. It is read on the machine the suite runs on, which is the Docker
// engine's machine in every setup kind supports but a remote DOCKER_HOST.
type Host struct {
	// CgroupV1: /sys/fs/cgroup is not a cgroup2 file system. kubelet 1.35
	// and later refuse to start on cgroup v1 unless their configuration
	// says failCgroupV1: false, and kind does not say it.
	CgroupV1 bool
	// NoSysResource: CAP_SYS_RESOURCE is not in this process's bounding
	// set, so a privileged container (a kind node) does not have it either
	// (on such hosts the Docker engine needs a runtime that drops it, see
	// scripts/runc-nosysres). containerd in the node then cannot lower a
	// pod sandbox's oom_score_adj, and no pod starts unless containerd
	// clamps it (restrict_oom_score_adj).
	NoSysResource bool
}

// capSysResource is CAP_SYS_RESOURCE's bit (linux/capability.h).
const capSysResource = 24

// DetectHost reads Host from /sys/fs/cgroup and /proc/self/status. Where
// they cannot be read (not Linux), it reports a host that needs nothing.
func DetectHost() Host {
	var h Host
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err == nil {
		h.CgroupV1 = st.Type != unix.CGROUP2_SUPER_MAGIC
	}
	if bnd, err := capBoundingSet("/proc/self/status"); err == nil {
		h.NoSysResource = bnd&(1<<capSysResource) == 0
	}
	return h
}

// capBoundingSet reads the CapBnd line of a /proc/PID/status file.
func capBoundingSet(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapBnd:"); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s has no CapBnd line", path)
}
