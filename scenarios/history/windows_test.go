package history

import (
	"reflect"
	"testing"
)

func TestFaultWindows(t *testing.T) {
	tests := []struct {
		name   string
		script func(h *History)
		want   []Window
	}{
		{name: "no ops", script: func(h *History) {}, want: nil},
		{
			name: "paired",
			script: func(h *History) {
				h.Invoke("a", "s1")             // 0
				h.FaultStart("kill broker-a-0") // 1
				h.Invoke("b", "s1")             // 2
				h.FaultEnd("kill broker-a-0")   // 3
			},
			want: []Window{{Name: "kill broker-a-0", Start: at(1), End: at(3)}},
		},
		{
			name: "interleaved names and repeats",
			script: func(h *History) {
				h.FaultStart("x") // 0
				h.FaultStart("y") // 1
				h.FaultEnd("x")   // 2
				h.FaultStart("x") // 3
				h.FaultEnd("y")   // 4
				h.FaultEnd("x")   // 5
			},
			want: []Window{
				{Name: "x", Start: at(0), End: at(2)},
				{Name: "y", Start: at(1), End: at(4)},
				{Name: "x", Start: at(3), End: at(5)},
			},
		},
		{
			name: "unclosed ends at last op",
			script: func(h *History) {
				h.FaultStart("x")      // 0
				h.Invoke("a", "s1")    // 1
				h.Ack("a", "s1", 0, 1) // 2
			},
			want: []Window{{Name: "x", Start: at(0), End: at(2)}},
		},
		{
			name: "end without start is ignored",
			script: func(h *History) {
				h.FaultEnd("x")   // 0
				h.FaultStart("y") // 1
				h.FaultEnd("y")   // 2
			},
			want: []Window{{Name: "y", Start: at(1), End: at(2)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := scripted()
			tt.script(h)
			if got := h.FaultWindows(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FaultWindows = %+v\nwant           %+v", got, tt.want)
			}
		})
	}
}
