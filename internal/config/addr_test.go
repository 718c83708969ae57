package config

import (
	"strings"
	"testing"
)

func TestParseDNSURL(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		want    string
		wantErr []string // substrings; nil means no error
		notErr  string
	}{
		{name: "host and port", url: "dns://127.0.0.1:1053", want: "127.0.0.1:1053"},
		{name: "no port means 53", url: "dns://127.0.0.1", want: "127.0.0.1:53"},
		{name: "name without port", url: "dns://localhost", want: "localhost:53"},
		{name: "trailing slash", url: "dns://127.0.0.1:53/", want: "127.0.0.1:53"},
		{name: "IPv6 without port", url: "dns://[::1]", want: "[::1]:53"},
		{name: "IPv6 with port", url: "dns://[::1]:5353", want: "[::1]:5353"},
		{name: "http", url: "http://localhost:53", wantErr: []string{"DNS", "AXFR", "UPDATE", "dns://"}},
		{name: "https", url: "https://dns.example.com", wantErr: []string{"AXFR", "UPDATE"}},
		{name: "other scheme", url: "udp://127.0.0.1:53", wantErr: []string{"want dns://HOST[:PORT]"}, notErr: "HTTP"},
		{name: "no scheme", url: "127.0.0.1:53", wantErr: []string{`"127.0.0.1:53"`}},
		{name: "empty", url: "", wantErr: []string{"want dns://"}},
		{name: "no host", url: "dns://:53", wantErr: []string{"want dns://"}},
		{name: "path", url: "dns://127.0.0.1:53/zones", wantErr: []string{"want dns://"}},
		{name: "port zero", url: "dns://127.0.0.1:0", wantErr: []string{"bad port"}},
		{name: "port too big", url: "dns://127.0.0.1:65536", wantErr: []string{"bad port"}},
		{name: "port not a number", url: "dns://127.0.0.1:domain", wantErr: []string{`"dns://127.0.0.1:domain"`, "port"}, notErr: "parse "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDNSURL(tt.url)
			checkParse(t, tt.url, got.String(), err, tt.want, tt.wantErr, tt.notErr)
		})
	}
}

// TestParseServer: [backend] server and [verify] nameservers take a bare
// host:port too, and their errors quote what was written.
func TestParseServer(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr []string
	}{
		{name: "host and port", in: "192.0.2.1:5353", want: "192.0.2.1:5353"},
		{name: "no port means 53", in: "ns2.example.net", want: "ns2.example.net:53"},
		{name: "dns URL", in: "dns://[2001:db8::1]:53", want: "[2001:db8::1]:53"},
		{name: "http is refused", in: "http://192.0.2.1", wantErr: []string{`"http://192.0.2.1"`, "not HTTP"}},
		{name: "service name", in: "192.0.2.1:domain", wantErr: []string{`"192.0.2.1:domain"`}},
		{name: "port zero", in: "192.0.2.1:0", wantErr: []string{`"192.0.2.1:0"`, "bad port"}},
		{name: "empty", in: "", wantErr: []string{"want dns://HOST[:PORT]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseServer(tt.in)
			checkParse(t, tt.in, got.String(), err, tt.want, tt.wantErr, "")
		})
	}
}

// TestParseListen holds what the API and pprof accept as an address to
// listen on (the API package used to check this itself, after Load).
func TestParseListen(t *testing.T) {
	tests := []struct {
		in       string
		unixOK   bool
		want     Listen
		loopback bool
		wantErr  string
	}{
		{in: "", unixOK: true},
		{in: "127.0.0.1:8053", unixOK: true, want: Listen{"tcp", "127.0.0.1:8053"}, loopback: true},
		{in: "[::1]:0", unixOK: true, want: Listen{"tcp", "[::1]:0"}, loopback: true},
		{in: "localhost:8053", unixOK: true, want: Listen{"tcp", "localhost:8053"}, loopback: true},
		{in: ":8053", unixOK: true, want: Listen{"tcp", ":8053"}},
		{in: "192.0.2.1:8053", unixOK: true, want: Listen{"tcp", "192.0.2.1:8053"}},
		{in: "unix:/run/dnssync/api.sock", unixOK: true, want: Listen{"unix", "/run/dnssync/api.sock"}, loopback: true},
		{in: "127.0.0.1", unixOK: true, wantErr: "want host:port or unix:/path"},
		{in: "127.0.0.1:http", unixOK: true, wantErr: `port "http" is not a number`},
		{in: "127.0.0.1:70000", unixOK: true, wantErr: `port "70000" is not a number from 0 to 65535`},
		{in: "unix:", unixOK: true, wantErr: "want unix:/absolute/path"},
		{in: "unix:relative.sock", unixOK: true, wantErr: "want unix:/absolute/path"},
		{in: "unix:/", unixOK: true, wantErr: "want unix:/absolute/path"},
		{in: "http://127.0.0.1:8053", unixOK: true, wantErr: "want host:port or unix:/path"},
		{in: "unix:/run/pprof.sock", unixOK: false, wantErr: "want host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, loopback, err := parseListen(tt.in, tt.unixOK)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), `"`+tt.in+`"`) {
					t.Fatalf("parseListen(%q) = %+v, %v; want an error quoting it and containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want || loopback != tt.loopback {
				t.Fatalf("parseListen(%q) = %+v, %v, %v; want %+v, %v", tt.in, got, loopback, err, tt.want, tt.loopback)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want it as written, %q", got.String(), tt.in)
			}
		})
	}
}

func checkParse(t *testing.T, in, got string, err error, want string, wantErr []string, notErr string) {
	t.Helper()
	if wantErr == nil {
		if err != nil || got != want {
			t.Fatalf("parse(%q) = %q, %v; want %q", in, got, err, want)
		}
		return
	}
	if err == nil {
		t.Fatalf("parse(%q) = %q, want an error", in, got)
	}
	for _, w := range wantErr {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if notErr != "" && strings.Contains(err.Error(), notErr) {
		t.Errorf("error %q should not mention %q", err, notErr)
	}
}
