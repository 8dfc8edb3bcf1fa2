package replica

import "testing"

func TestCommitLogOffset(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want int64
		ok   bool
	}{
		{"7F00000100002A9F0000000000000ABC", 0xABC, true},
		{"7F00000100002A9F00000001000000FF", 0x1000000FF, true},
		{"00000000000000000000FFFF7F00000100002A9F0000000000000010", 0x10, true},
		{"7F000001", 0, false},
		{"7F00000100002A9F000000000000ZZZZ", 0, false},
	} {
		got, err := CommitLogOffset(tc.id)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("CommitLogOffset(%q) = %d, %v; want %d, ok=%v", tc.id, got, err, tc.want, tc.ok)
		}
	}
}
