package apply

import "strings"

// A zone file dnssync writes names its zone once, in $ORIGIN, and its
// most common TTL once, in $TTL, and writes each owner relative to the
// zone, the TTL only where it is another, and no class (every record is
// IN): "host-1 A 10.0.0.1" where Render writes "host-1.example.com. 300
// IN A 10.0.0.1". At 1,000,000 records that is 40% less text to write,
// for a change to copy and for CoreDNS to read on every reload. Names in
// the data stay fully qualified.

// writeRelative writes line, an RR as miekg/dns prints it (owner, TTL,
// class, type and data, separated by tabs), to b with its owner relative
// to origin, its TTL left out if it is ttl (the $TTL; "": none), and the
// class left out. A line it cannot shorten safely goes as it is: a class
// other than IN, an owner outside origin, or one that would read as a
// directive.
func writeRelative(b *strings.Builder, line, origin, ttl string) {
	var ends [3]int // of the owner, the TTL and the class
	from := 0
	for k := range ends {
		i := strings.IndexByte(line[from:], '\t')
		if i < 0 {
			b.WriteString(line)
			return
		}
		ends[k] = from + i
		from = ends[k] + 1
	}
	owner, ok := relativeName(line[:ends[0]], origin)
	if !ok || line[ends[1]+1:ends[2]] != "IN" {
		b.WriteString(line)
		return
	}
	b.WriteString(owner)
	if line[ends[0]+1:ends[1]] != ttl {
		b.WriteString(line[ends[0]:ends[1]]) // the tab and the TTL
	}
	b.WriteString(line[ends[2]:]) // the tab, the type and the data
}

// relativeName returns name (in presentation form) relative to origin:
// "@" for origin itself, the labels before it for a name below it. ok is
// false for a name outside origin (a dot before origin that is escaped is
// part of a label: "a\.example.com." is not below "example.com."), and
// for one whose relative form starts with "$": at the start of a line it
// could read as $TTL or $ORIGIN.
func relativeName(name, origin string) (rel string, ok bool) {
	if name == origin {
		return "@", true
	}
	dot := len(name) - len(origin) - 1 // the dot before origin
	if dot < 1 || !strings.HasSuffix(name, origin) || name[dot] != '.' || escaped(name, dot) || name[0] == '$' {
		return "", false
	}
	return name[:dot], true
}

// escaped reports whether s[i] is escaped: after an odd number of
// backslashes.
func escaped(s string, i int) bool {
	n := 0
	for i > 0 && s[i-1] == '\\' {
		n++
		i--
	}
	return n%2 == 1
}
