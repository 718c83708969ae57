package config

import (
	"slices"
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
