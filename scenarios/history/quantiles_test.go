package history

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestQuantiles(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(i + 1) // 1..100 ms
	}
	rand.Shuffle(len(hundred), func(i, j int) { hundred[i], hundred[j] = hundred[j], hundred[i] })

	tests := []struct {
		name          string
		in            []time.Duration
		p50, p99, max time.Duration
	}{
		{name: "empty", in: nil},
		{name: "n=1", in: []time.Duration{ms(7)}, p50: ms(7), p99: ms(7), max: ms(7)},
		{name: "n=2", in: []time.Duration{ms(9), ms(3)}, p50: ms(3), p99: ms(9), max: ms(9)},
		{name: "n=3", in: []time.Duration{ms(3), ms(1), ms(2)}, p50: ms(2), p99: ms(3), max: ms(3)},
		{name: "n=100", in: hundred, p50: ms(50), p99: ms(99), max: ms(100)},
		{name: "n=101 tail", in: append(append([]time.Duration(nil), hundred...), ms(5000)), p50: ms(51), p99: ms(100), max: ms(5000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]time.Duration(nil), tt.in...)
			p50, p99, max := Quantiles(tt.in)
			if p50 != tt.p50 || p99 != tt.p99 || max != tt.max {
				t.Errorf("Quantiles = %v, %v, %v; want %v, %v, %v", p50, p99, max, tt.p50, tt.p99, tt.max)
			}
			for i := range before {
				if before[i] != tt.in[i] {
					t.Fatal("Quantiles reordered its input")
				}
			}
		})
	}
}

func TestQuantilesInt(t *testing.T) {
	if a, b, c := QuantilesInt(nil); a != 0 || b != 0 || c != 0 {
		t.Errorf("empty = %d, %d, %d", a, b, c)
	}
	if a, b, c := QuantilesInt([]int64{42}); a != 42 || b != 42 || c != 42 {
		t.Errorf("n=1 = %d, %d, %d", a, b, c)
	}
	xs := make([]int64, 100)
	for i := range xs {
		xs[i] = int64(100 - i) // 100..1, descending
	}
	if a, b, c := QuantilesInt(xs); a != 50 || b != 99 || c != 100 {
		t.Errorf("n=100 = %d, %d, %d; want 50, 99, 100", a, b, c)
	}
}
