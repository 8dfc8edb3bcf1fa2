package history

import (
	"cmp"
	"slices"
	"time"
)

// Quantiles returns the nearest-rank p50, p99 and maximum of ds, or zeros
// when ds is empty. Nearest rank always returns an observed value, so a
// reported p99 lag is one some message actually had.
func Quantiles(ds []time.Duration) (p50, p99, max time.Duration) {
	return quantiles(ds)
}

// QuantilesInt is Quantiles for counts such as message lag in offsets.
func QuantilesInt(xs []int64) (p50, p99, max int64) {
	return quantiles(xs)
}

func quantiles[T cmp.Ordered](xs []T) (p50, p99, max T) {
	if len(xs) == 0 {
		return p50, p99, max
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[rank(50, len(s))], s[rank(99, len(s))], s[len(s)-1]
}

// rank is the zero-based index of the nearest-rank pct percentile of n
// sorted values: ceil(pct/100 * n) - 1, computed in integers.
func rank(pct, n int) int {
	r := (pct*n + 99) / 100
	if r < 1 {
		r = 1
	}
	return r - 1
}
