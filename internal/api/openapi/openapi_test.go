package openapi

import (
	"slices"
	"strings"
	"testing"
)

// The embedded document loads: OpenAPI 3.1, every reference resolves,
// every schema uses only what the validator checks.
func TestDocumentLoads(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Responses()); n < 30 {
		t.Errorf("%d responses declared; the records API alone has more", n)
	}
}

// A document whose schema says what the validator does not check is
// refused, as are broken references and required fields not declared.
func TestParseRefuses(t *testing.T) {
	for _, tt := range []struct {
		name, schema, want string
	}{
		{"unknown keyword", `{"type": "string", "pattern": "^a"}`, `keyword "pattern" is not checked`},
		{"oneOf", `{"oneOf": [{"type": "string"}]}`, `keyword "oneOf"`},
		{"unresolved", `{"$ref": "#/components/schemas/Nope"}`, "unresolved"},
		{"unknown type", `{"type": "str"}`, `unknown type "str"`},
		{"required undeclared", `{"type": "object", "required": ["a"], "properties": {"b": {"type": "string"}}}`, `required a is not among`},
		{"additionalProperties schema", `{"type": "object", "additionalProperties": {"type": "string"}}`, "true or false"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"openapi": "3.1.0", "paths": {"/x": {"get": {"responses": {"200": {"description": "x",
				"content": {"application/json": {"schema": ` + tt.schema + `}}}}}}}, "components": {"schemas": {}}}`
			if _, err := Parse([]byte(doc)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse: %v, want an error with %q", err, tt.want)
			}
		})
	}
	if _, err := Parse([]byte(`{"openapi": "3.0.3", "paths": {}}`)); err == nil {
		t.Error("an OpenAPI 3.0 document: no error")
	}
}

func TestValidate(t *testing.T) {
	doc := `{"openapi": "3.1.0", "paths": {"/r/{name}": {"get": {"responses": {
		"200": {"description": "x", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/T"}}}},
		"204": {"description": "nothing"}}}},
		"/r/fixed": {"get": {"responses": {"200": {"description": "x", "content": {"text/plain": {}}}}}}},
	  "components": {"schemas": {"T": {"type": "object", "additionalProperties": false, "required": ["s", "n"], "properties": {
		"s": {"type": "string", "enum": ["a", "b"]},
		"n": {"type": "integer", "minimum": 0, "maximum": 10},
		"f": {"type": "number"},
		"l": {"type": ["array", "null"], "items": {"type": "boolean"}},
		"o": {"type": "object", "properties": {"x": {"type": "string"}}}}}}}}`
	s, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		body string
		want string // "" valid
	}{
		{`{"s": "a", "n": 3}`, ""},
		{`{"s": "b", "n": 0, "f": 1.5, "l": [true, false], "o": {"x": "y", "extra": 1}}`, ""},
		{`{"s": "a", "n": 3, "l": null}`, ""},
		{`{"s": "a", "n": 3, "f": 2}`, ""}, // an integer is a number
		{`{"s": "c", "n": 3}`, `$.s: "c" is not one of ["a","b"]`},
		{`{"s": "a"}`, `$: required field "n" missing`},
		{`{"s": "a", "n": 3, "x": 1}`, `$: field "x" not in the document`},
		{`{"s": "a", "n": 1.5}`, `$.n: number, want integer`},
		{`{"s": "a", "n": 11}`, `$.n: 11 above the maximum 10`},
		{`{"s": "a", "n": -1}`, `$.n: -1 below the minimum 0`},
		{`{"s": "a", "n": 1, "l": [true, "x"]}`, `$.l[1]: string, want boolean`},
		{`{"s": "a", "n": 1, "o": {"x": 2}}`, `$.o.x: integer, want string`},
		{`[]`, `$: array, want object`},
		{`{"s": "a", "n": 1} {}`, `more than one JSON value`},
		{`{"s": "a", "n": 1}` + "\n", ``},
	} {
		route, err := s.Check("GET", "/r/web.example.com", 200, "application/json", []byte(tt.body))
		if route != "/r/{name}" {
			t.Errorf("route %q, want /r/{name}", route)
		}
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Check(%s) = %v, want %q", tt.body, err, tt.want)
		}
	}
	for _, tt := range []struct {
		method, path string
		status       int
		ctype, body  string
		want         string
	}{
		{"GET", "/r/fixed", 200, "text/plain; version=0.0.4", "# metrics", ""},              // a literal segment wins over {name}
		{"GET", "/r/fixed", 200, "application/json", "{}", "application/json not declared"}, //
		{"GET", "/r/x", 204, "", "", ""},
		{"GET", "/r/x", 204, "application/json", "{}", "a body, where the document declares none"},
		{"GET", "/r/x", 404, "application/json", "{}", "status 404 not in the document"},
		{"PUT", "/r/x", 200, "application/json", "{}", "method not in the document"},
		{"GET", "/r/", 200, "application/json", "{}", "no route"},
		{"GET", "/q", 200, "application/json", "{}", "no route"},
	} {
		_, err := s.Check(tt.method, tt.path, tt.status, tt.ctype, []byte(tt.body))
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Check(%s %s %d) = %v, want %q", tt.method, tt.path, tt.status, err, tt.want)
		}
	}
	if got := s.Responses(); len(got) != 3 || got[0].String() != "GET /r/fixed 200" || got[2].String() != "GET /r/{name} 204" {
		t.Errorf("Responses = %v", got)
	}
}

// Every object the document declares is strict (additionalProperties:
// false), so that a field a handler starts to send without the document
// declaring it fails the contract test instead of slipping through.
func TestEveryObjectIsStrict(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var walk func(at string, schema any)
	walk = func(at string, schema any) {
		m, ok := schema.(map[string]any)
		if !ok {
			return
		}
		if _, isObject := m["properties"]; isObject || slices.Contains(typesOf(m), "object") {
			if ap, ok := m["additionalProperties"].(bool); !ok || ap {
				t.Errorf("%s: an object without additionalProperties: false", at)
			}
		}
		props, _ := m["properties"].(map[string]any)
		for name, p := range props {
			walk(at+"."+name, p)
		}
		if items, ok := m["items"]; ok {
			walk(at+"[]", items)
		}
	}
	schemas, _ := s.components("schemas")
	for name, sc := range schemas {
		walk("#/components/schemas/"+name, sc)
	}
	for _, r := range s.Responses() {
		resp, err := s.response(r.Route, strings.ToLower(r.Method), r.Status)
		if err != nil {
			t.Fatal(err)
		}
		content, _ := resp["content"].(map[string]any)
		for mt, c := range content {
			walk(r.String()+" "+mt, c.(map[string]any)["schema"])
		}
	}
}
