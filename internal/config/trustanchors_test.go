package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadTrustAnchors(t *testing.T) {
	t.Parallel()
	write := func(t *testing.T, text string) string {
		p := filepath.Join(t.TempDir(), "anchors")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := `; the parent's DS
Example.ORG. 3600 IN DS 12345 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE4B0A4C8FE6CFC4CC7A5D9B23

other.test. 3600 IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
`
	got, err := ReadTrustAnchors(write(t, good))
	if err != nil {
		t.Fatal(err)
	}
	if a := got["example.org."]; len(a.DS) != 1 || a.DS[0].KeyTag != 12345 || len(a.Keys) != 0 {
		t.Errorf("example.org.: %+v, want its one DS", a)
	}
	if a := got["other.test."]; len(a.Keys) != 1 || len(a.DS) != 0 {
		t.Errorf("other.test.: %+v, want its one key", a)
	}
	p := write(t, good)
	if got, _ := ReadTrustAnchors(p); got["example.org."].Where != p+":2" || got["other.test."].Where != p+":4" {
		t.Errorf("where: %q, %q; want %s:2, %s:4", got["example.org."].Where, got["other.test."].Where, p, p)
	}
	for _, tt := range []struct{ name, text, want string }{
		{"not a record", "example.org. DS nonsense\n", ":1: not a DS or DNSKEY record in zone-file syntax"},
		{"another type", "; anchors\nexample.org. 300 IN A 192.0.2.1\n", ":2: a A record: want DS or DNSKEY"},
		// miekg/dns takes any text as a digest: checked here, or a typo
		// would match no key and read as the zone's failure.
		{"a digest not hex", "example.org. 3600 IN DS 12345 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE4B0A4C8FE6CFC4CC7A5D9BZZ\n", ":1: the DS digest is not hexadecimal"},
		{"a SHA-256 digest too short", "example.org. 3600 IN DS 12345 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE4B0A4C8FE6CFC4CC7A5D9B\n", ":1: the DS digest has 31 octets, SHA-256 makes 32"},
		{"a SHA-1 digest of SHA-256's length", "example.org. 3600 IN DS 12345 13 1 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE4B0A4C8FE6CFC4CC7A5D9B23\n", ":1: the DS digest has 32 octets, SHA-1 makes 20"},
		{"a SHA-384 digest too short", "example.org. 3600 IN DS 12345 13 4 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE4B0A4C8FE6CFC4CC7A5D9B23\n", ":1: the DS digest has 32 octets, SHA-384 makes 48"},
		{"an unknown digest type", "example.org. 3600 IN DS 12345 13 3 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE4B0A4C8FE6CFC4CC7A5D9B23\n", ":1: DS digest type 3: want 1 (SHA-1), 2 (SHA-256) or 4 (SHA-384)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := write(t, tt.text)
			_, err := ReadTrustAnchors(p)
			if err == nil || err.Error() != p+tt.want {
				t.Fatalf("err = %v, want %q", err, p+tt.want)
			}
		})
	}
	if _, err := ReadTrustAnchors(filepath.Join(t.TempDir(), "none")); err == nil || !strings.Contains(err.Error(), "trust_anchors") {
		t.Errorf("a missing file: err = %v, want it named", err)
	}
}
