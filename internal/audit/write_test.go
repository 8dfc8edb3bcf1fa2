package audit

import (
	"bytes"
	"testing"
	"unicode"
)

// TestRedactKeepsTheShapeNotTheValue: length and the class of every
// character survive (a password policy judges the result as the
// original); the value does not.
func TestRedactKeepsTheShapeNotTheValue(t *testing.T) {
	class := func(c byte) int {
		switch r := rune(c); {
		case unicode.IsDigit(r):
			return 0
		case unicode.IsLower(r):
			return 1
		case unicode.IsUpper(r):
			return 2
		}
		return 3
	}
	for _, v := range []string{"aB345678", "Xy12z9Q0", "p@ss/w0rd+=", ""} {
		same := 0
		for i := 0; i < 20; i++ {
			r := Redact([]byte(v))
			if len(r) != len(v) {
				t.Fatalf("%d bytes from %d", len(r), len(v))
			}
			for j := range r {
				if class(r[j]) != class(v[j]) {
					t.Errorf("byte %d: class %d, was %d", j, class(r[j]), class(v[j]))
				}
			}
			if v != "" && bytes.Equal(r, []byte(v)) {
				same++
			}
		}
		if same > 0 {
			t.Errorf("%d of 20 redactions of a %d-byte value were the value", same, len(v))
		}
	}
}
