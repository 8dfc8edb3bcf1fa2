package topology

import "testing"

func TestModeUnionAndCovers(t *testing.T) {
	acl, dledger, both := Mode{ACL: true}, Mode{DLedger: true}, Mode{ACL: true, DLedger: true}
	if got := acl.Union(dledger); got != both {
		t.Errorf("acl + dledger = %s", got)
	}
	if got := (Mode{}).Union(acl); got != acl {
		t.Errorf("default + acl = %s", got)
	}
	for _, tc := range []struct {
		have, want Mode
		covers     bool
	}{
		{Mode{}, Mode{}, true}, {acl, Mode{}, true}, {both, dledger, true}, {both, both, true},
		{Mode{}, acl, false}, {acl, dledger, false}, {dledger, both, false},
	} {
		if got := tc.have.Covers(tc.want); got != tc.covers {
			t.Errorf("%s covers %s: %v, want %v", tc.have, tc.want, got, tc.covers)
		}
	}
}
