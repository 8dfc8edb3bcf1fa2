package history

import (
	"errors"
	"strings"
	"testing"
)

func TestWriteTSV(t *testing.T) {
	h := scripted()
	h.Invoke("k1", "broker-a")
	h.Ack("k1", "broker-a", 0, 17)
	h.Fail("k2", "broker-a", errors.New("line one\n\tline two"))
	h.Deliver("g", "k1", "broker-a", 0, 17)
	h.FaultStart("kill broker-a-0")

	var b strings.Builder
	if err := h.WriteTSV(&b); err != nil {
		t.Fatal(err)
	}
	want := tsvHeader +
		"2025-01-02T03:04:05Z\tinvoke\tk1\tbroker-a\t\t\t\t\t\n" +
		"2025-01-02T03:04:06Z\tack\tk1\tbroker-a\t0\t17\t\t\t\n" +
		"2025-01-02T03:04:07Z\tfail\tk2\tbroker-a\t\t\t\t\tline one  line two\n" +
		"2025-01-02T03:04:08Z\tdeliver\tk1\tbroker-a\t0\t17\tg\t\t\n" +
		"2025-01-02T03:04:09Z\tfault-start\t\t\t\t\t\tkill broker-a-0\t\n"
	if got := b.String(); got != want {
		t.Errorf("WriteTSV =\n%s\nwant\n%s", got, want)
	}
	for i, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if n := strings.Count(line, "\t"); n != 8 {
			t.Errorf("line %d has %d tabs, want 8: %q", i, n, line)
		}
	}
}
