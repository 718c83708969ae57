package config

import (
	"slices"
	"strings"
	"testing"
)

// [[secondaries]] and [[resolvers]] are parsed into typed values with the
// contract's defaults: the name is the address, zones every managed zone,
// notify true.
func TestLoadSecondariesAndResolvers(t *testing.T) {
	c, err := Load(writeConfig(t, `
[[zones]]
name = "example.org"
[[zones]]
name = "example.net"

[[secondaries]]
address = "127.0.0.1:5301"

[[secondaries]]
address = "dns://192.0.2.2"
name = "ns3"
zones = ["EXAMPLE.net"]
notify = false

[[resolvers]]
address = "127.0.0.1:5400"
name = "resolver-a"
[[resolvers]]
address = "192.0.2.9"
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Secondary{
		{Address: HostPort{Host: "127.0.0.1", Port: 5301}, Name: "127.0.0.1:5301", Zones: []string{"example.org.", "example.net."}, Notify: true},
		{Address: HostPort{Host: "192.0.2.2", Port: 53}, Name: "ns3", Zones: []string{"example.net."}, Notify: false},
	}
	if !slices.EqualFunc(c.Secondaries, want, func(a, b Secondary) bool {
		return a.Address == b.Address && a.Name == b.Name && a.Notify == b.Notify && slices.Equal(a.Zones, b.Zones)
	}) {
		t.Errorf("secondaries = %+v\nwant %+v", c.Secondaries, want)
	}
	if got := c.SecondariesOf("example.org."); len(got) != 1 || got[0].Name != "127.0.0.1:5301" {
		t.Errorf("SecondariesOf(example.org.) = %+v, want the first only", got)
	}
	wantR := []Resolver{{Address: HostPort{Host: "127.0.0.1", Port: 5400}, Name: "resolver-a"}, {Address: HostPort{Host: "192.0.2.9", Port: 53}, Name: "192.0.2.9:53"}}
	if !slices.Equal(c.Resolvers, wantR) {
		t.Errorf("resolvers = %+v, want %+v", c.Resolvers, wantR)
	}
}

// A server's name labels its metric series (dnssync_server_serial{server})
// and its report lines: two entries with one name, given or defaulted to
// the address, would write one series. Each clash is refused naming both
// entries; so is a resolver listed twice.
func TestLoadServerNamesUnique(t *testing.T) {
	tests := []struct {
		name, toml string
		want       []string // substrings of the error; none: loads
	}{
		{"two secondaries named alike", `
[[secondaries]]
address = "127.0.0.1:5301"
name = "ns2"
[[secondaries]]
address = "127.0.0.1:5302"
name = "ns2"
`, []string{`secondaries[1].name: "ns2" is also secondaries[0]'s`}},
		{"a resolver named like a secondary", `
[[secondaries]]
address = "127.0.0.1:5301"
name = "ns2"
[[resolvers]]
address = "127.0.0.1:5400"
name = "ns2"
`, []string{`resolvers[0].name: "ns2" is also secondaries[0]'s`}},
		{"a name that is another entry's address", `
[[secondaries]]
address = "127.0.0.1:5301"
[[secondaries]]
address = "127.0.0.1:5302"
name = "127.0.0.1:5301"
`, []string{`secondaries[1].name: "127.0.0.1:5301" is also secondaries[0]'s (its address, the default name)`}},
		{"a secondary's address that is an earlier secondary's name", `
[[secondaries]]
address = "127.0.0.1:5302"
name = "127.0.0.1:5301"
[[secondaries]]
address = "127.0.0.1:5301"
`, []string{`secondaries[1].address: "127.0.0.1:5301", its default name, is also secondaries[0]'s; give it a name`}},
		{"a resolver listed twice", `
[[resolvers]]
address = "127.0.0.1:5400"
[[resolvers]]
address = "127.0.0.1:5400"
name = "other"
`, []string{`resolvers[1].address: 127.0.0.1:5400 is listed twice`}},
		{"one address as secondary and resolver, unnamed", `
[[secondaries]]
address = "127.0.0.1:5301"
[[resolvers]]
address = "127.0.0.1:5301"
`, []string{`resolvers[0].address: "127.0.0.1:5301", its default name, is also secondaries[0]'s (its address, the default name); give it a name`}},
		{"distinct names", `
[[secondaries]]
address = "127.0.0.1:5301"
name = "ns2"
[[secondaries]]
address = "127.0.0.1:5302"
[[resolvers]]
address = "127.0.0.1:5301"
name = "resolver-a"
`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, "[[zones]]\nname = \"example.org\"\n"+tt.toml))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Load: %v, want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load: no error, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

// A secondary listed twice is reported as that, not again as a name clash.
func TestLoadSecondaryTwiceOneProblem(t *testing.T) {
	_, err := Load(writeConfig(t, `[[zones]]
name = "example.org"
[[secondaries]]
address = "127.0.0.1:5301"
[[secondaries]]
address = "127.0.0.1:5301"
`))
	if err == nil || !strings.Contains(err.Error(), "secondaries[1].address: 127.0.0.1:5301 is listed twice") || strings.Contains(err.Error(), "is also") {
		t.Fatalf("Load: %v, want one problem: listed twice", err)
	}
}
