package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// byteSize is a flag holding a size in bytes, written as a number with an
// optional unit (KB, MB, GB, KiB, MiB, GiB, or a bare number of bytes), or
// "0" for no limit.
type byteSize struct{ n *uint64 }

var sizeUnits = []struct {
	suffix string
	mult   uint64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
}

func (b byteSize) String() string {
	if b.n == nil {
		return ""
	}
	return formatBytes(*b.n)
}

func (b byteSize) Set(v string) error {
	num, mult := strings.TrimSpace(v), uint64(1)
	for _, u := range sizeUnits {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || f*float64(mult) > 1<<62 {
		return fmt.Errorf("want a size such as 4GiB or 512MB (0: no limit)")
	}
	*b.n = uint64(f * float64(mult))
	return nil
}

// formatBytes writes n in the largest unit that keeps one decimal: binary
// units, or decimal ones for a round number of megabytes (as written).
func formatBytes(n uint64) string {
	switch {
	case n == 0:
		return "0"
	case n%1e6 == 0 && n%(1<<20) != 0:
		if n%1e9 == 0 {
			return strconv.FormatUint(n/1e9, 10) + "GB"
		}
		return strconv.FormatUint(n/1e6, 10) + "MB"
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + "GiB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 0, 64) + "MiB"
	}
	return strconv.FormatUint(n, 10) + "B"
}

// defaultMaxMemory is half of the memory this process may use: the
// machine's (MemTotal in /proc/meminfo) or, when lower, its cgroup's limit.
// 4 GiB where neither can be read.
func defaultMaxMemory() uint64 {
	total := uint64(0)
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				total = kb << 10
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && (total == 0 || n < total) {
			total = n
		}
	}
	if total == 0 {
		return 4 << 30
	}
	return total / 2
}
