package apply

import (
	"strings"
	"testing"
)

func TestWriteRelative(t *testing.T) {
	tests := []struct{ name, line, want string }{
		{"below the zone", "host.example.com.\t300\tIN\tA\t192.0.2.1", "host\t300\tA\t192.0.2.1"},
		{"the apex, at the $TTL", "example.com.\t3600\tIN\tNS\tns1.example.com.", "@\tNS\tns1.example.com."},
		{"a TTL that starts like the $TTL", "host.example.com.\t36000\tIN\tA\t192.0.2.1", "host\t36000\tA\t192.0.2.1"},
		{"two labels below", "_sip._tcp.example.com.\t300\tIN\tSRV\t10 5 5060 app.example.com.", "_sip._tcp\t300\tSRV\t10 5 5060 app.example.com."},
		{"outside the zone", "host.example.net.\t300\tIN\tA\t192.0.2.1", "host.example.net.\t300\tIN\tA\t192.0.2.1"},
		{"the zone's name as a suffix of a label", "myexample.com.\t300\tIN\tA\t192.0.2.1", "myexample.com.\t300\tIN\tA\t192.0.2.1"},
		{"an escaped dot before the zone", `a\.example.com.` + "\t300\tIN\tA\t192.0.2.1", `a\.example.com.` + "\t300\tIN\tA\t192.0.2.1"},
		{"an escaped backslash before the zone", `a\\.example.com.` + "\t300\tIN\tA\t192.0.2.1", `a\\` + "\t300\tA\t192.0.2.1"},
		{"a directive's name", "$ttl.example.com.\t300\tIN\tA\t192.0.2.1", "$ttl.example.com.\t300\tIN\tA\t192.0.2.1"},
		{"class other than IN", "host.example.com.\t300\tCH\tA\t192.0.2.1", "host.example.com.\t300\tCH\tA\t192.0.2.1"},
		{"not a record line", "host.example.com. 300 IN A 192.0.2.1", "host.example.com. 300 IN A 192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if writeRelative(&b, tt.line, "example.com.", "3600"); b.String() != tt.want {
				t.Errorf("writeRelative(%q) wrote %q, want %q", tt.line, b.String(), tt.want)
			}
		})
	}
}
