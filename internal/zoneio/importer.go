package zoneio

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Options configure Import.
type Options struct {
	Zone string
	// Records is how records.d is read (managed zones, reserved names,
	// default TTL): every set is checked with desired's own parser under
	// these options before it goes into a file.
	Records desired.Options
	GroupBy GroupBy
	// Source says where the records came from, for the files' header
	// ("AXFR of example.com. from 192.0.2.53:53, serial 42").
	Source string
	// Base is what the backend writes into the zone itself (the zonefile
	// backend: SOA, apex NS, the nameservers' addresses). Where the zone
	// as read differs from it, `dnssync plan` will show the change: a note
	// says so.
	Base []dns.RR
	// Existing is records.d as the loader holds it now (nil: it declares
	// nothing). A set it declares already is not written again, and no
	// file is written that the loader would hold in conflict beside it.
	Existing *desired.Store
}

// File is one records.d file to write: a base name and its content.
type File struct {
	Name    string
	Data    []byte
	Records int
}

// Result is what an import would write, and what it leaves out.
type Result struct {
	Zone    string
	Files   []File // by name
	Sets    int    // RRsets in Files
	Records int    // records in Files
	// Skipped are left out by design (dnssync or the signer writes them).
	Skipped []Skip
	// Unsupported cannot be declared in records.d. With the zonefile
	// backend they would be deleted by the next apply: the caller must
	// not import without them unless told to.
	Unsupported []Skip
	// Conflicts are declared in records.d already, otherwise than served
	// (other values or TTL): the import must not write them again, and
	// the caller must not import without them unless told to.
	Conflicts []Skip
	// Notes are what `dnssync plan` will still show after the import,
	// and why.
	Notes []string
}

// Import turns the records of zone into records.d files. It fails only
// when a file it built does not read back as built (a bug, never the
// data's fault: such data is Unsupported).
func Import(rrs []dns.RR, o Options) (*Result, error) {
	zone := dns.CanonicalName(o.Zone)
	res := &Result{Zone: zone}
	read, outside, mixed := collect(zone, rrs)
	res.Unsupported = outside
	groups := map[string][]entry{}
	for _, k := range read.Keys() {
		s := read[k]
		if why, dnssec := skipReason(zone, k, o.Records.Reserved); why != "" {
			res.Skipped = append(res.Skipped, Skip{Key: k, Records: len(s.RRs), Reason: why, DNSSEC: dnssec})
			continue
		}
		if z := otherZone(zone, k.Name, o.Records.Zones); z != "" {
			skip := Skip{Key: k, Records: len(s.RRs)}
			if _, delegated := read[rrset.Key{Name: z, Type: dns.TypeNS}]; delegated {
				skip.Reason = childReason(zone, z, len(o.Base) > 0)
				res.Skipped = append(res.Skipped, skip)
			} else {
				skip.Reason = fmt.Sprintf("belongs to zone %s, also managed: declare it there", z)
				res.Unsupported = append(res.Unsupported, skip)
			}
			continue
		}
		e, note, why := declare(s, o.Records)
		if why != "" {
			res.Unsupported = append(res.Unsupported, Skip{Key: k, Records: len(s.RRs), Reason: why})
			continue
		}
		if skip, conflict := declaredAlready(o.Existing, s); skip != "" || conflict != "" {
			if skip != "" {
				res.Skipped = append(res.Skipped, Skip{Key: k, Records: len(s.RRs), Reason: skip})
			} else {
				res.Conflicts = append(res.Conflicts, Skip{Key: k, Records: len(s.RRs), Reason: conflict})
			}
			continue
		}
		if note != "" {
			res.Notes = append(res.Notes, note)
		}
		if mixed[k] {
			res.Notes = append(res.Notes, fmt.Sprintf("%s: its records have different TTLs; imported with %d, the first one's (what a server serves for the set)", k, s.TTL))
		}
		g := o.GroupBy.group(zone, k.Name)
		groups[g] = append(groups[g], e)
		res.Sets++
		res.Records += len(s.RRs)
	}
	res.Notes = append(res.Notes, baseNotes(zone, read, o.Base)...)
	if n := dnssecRecords(res.Skipped); n > 0 && len(o.Base) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("the zone is served signed (%d DNSSEC records): the zonefile backend writes it unsigned, so `dnssync plan` shows those records deleted; sign it downstream (CoreDNS dnssec plugin) or keep the signer in charge", n))
	}
	held, err := res.withoutHeld(groups, o)
	if err != nil {
		return nil, err
	}
	res.Unsupported = append(res.Unsupported, held...)
	if err := res.build(groups, o); err != nil {
		return nil, err
	}
	return res, nil
}

// collect puts the records into canonical sets, the SOA's serial zeroed
// as internal/observed does (bookkeeping, not data), and reports records
// outside the zone (a zone file may hold any name) and sets whose records
// disagree on the TTL.
func collect(zone string, rrs []dns.RR) (read rrset.Zone, outside []Skip, mixed map[rrset.Key]bool) {
	read, mixed = rrset.Zone{}, map[rrset.Key]bool{}
	out := map[rrset.Key]int{}
	for _, rr := range rrs {
		k := rrset.KeyOf(rr)
		if !dns.IsSubDomain(zone, k.Name) {
			out[k]++
			continue
		}
		if soa, ok := rr.(*dns.SOA); ok && soa.Serial != 0 {
			soa = dns.Copy(soa).(*dns.SOA)
			soa.Serial = 0
			rr = soa
		}
		if s := read[k]; s != nil && s.TTL != rr.Header().Ttl {
			mixed[k] = true
		}
		read.Put(rr)
	}
	for k, n := range out {
		outside = append(outside, Skip{Key: k, Records: n, Reason: reasonOutside})
	}
	slices.SortFunc(outside, func(a, b Skip) int { return a.Key.Compare(b.Key) })
	return read, outside, mixed
}

// declare writes s as a records.d entry and reads it back with desired's
// parser: the entry is good only if it reads as s. why says why s cannot
// be declared; note, what an import of it changes.
func declare(s *rrset.Set, opts desired.Options) (e entry, note, why string) {
	e = entryOf(s)
	for _, v := range e.values {
		if !utf8.ValidString(v) {
			return e, "", "its data is not UTF-8 text, which a records.d value must be"
		}
	}
	data, err := marshal(nil, []entry{e})
	if err != nil {
		return e, "", fmt.Sprintf("cannot be written as YAML: %v", err)
	}
	rrs, problems := desired.ParseFile(opts, "", data)
	if len(problems) > 0 {
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.Msg
		}
		return e, "", "records.d does not take it: " + strings.Join(msgs, "; ")
	}
	got := rrset.New(rrs...)
	switch {
	case got.Equal(s):
		return e, "", ""
	case s.Type == dns.TypeTXT && got.Key == s.Key && got.TTL == s.TTL && slices.Equal(rrset.Texts(got), rrset.Texts(s)):
		return e, fmt.Sprintf("%s: its text is split into strings elsewhere than every 255 bytes, as records.d splits it; imported as the same text, it will be served split anew (`dnssync plan` shows it as an update, where only the split changes: `plan --json` gives the joined text, the same old and new; SPF, DKIM and DMARC readers join the strings, so they read the same)", s.Key), ""
	}
	return e, "", fmt.Sprintf("records.d would declare it as %s, not %s", got, s)
}

// build groups the entries into files, each checked whole as the loader
// will read it.
func (res *Result) build(groups map[string][]entry, o Options) error {
	header := []string{
		"Imported by `dnssync import` from " + oneLine(o.Source) + ".",
		"records.d is the source of truth for these records now: edit them here.",
	}
	for name, entries := range byFile(groups) {
		data, err := marshal(header, entries)
		if err != nil {
			return fmt.Errorf("import %s: render %s: %w", res.Zone, name, err)
		}
		want := 0
		for _, e := range entries {
			want += len(e.values)
		}
		rrs, problems := desired.ParseFile(o.Records, name, data)
		if len(problems) > 0 || len(rrs) != want {
			return fmt.Errorf("import %s: %s does not read back as written (%d of %d records; %v): this is a bug in dnssync", res.Zone, name, len(rrs), want, problems)
		}
		res.Files = append(res.Files, File{Name: name, Data: data, Records: want})
	}
	slices.SortFunc(res.Files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	return nil
}

// oneLine keeps a header comment on its line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
