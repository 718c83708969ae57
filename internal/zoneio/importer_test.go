package zoneio

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// zonefileOptions are what the command passes for the zonefile backend
// managing example.com with the config's defaults: ns1.example.com at
// 127.0.0.1, whose address records.d may not declare.
func zonefileOptions(group GroupBy) Options {
	return Options{
		Zone: "example.com.",
		Records: desired.Options{
			Zones: []string{"example.com."}, DefaultTTL: 300,
			Reserved: func(k rrset.Key) string {
				if k.Name == "ns1.example.com." && (k.Type == dns.TypeA || k.Type == dns.TypeAAAA) {
					return "its address comes from nameserver_addresses in [[zones]]"
				}
				return ""
			},
		},
		GroupBy: group,
		Source:  "testdata/example.com.zone",
		Base:    base(),
	}
}

// base is what the zonefile backend writes into example.com from the
// config's defaults (apply.Zone.base).
func base() []dns.RR {
	return []dns.RR{
		mustRR("example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300"),
		mustRR("example.com. 3600 IN NS ns1.example.com."),
		mustRR("ns1.example.com. 3600 IN A 127.0.0.1"),
	}
}

func mustRR(s string) dns.RR {
	rr, err := dns.NewRR(s)
	if err != nil {
		panic(err)
	}
	return rr
}

func readZone(t *testing.T, path, zone string) []dns.RR {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rrs, err := ReadZoneFile(f, zone, path)
	if err != nil {
		t.Fatal(err)
	}
	return rrs
}

// show is an import's result as the golden files hold it.
func show(res *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d records in %d RRsets, %d files\n", res.Records, res.Sets, len(res.Files))
	for _, s := range Summary(res.Skipped) {
		fmt.Fprintf(&b, "skipped: %s\n", s)
	}
	for _, s := range res.Unsupported {
		fmt.Fprintf(&b, "unsupported: %s\n", s)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	for _, f := range res.Files {
		fmt.Fprintf(&b, "\n=== %s (%d records)\n%s", f.Name, f.Records, f.Data)
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestImportGolden: what an import of a zone with every type, odd forms
// and records it must leave out writes, per grouping.
func TestImportGolden(t *testing.T) {
	t.Parallel()
	rrs := readZone(t, "testdata/example.com.zone", "example.com.")
	for _, g := range []GroupBy{ByName, ByLabel, ByZone} {
		t.Run(g.String(), func(t *testing.T) {
			t.Parallel()
			res, err := Import(rrs, zonefileOptions(g))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "import-by-"+g.String()+".golden", show(res))
		})
	}
}

// TestImportPlansNothing is the import's promise: records.d as written,
// read by the loader, planned against the zone it came from, changes
// nothing but what the notes say (the re-split TXT) and the unsupported
// sets, for every grouping.
func TestImportPlansNothing(t *testing.T) {
	t.Parallel()
	rrs := readZone(t, "testdata/example.com.zone", "example.com.")
	for _, g := range []GroupBy{ByName, ByLabel, ByZone} {
		t.Run(g.String(), func(t *testing.T) {
			t.Parallel()
			o := zonefileOptions(g)
			res, err := Import(rrs, o)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for _, f := range res.Files {
				if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			o.Records.Dir = dir
			st, err := desired.LoadDir(o.Records, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Problems) > 0 || len(st.Held["example.com."]) > 0 {
				t.Fatalf("records.d as imported: problems %v, conflicts %v", st.Problems, st.Held)
			}
			observed := rrset.Zone{}
			for _, rr := range rrs { // as a transfer reads it: the SOA's serial zeroed
				if soa, ok := rr.(*dns.SOA); ok {
					soa = dns.Copy(soa).(*dns.SOA)
					soa.Serial = 0
					rr = soa
				}
				observed.Put(rr)
			}
			baseZone := rrset.Zone{}
			for _, rr := range o.Base {
				baseZone.Put(rr)
			}
			p := diff.Compute(diff.Input{Zone: "example.com.", Desired: st.Zones["example.com."], Base: baseZone, Observed: observed})
			unsupported := map[rrset.Key]bool{}
			for _, s := range res.Unsupported {
				unsupported[s.Key] = true
			}
			for _, s := range res.Skipped {
				unsupported[s.Key] = unsupported[s.Key] || s.DNSSEC // the note says the zone goes unsigned
			}
			var changes []string
			for _, c := range p.Changes {
				if c.Action == diff.Delete && unsupported[c.Key] {
					continue // what the caller was told it would lose
				}
				changes = append(changes, c.Action.String()+" "+c.Key.String())
			}
			want := []string{"update multi.example.com. TXT"} // the note's re-split
			if strings.Join(changes, "; ") != strings.Join(want, "; ") {
				t.Errorf("plan after import: %v, want %v", changes, want)
			}
		})
	}
}

// TestImportUnsupported: what records.d cannot declare is listed with a
// reason and written nowhere.
func TestImportUnsupported(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		rr     string
		reason string
	}{
		{"a type records.d does not take", `sshfp.example.com. 300 IN SSHFP 4 2 123456789abcdef67890123456789abcdef67890123456789abcdef123456789`, `unsupported type "SSHFP"`},
		{"DS of a delegation", `sub.example.com. 300 IN DS 12345 13 2 3DB7B6E3A1C07E5B5A5D0A0B2C5E6F7A8B9C0D1E2F3A4B5C6D7E8F9A0B1C2D3E`, `unsupported type "DS"`},
		{"a name records.d does not take", `my\032host.example.com. 300 IN A 192.0.2.1`, "invalid name"},
		{"a TXT with a control character", `ctl.example.com. 300 IN TXT "line\010break"`, "control character"},
		{"a TXT that is not UTF-8", `bin.example.com. 300 IN TXT "\255\254"`, "not UTF-8"},
		{"a CAA value with a quote", `caa.example.com. 300 IN CAA 0 issue "a\"b"`, `may not contain " or \`},
		{"a name outside the zone", `www.example.net. 300 IN A 192.0.2.1`, "outside the zone"},
		{"a name in a child zone also managed", `www.child.example.com. 300 IN A 192.0.2.1`, "belongs to zone child.example.com., also managed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := zonefileOptions(ByName)
			o.Base = nil
			o.Records.Zones = append(o.Records.Zones, "child.example.com.")
			ok := mustRR("ok.example.com. 300 IN A 192.0.2.7")
			res, err := Import([]dns.RR{ok, mustRR(tt.rr)}, o)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Unsupported) != 1 || !strings.Contains(res.Unsupported[0].Reason, tt.reason) {
				t.Fatalf("unsupported %v, want one saying %q", res.Unsupported, tt.reason)
			}
			if want := rrset.KeyOf(mustRR(tt.rr)); res.Unsupported[0].Key != want {
				t.Errorf("unsupported key %v, want %v", res.Unsupported[0].Key, want)
			}
			if len(res.Files) != 1 || res.Files[0].Name != "ok.example.com.yaml" || res.Records != 1 {
				t.Errorf("files %v (%d records), want ok.example.com.yaml alone", res.Files, res.Records)
			}
		})
	}
}

// TestImportTXTRoundTrip: every TXT text records.d can hold comes back
// from the written file as the very strings served.
func TestImportTXTRoundTrip(t *testing.T) {
	t.Parallel()
	texts := []string{
		``, `plain`, `"quoted"`, `back\slash`, `ends with backslash\`, `a: b`, `- dash`, `# hash`, `'single'`,
		`{flow}`, `[list]`, `yes`, `no`, `null`, `~`, `123`, `0x1F`, `1e3`, `  leading`, `trailing  `,
		`tab-free ünïcödé ✓`, `&anchor`, `*alias`, `!tag`, `%directive`, `@at`, "`tick`", `|pipe`, `>fold`,
		strings.Repeat("x", 255), strings.Repeat("y", 256), strings.Repeat("z", 4096),
	}
	for _, text := range texts {
		name := text
		if len(name) > 20 {
			name = name[:20]
		}
		t.Run(name, func(t *testing.T) {
			rr := &dns.TXT{Hdr: dns.RR_Header{Name: "t.example.com.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}}
			// As a server sends it: 255-byte strings, escaped as miekg/dns unpacks them.
			s := text
			for {
				n := min(len(s), 255)
				rr.Txt = append(rr.Txt, escapeAsMiekg(s[:n]))
				s = s[n:]
				if s == "" {
					break
				}
			}
			o := zonefileOptions(ByName)
			o.Base = nil
			res, err := Import([]dns.RR{rr}, o)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Unsupported) > 0 || len(res.Notes) > 0 || len(res.Files) != 1 {
				t.Fatalf("unsupported %v, notes %v, files %d", res.Unsupported, res.Notes, len(res.Files))
			}
			got, problems := desired.ParseFile(zonefileOptions(ByName).Records, "t.yaml", res.Files[0].Data)
			if len(problems) > 0 || len(got) != 1 {
				t.Fatalf("parse: %v %v\n%s", got, problems, res.Files[0].Data)
			}
			if !rrset.New(got...).Equal(rrset.New(rr)) {
				t.Errorf("read back %v, want %v\n%s", got[0], rr, res.Files[0].Data)
			}
		})
	}
}

// escapeAsMiekg packs and unpacks a string the way a transfer delivers it.
func escapeAsMiekg(s string) string {
	rr := &dns.TXT{Hdr: dns.RR_Header{Name: "x.", Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: []string{strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)}}
	buf := make([]byte, dns.Len(rr)+16)
	n, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		panic(err)
	}
	back, _, err := dns.UnpackRR(buf[:n], 0)
	if err != nil {
		panic(err)
	}
	return back.(*dns.TXT).Txt[0]
}

func TestImportNotes(t *testing.T) {
	t.Parallel()
	t.Run("SOA, NS and addresses served otherwise than [[zones]] says", func(t *testing.T) {
		rrs := []dns.RR{
			mustRR("example.com. 7200 IN SOA ns.example.net. dns.example.com. 5 7200 600 604800 300"),
			mustRR("example.com. 3600 IN NS ns1.example.com."),
			mustRR("example.com. 3600 IN NS ns.example.net."),
			mustRR("ns1.example.com. 3600 IN A 192.0.2.53"),
			mustRR("ns1.example.com. 3600 IN AAAA 2001:db8::53"),
			mustRR("www.example.com. 300 IN A 192.0.2.1"),
		}
		res, err := Import(rrs, zonefileOptions(ByName))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"example.com. NS is served as 3600 [ns.example.net., ns1.example.com.]; dnssync writes 3600 [ns1.example.com.] from [[zones]] (nameservers, soa_ttl)",
			"example.com. SOA is served as 7200 [ns.example.net. dns.example.com. 0 7200 600 604800 300]; dnssync writes 3600 [ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300]",
			"ns1.example.com. A is served as 3600 [192.0.2.53]; dnssync writes 3600 [127.0.0.1] from [[zones]] (nameserver_addresses, soa_ttl)",
			"ns1.example.com. AAAA is served as 3600 [2001:db8::53]; dnssync writes none",
		}
		if len(res.Notes) != len(want) {
			t.Fatalf("notes:\n%s\nwant %d", strings.Join(res.Notes, "\n"), len(want))
		}
		for i, w := range want {
			if !strings.Contains(res.Notes[i], w) {
				t.Errorf("note %d: %s\nwant it to say %s", i, res.Notes[i], w)
			}
		}
		if res.Records != 1 {
			t.Errorf("imported %d records, want www's only", res.Records)
		}
	})
	t.Run("none without a base (rfc2136)", func(t *testing.T) {
		o := zonefileOptions(ByName)
		o.Base, o.Records.Reserved = nil, nil
		res, err := Import([]dns.RR{
			mustRR("example.com. 7200 IN SOA ns.example.net. dns.example.com. 5 7200 600 604800 300"),
			mustRR("ns1.example.com. 3600 IN A 192.0.2.53"),
		}, o)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Notes) > 0 || res.Records != 1 {
			t.Errorf("notes %v, records %d; want none, and ns1's address imported (nothing reserves it)", res.Notes, res.Records)
		}
	})
	t.Run("different TTLs in one set", func(t *testing.T) {
		o := zonefileOptions(ByName)
		o.Base = nil
		res, err := Import([]dns.RR{mustRR("a.example.com. 300 IN A 192.0.2.1"), mustRR("a.example.com. 60 IN A 192.0.2.2")}, o)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "imported with 300") {
			t.Errorf("notes %v, want one about the TTLs", res.Notes)
		}
	})
}

func TestFileName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 49) + ".example.com."
	tests := []struct{ name, want string }{
		{"web-01.example.com.", "web-01.example.com.yaml"},
		{"example.com.", "example.com.yaml"},
		{"*.example.com.", "%2A.example.com.yaml"},
		{"_sip._tcp.example.com.", "_sip._tcp.example.com.yaml"},
		{"api-1.example.com.", "api%2D1.example.com.yaml"},
		{"apix.example.com.", "apix.example.com.yaml"},
		{`a\032b.example.com.`, "a%5C032b.example.com.yaml"},
		{long, long[:160] + "-"},
	}
	for _, tt := range tests {
		got := FileName(tt.name)
		if !strings.HasPrefix(got, tt.want) || len(got) > 255 || !strings.HasSuffix(got, ".yaml") {
			t.Errorf("FileName(%q) = %q, want %q", tt.name, got, tt.want)
		}
		if strings.HasPrefix(got, ".") || strings.HasPrefix(got, "api-") || strings.ContainsAny(got, "/*") {
			t.Errorf("FileName(%q) = %q: not a safe records.d file name", tt.name, got)
		}
	}
	if FileName(long) == FileName(strings.Replace(long, "d.example", "e.example", 1)) {
		t.Error("two long names share a file name")
	}
}

func TestGroupBy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		g          GroupBy
		name, want string
	}{
		{ByName, "_acme-challenge.web-01.example.com.", "_acme-challenge.web-01.example.com."},
		{ByLabel, "_acme-challenge.web-01.example.com.", "web-01.example.com."},
		{ByLabel, "web-01.example.com.", "web-01.example.com."},
		{ByLabel, "_sip._tcp.example.com.", "_tcp.example.com."},
		{ByLabel, "*.example.com.", "*.example.com."},
		{ByLabel, "example.com.", "example.com."},
		{ByZone, "a.b.example.com.", "example.com."},
	}
	for _, tt := range tests {
		if got := tt.g.group("example.com.", tt.name); got != tt.want {
			t.Errorf("%s: group(%s) = %s, want %s", tt.g, tt.name, got, tt.want)
		}
	}
	for i, n := range GroupNames {
		if g, err := ParseGroupBy(n); err != nil || g != GroupBy(i) {
			t.Errorf("ParseGroupBy(%q) = %v, %v", n, g, err)
		}
	}
	if _, err := ParseGroupBy("host"); err == nil || !strings.Contains(err.Error(), "want name, label, zone") {
		t.Errorf("ParseGroupBy(host): %v", err)
	}
}

// TestReadZoneFileErrors: a parse error gives file and line, never the
// text it could not take (the path may be any file at all).
func TestReadZoneFileErrors(t *testing.T) {
	t.Parallel()
	in := "$ORIGIN example.com.\n@ 300 IN A 192.0.2.1\nwww 300 IN A s3cr3t-t0ken\n"
	_, err := ReadZoneFile(bytes.NewBufferString(in), "example.com.", "zones/db.example.com")
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "zones/db.example.com:3:") {
		t.Errorf("error %q: want file and line 3, and nothing of the text", err)
	}
	_, err = ReadZoneFile(bytes.NewBufferString("$INCLUDE /etc/passwd\n"), "example.com.", "z")
	if err == nil {
		t.Error("$INCLUDE was followed")
	}
}
