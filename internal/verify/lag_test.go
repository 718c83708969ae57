package verify

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// What a server's failing SOA answer says depends on who answers and
// how: a secondary's SERVFAIL is a zone it has no copy of (its transfers
// fail), its REFUSED or NOTAUTH a zone it does not serve; the primary's,
// a timeout, or another rcode are only "unreachable" with the error. The
// rcode is found through wrapping.
func TestUnreadReason(t *testing.T) {
	t.Parallel()
	rc := func(rcode int) error {
		return &RcodeError{Name: "example.com.", Qtype: dns.TypeSOA, Server: "127.0.0.1:5301", Rcode: rcode}
	}
	tests := []struct {
		name string
		role Role
		err  error
		want string
	}{
		{"secondary servfail", RoleSecondary, rc(dns.RcodeServerFailure), "has no copy of the zone (it answers its SOA with SERVFAIL): its transfers from the primary fail (the primary refuses them, or it cannot reach the primary)"},
		{"wrapped", RoleSecondary, fmt.Errorf("serial: %w", rc(dns.RcodeServerFailure)), "has no copy of the zone"},
		{"secondary refused", RoleSecondary, rc(dns.RcodeRefused), "does not serve the zone (it answers its SOA with REFUSED): not configured as its secondary"},
		{"secondary notauth", RoleSecondary, rc(dns.RcodeNotAuth), "does not serve the zone (it answers its SOA with NOTAUTH)"},
		{"secondary formerr", RoleSecondary, rc(dns.RcodeFormatError), "unreachable: query example.com. SOA at 127.0.0.1:5301: server answered FORMERR"},
		{"primary servfail", RolePrimary, rc(dns.RcodeServerFailure), "unreachable: query example.com. SOA at 127.0.0.1:5301: server answered SERVFAIL"},
		{"timeout", RoleSecondary, errors.New("i/o timeout"), "unreachable: i/o timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := SerialStatus("example.com.", "127.0.0.1:5301", "", tt.role, 0, 7, tt.err)
			if s.InSync || s.Serial != 0 || !strings.HasPrefix(s.Reason, tt.want) {
				t.Errorf("%+v, want not in sync with reason %q", s, tt.want)
			}
		})
	}
}

// Resolver.Serial returns a server's error rcode as an RcodeError, so
// that the reason can be told from the rcode, with the message it always
// had.
func TestSerialErrorCarriesRcode(t *testing.T) {
	t.Parallel()
	addr := nameserver(t, func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeServerFailure)
		_ = w.WriteMsg(m)
	})
	_, err := (&Resolver{Addr: addr}).Serial(t.Context(), "example.com.")
	var re *RcodeError
	if !errors.As(err, &re) || re.Rcode != dns.RcodeServerFailure {
		t.Fatalf("err %v, want an RcodeError with SERVFAIL", err)
	}
	if want := "query example.com. SOA at " + addr + ": server answered SERVFAIL"; err.Error() != want {
		t.Errorf("err %q, want %q", err, want)
	}
}
