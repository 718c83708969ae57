// Package openapi holds the HTTP API's published contract: an OpenAPI 3.1
// document (openapi.json, kept in the repository and embedded in the
// binary, served at GET /api/v1/openapi.json), and the means to hold the
// handlers to it: Check says whether one answer (route, method, status,
// body) is one the document declares, and Responses lists every answer it
// declares, so that a test can drive each one and the two cannot drift.
//
// Schemas are checked by a small validator of the JSON Schema the
// document uses (schema.go); a keyword it does not know is an error when
// the document is loaded, so the document cannot promise what nobody
// checks.
package openapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"slices"
	"strconv"
	"strings"
)

//go:embed openapi.json
var document []byte

// Document returns the OpenAPI document as served.
func Document() []byte { return bytes.Clone(document) }

// Spec is the document, loaded for checking answers against it.
type Spec struct {
	root  map[string]any
	paths map[string]map[string]any // route -> method (lower case) -> operation
}

// Response is one answer the document declares.
type Response struct {
	Method string // upper case
	Route  string // as the document writes it: /api/v1/dns/records/{name}
	Status int
}

func (r Response) String() string { return fmt.Sprintf("%s %s %d", r.Method, r.Route, r.Status) }

// Load reads the embedded document and checks that every schema in it
// uses only what the validator checks.
func Load() (*Spec, error) { return Parse(document) }

// Parse reads a document (Load's, or a test's).
func Parse(doc []byte) (*Spec, error) {
	var root map[string]any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	if v, _ := root["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		return nil, fmt.Errorf("openapi: version %q, want 3.1.x", v)
	}
	s := &Spec{root: root, paths: map[string]map[string]any{}}
	paths, _ := root["paths"].(map[string]any)
	for route, item := range paths {
		ops, _ := item.(map[string]any)
		s.paths[route] = map[string]any{}
		for method, op := range ops {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			s.paths[route][method] = op
		}
	}
	// Every schema and every response must resolve and use known keywords.
	for _, r := range s.Responses() {
		resp, err := s.response(r.Route, strings.ToLower(r.Method), r.Status)
		if err != nil {
			return nil, err
		}
		content, _ := resp["content"].(map[string]any)
		for mt, c := range content {
			if schema, ok := c.(map[string]any)["schema"]; ok {
				if err := s.lint(schema, r.String()+" "+mt, map[string]bool{}); err != nil {
					return nil, err
				}
			}
		}
	}
	if schemas, ok := s.components("schemas"); ok {
		for name, sc := range schemas {
			if err := s.lint(sc, "#/components/schemas/"+name, map[string]bool{}); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// Responses lists every answer the document declares, sorted.
func (s *Spec) Responses() []Response {
	var out []Response
	for route, ops := range s.paths {
		for method, op := range ops {
			responses, _ := op.(map[string]any)["responses"].(map[string]any)
			for code := range responses {
				n, err := strconv.Atoi(code)
				if err != nil {
					continue // "default": not an answer a test can drive
				}
				out = append(out, Response{Method: strings.ToUpper(method), Route: route, Status: n})
			}
		}
	}
	slices.SortFunc(out, func(a, b Response) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// Route returns the route of the document that path (without its query)
// matches, "" when none does. A template segment ({name}) matches any one
// non-empty segment; a literal segment wins over a template.
func (s *Spec) Route(path string) string {
	parts := strings.Split(path, "/")
	best, bestLiterals := "", -1
	for route := range s.paths {
		tmpl := strings.Split(route, "/")
		if len(tmpl) != len(parts) {
			continue
		}
		literals, ok := 0, true
		for i, t := range tmpl {
			switch {
			case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}"):
				ok = ok && parts[i] != ""
			case t == parts[i]:
				literals++
			default:
				ok = false
			}
		}
		if ok && literals > bestLiterals {
			best, bestLiterals = route, literals
		}
	}
	return best
}

// Check says whether an answer to method on path is one the document
// declares: its route and method, its status, its content type and, for
// JSON, a body valid against the declared schema. It returns the route.
func (s *Spec) Check(method, path string, status int, contentType string, body []byte) (string, error) {
	route := s.Route(path)
	if route == "" {
		return "", fmt.Errorf("%s %s: no route in the document", method, path)
	}
	resp, err := s.response(route, strings.ToLower(method), status)
	if err != nil {
		return route, err
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(bytes.TrimSpace(body)) > 0 {
			return route, fmt.Errorf("%s %s %d: a body, where the document declares none", method, route, status)
		}
		return route, nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return route, fmt.Errorf("%s %s %d: content type %q: %w", method, route, status, contentType, err)
	}
	c, ok := content[mt].(map[string]any)
	if !ok {
		return route, fmt.Errorf("%s %s %d: content type %s not declared", method, route, status, mt)
	}
	schema, ok := c["schema"]
	if !ok || mt != "application/json" {
		return route, nil
	}
	v, err := decode(body)
	if err != nil {
		return route, fmt.Errorf("%s %s %d: %w", method, route, status, err)
	}
	if err := s.validate(schema, v, "$"); err != nil {
		return route, fmt.Errorf("%s %s %d: %w", method, route, status, err)
	}
	return route, nil
}

// CheckSchema validates a JSON body against a schema of
// #/components/schemas (for answers that belong to no route, such as the
// error envelope of an unknown path).
func (s *Spec) CheckSchema(name string, body []byte) error {
	v, err := decode(body)
	if err != nil {
		return err
	}
	return s.validate(map[string]any{"$ref": "#/components/schemas/" + name}, v, "$")
}

// decode reads one JSON value, numbers as written, and nothing after it.
func decode(body []byte) (any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("body is not JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("body is more than one JSON value")
	}
	return v, nil
}

// response is the declared response of an operation, references resolved.
func (s *Spec) response(route, method string, status int) (map[string]any, error) {
	op, ok := s.paths[route][method].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s %s: method not in the document", strings.ToUpper(method), route)
	}
	responses, _ := op["responses"].(map[string]any)
	resp, ok := responses[strconv.Itoa(status)]
	if !ok {
		return nil, fmt.Errorf("%s %s: status %d not in the document", strings.ToUpper(method), route, status)
	}
	for range 8 { // a chain of references, bounded
		m, ok := resp.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s %s %d: response is not an object", strings.ToUpper(method), route, status)
		}
		ref, isRef := m["$ref"].(string)
		if !isRef {
			return m, nil
		}
		if resp, ok = s.ref(ref); !ok {
			return nil, fmt.Errorf("%s %s %d: unresolved %s", strings.ToUpper(method), route, status, ref)
		}
	}
	return nil, fmt.Errorf("%s %s %d: references too deep", strings.ToUpper(method), route, status)
}

func (s *Spec) components(kind string) (map[string]any, bool) {
	c, _ := s.root["components"].(map[string]any)
	m, ok := c[kind].(map[string]any)
	return m, ok
}

// ref resolves a local reference, #/components/KIND/NAME.
func (s *Spec) ref(ref string) (any, bool) {
	parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
	if len(parts) != 3 || parts[0] != "components" {
		return nil, false
	}
	m, ok := s.components(parts[1])
	if !ok {
		return nil, false
	}
	v, ok := m[parts[2]]
	return v, ok
}
