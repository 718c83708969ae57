package apply

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/observed"
)

// TestNewZoneFileRefuses: options a zone could not be written from are an
// error when the backend is built, not a panic or a broken zone at the
// first apply.
func TestNewZoneFileRefuses(t *testing.T) {
	edit := func(f func(z *Zone)) []Zone {
		z := testZone("example.com.")
		f(&z)
		return []Zone{z}
	}
	tests := []struct {
		name string
		opts ZoneFileOptions
		want string
	}{
		{"no dir", ZoneFileOptions{Zones: []Zone{testZone("example.com.")}}, "no zone dir"},
		{"no nameserver", ZoneFileOptions{Dir: "/z", Zones: edit(func(z *Zone) { z.Nameservers = nil })}, "no nameserver"},
		{"name not canonical", ZoneFileOptions{Dir: "/z", Zones: edit(func(z *Zone) { z.Name = "Example.com" })}, "canonical"},
		{"no hostmaster", ZoneFileOptions{Dir: "/z", Zones: edit(func(z *Zone) { z.Hostmaster = "" })}, "no hostmaster"},
		{"zero address", ZoneFileOptions{Dir: "/z", Zones: edit(func(z *Zone) { z.NameserverAddresses[0] = netip.Addr{} })}, "address"},
		{"zone twice", ZoneFileOptions{Dir: "/z", Zones: []Zone{testZone("example.com."), testZone("example.com.")}}, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := NewZoneFile(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewZoneFile = %v, %v; want an error containing %q", b, err, tt.want)
			}
		})
	}
}

func TestNewRFC2136Refuses(t *testing.T) {
	o, _ := loadOwned(t, filepath.Join(t.TempDir(), "owned.json"))
	good := RFC2136Options{
		Server: "127.0.0.1:53", TSIG: observed.TSIG{Name: "k.", Algorithm: "hmac-sha256.", Secret: updSecret},
		MaxRecords: 1, Timeout: time.Second, Owned: o,
	}
	if _, err := NewRFC2136(good); err != nil {
		t.Fatalf("NewRFC2136(%+v): %v", good, err)
	}
	tests := []struct {
		name string
		edit func(o *RFC2136Options)
		want string
	}{
		{"no server", func(o *RFC2136Options) { o.Server = "" }, "no server"},
		{"no secret", func(o *RFC2136Options) { o.TSIG.Secret = "" }, "TSIG"},
		{"no records an update", func(o *RFC2136Options) { o.MaxRecords = 0 }, "at least 1"},
		{"no timeout", func(o *RFC2136Options) { o.Timeout = 0 }, "timeout"},
		{"no ownership state", func(o *RFC2136Options) { o.Owned = nil }, "ownership"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := good
			tt.edit(&opts)
			b, err := NewRFC2136(opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewRFC2136 = %v, %v; want an error containing %q", b, err, tt.want)
			}
		})
	}
}
