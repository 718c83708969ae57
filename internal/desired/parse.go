package desired

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dnssync/dnssync/internal/yamlnode"
)

// The file is decoded into yaml.Node and walked by hand rather than into
// structs: yaml.v3 forgets KnownFields inside custom unmarshalers, and a
// hand walk lets every error point at the line of the offending key or value.
// Files of the one shape orchestrators write skip yaml.v3 for the same
// nodes (fastparse.go).

// recordFields are one entry of a file as written; nil means absent.
type recordFields struct {
	line                               int // of the entry itself
	name, typ, value, values, ttl, ptr *yaml.Node
}

const wantRecordFields = "want name, type, value, values, ttl, ptr"

// slot is where the record field key goes; nil for a key no record has.
func (f *recordFields) slot(key string) **yaml.Node {
	switch key {
	case "name":
		return &f.name
	case "type":
		return &f.typ
	case "value":
		return &f.value
	case "values":
		return &f.values
	case "ttl":
		return &f.ttl
	case "ptr":
		return &f.ptr
	}
	return nil
}

// notRecordsFile is the whole message for a file whose top level is not a
// mapping with the one key "records": it may be any file at all (a hard
// link to a key is a regular file, open.go), so the message quotes nothing
// of it.
const notRecordsFile = "not a records file (want a mapping with a \"records\" list)"

// lineError is a problem inside a file, before the path is known to it.
type lineError struct {
	line int
	msg  string
	// unzoned: the name (canonical) in no managed zone, when that is the
	// problem. A file whose every problem is this one waits for its zone
	// (parseRecords).
	unzoned string
}

func errAt(line int, format string, args ...any) *lineError {
	return &lineError{line: line, msg: fmt.Sprintf(format, args...)}
}

// parseFile decodes and validates one record file. Either records or problems
// is empty: any problem makes the whole file invalid.
func parseFile(path string, data []byte, v *validator) ([]record, []Problem) {
	recs, problems, _ := parseRecords(path, data, v)
	return recs, problems
}

// parseRecords is parseFile, and returns the names of an invalid file
// that waits for a zone: it parses, and its every entry names something
// in no managed zone (waiting lists those names, in file order, once
// each; nil for any other file). Such a file is invalid all the same, but
// it is read: what it declares is known, and none of it is in a managed
// zone. Whether it holds deletions depends on when it was found so
// (State.Incomplete, State.Unzoned). Its records apply once their zone is
// added (SetZones).
func parseRecords(path string, data []byte, v *validator) (recs []record, problems []Problem, waiting []string) {
	nb := getNodes()
	defer putNodes(nb)
	fields, lerr := decodeFile(data, nb)
	if lerr != nil {
		return nil, []Problem{{File: path, Line: lerr.line, Msg: lerr.msg}}, nil
	}
	onlyUnzoned := true
	if len(fields) > 0 {
		recs = make([]record, 0, len(fields))
	}
	ar := newArena(countA(fields))
	for _, f := range fields {
		var errs []*lineError
		recs, errs = v.record(recs, f, ar)
		for _, e := range errs {
			problems = append(problems, Problem{File: path, Line: e.line, Msg: e.msg})
			onlyUnzoned = onlyUnzoned && e.unzoned != ""
			if e.unzoned != "" && !slices.Contains(waiting, e.unzoned) {
				waiting = append(waiting, e.unzoned)
			}
		}
	}
	if len(problems) > 0 {
		// A record in a managed zone beside the waiting ones is wanted
		// there and not applied: that file's content is not all known
		// to the merge, and it holds deletions as any invalid file does.
		if !onlyUnzoned || len(recs) > 0 {
			waiting = nil
		}
		return nil, problems, waiting
	}
	if problems := oversized(path, recs); len(problems) > 0 {
		return nil, problems, nil
	}
	return recs, nil, nil
}

// countA returns how many A records fields may declare, for the arena.
func countA(fields []recordFields) int {
	n := 0
	for _, f := range fields {
		if f.typ == nil || !strings.EqualFold(f.typ.Value, "A") {
			continue
		}
		switch {
		case f.value != nil:
			n++
		case f.values != nil:
			n += len(f.values.Content)
		}
	}
	return n
}

// decodeFile checks the file's structure and returns its entries.
func decodeFile(data []byte, nb *nodeBuf) ([]recordFields, *lineError) {
	if fields, ok := fastFields(data, nb); ok {
		return fields, nil
	}
	return decodeYAML(data)
}

// decodeYAML is decodeFile by yaml.v3, for any file.
func decodeYAML(data []byte) ([]recordFields, *lineError) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			// A file with nothing in it is what an in-place write looks
			// like between truncate and write; reading it as "no records"
			// would delete the file's records. `records: []` says none.
			return nil, errAt(0, "file is empty (half-written?); write `records: []` to declare no records")
		}
		return nil, yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, yamlError(err)
		}
		return nil, errAt(extra.Line, "more than one YAML document (want one)")
	}

	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	root = yamlnode.Deref(root)
	if root.Kind != yaml.MappingNode {
		// Plain text (a key, a token, /etc/passwd) reads as one YAML
		// scalar: say nothing of what it holds.
		return nil, errAt(root.Line, notRecordsFile)
	}
	var records *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, val := root.Content[i], yamlnode.Deref(root.Content[i+1])
		switch {
		case k.Kind != yaml.ScalarNode || k.Value != "records":
			// `token: x`, a base64 key with `: algo` after it, a
			// shadow line ending in ':' all read as a mapping with one
			// odd key: the key is the secret, so it is not quoted,
			// not even a typo of "records" (the line finds it).
			return nil, errAt(k.Line, notRecordsFile)
		case records != nil:
			return nil, errAt(k.Line, "duplicate field \"records\"")
		}
		records = val
	}
	if records == nil {
		return nil, errAt(root.Line, "no \"records\" list (use records: [] for none)")
	}
	if records.Kind != yaml.SequenceNode {
		// `records:` with nothing after it is refused too: a truncated
		// write looks exactly like that, and reading it as "no records"
		// would delete the file's records.
		return nil, errAt(records.Line, "\"records\" must be a list, got %s", yamlnode.Describe(records))
	}

	out := make([]recordFields, 0, len(records.Content))
	for _, item := range records.Content {
		item = yamlnode.Deref(item)
		if item.Kind != yaml.MappingNode {
			return nil, errAt(item.Line, "record must be a mapping, got %s", yamlnode.Describe(item))
		}
		f, lerr := decodeRecord(item)
		if lerr != nil {
			return nil, lerr
		}
		out = append(out, f)
	}
	return out, nil
}

func decodeRecord(m *yaml.Node) (recordFields, *lineError) {
	f := recordFields{line: m.Line}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, val := m.Content[i], yamlnode.Deref(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return f, errAt(k.Line, "record key must be a string, got %s", yamlnode.Describe(k))
		}
		slot := f.slot(k.Value)
		if slot == nil {
			return f, errAt(k.Line, "unknown field %s in record (%s)", excerpt(k.Value), wantRecordFields)
		}
		if *slot != nil {
			return f, errAt(k.Line, "duplicate field %q in record", k.Value)
		}
		*slot = val
	}
	return f, nil
}

// yamlError turns a yaml.v3 syntax error into a line and a message, so that
// it prints like every other problem, with nothing of the file's content.
func yamlError(err error) *lineError {
	line, msg := yamlnode.SyntaxError(err)
	return errAt(line, "invalid YAML: %s", msg)
}
