package openapi

// A validator for the part of JSON Schema (2020-12, as OpenAPI 3.1 uses
// it) that the document uses: $ref to #/components/schemas, type (one or
// a list), properties, required, additionalProperties (true or false),
// items, enum, minimum and maximum; and annotations, which check nothing.
// lint refuses any other keyword: a schema must not say what is not
// checked.

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

var (
	checked     = []string{"$ref", "type", "properties", "required", "additionalProperties", "items", "enum", "minimum", "maximum"}
	annotations = []string{"description", "title", "format", "examples", "deprecated"}
	types       = []string{"object", "array", "string", "integer", "number", "boolean", "null"}
)

// lint checks that schema uses only the keywords the validator knows, that
// its references resolve and its types exist.
func (s *Spec) lint(schema any, at string, seen map[string]bool) error {
	m, ok := schema.(map[string]any)
	if !ok {
		return fmt.Errorf("openapi: %s: schema is not an object", at)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(checked, k) && !slices.Contains(annotations, k) {
			return fmt.Errorf("openapi: %s: keyword %q is not checked by the validator (schema.go)", at, k)
		}
	}
	if ref, ok := m["$ref"].(string); ok {
		if len(m) > 1 && !(len(m) == 2 && m["description"] != nil) {
			return fmt.Errorf("openapi: %s: $ref beside other keywords", at)
		}
		target, ok := s.ref(ref)
		if !ok || !strings.HasPrefix(ref, "#/components/schemas/") {
			return fmt.Errorf("openapi: %s: unresolved %s", at, ref)
		}
		if seen[ref] {
			return nil
		}
		seen[ref] = true
		return s.lint(target, ref, seen)
	}
	for _, t := range typesOf(m) {
		if !slices.Contains(types, t) {
			return fmt.Errorf("openapi: %s: unknown type %q", at, t)
		}
	}
	if ap, ok := m["additionalProperties"]; ok {
		if _, isBool := ap.(bool); !isBool {
			return fmt.Errorf("openapi: %s: additionalProperties must be true or false", at)
		}
	}
	props, _ := m["properties"].(map[string]any)
	req, _ := m["required"].([]any)
	for _, r := range req {
		if _, ok := props[fmt.Sprint(r)]; !ok {
			return fmt.Errorf("openapi: %s: required %v is not among its properties", at, r)
		}
	}
	for name, p := range props {
		if err := s.lint(p, at+"."+name, seen); err != nil {
			return err
		}
	}
	if items, ok := m["items"]; ok {
		return s.lint(items, at+"[]", seen)
	}
	return nil
}

// validate checks v (decoded with UseNumber) against schema; at names
// where v is, for the error ($.data.records[0].status).
func (s *Spec) validate(schema any, v any, at string) error {
	m, _ := schema.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		target, ok := s.ref(ref)
		if !ok {
			return fmt.Errorf("%s: unresolved %s", at, ref)
		}
		return s.validate(target, v, at)
	}
	if ts := typesOf(m); len(ts) > 0 && !slices.Contains(ts, typeOf(v)) && !(typeOf(v) == "integer" && slices.Contains(ts, "number")) {
		return fmt.Errorf("%s: %s, want %s", at, typeOf(v), strings.Join(ts, " or "))
	}
	if enum, ok := m["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return same(e, v) }) {
		return fmt.Errorf("%s: %s is not one of %s", at, show(v), show(enum))
	}
	if n, ok := v.(json.Number); ok {
		f, _ := n.Float64()
		if lo, ok := m["minimum"].(json.Number); ok {
			if l, _ := lo.Float64(); f < l {
				return fmt.Errorf("%s: %s below the minimum %s", at, n, lo)
			}
		}
		if hi, ok := m["maximum"].(json.Number); ok {
			if h, _ := hi.Float64(); f > h {
				return fmt.Errorf("%s: %s above the maximum %s", at, n, hi)
			}
		}
	}
	switch v := v.(type) {
	case map[string]any:
		props, _ := m["properties"].(map[string]any)
		req, _ := m["required"].([]any)
		for _, r := range req {
			if _, ok := v[fmt.Sprint(r)]; !ok {
				return fmt.Errorf("%s: required field %q missing", at, r)
			}
		}
		names := make([]string, 0, len(v))
		for k := range v {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			p, declared := props[k]
			if !declared {
				if m["additionalProperties"] == false {
					return fmt.Errorf("%s: field %q not in the document", at, k)
				}
				continue
			}
			if err := s.validate(p, v[k], at+"."+k); err != nil {
				return err
			}
		}
	case []any:
		if items, ok := m["items"]; ok {
			for i, e := range v {
				if err := s.validate(items, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func typesOf(m map[string]any) []string {
	switch t := m["type"].(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, len(t))
		for i, e := range t {
			out[i] = fmt.Sprint(e)
		}
		return out
	}
	return nil
}

// typeOf is v's JSON Schema type; a number without a fraction or exponent
// is an integer.
func typeOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if strings.ContainsAny(v.String(), ".eE") {
			return "number"
		}
		return "integer"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func same(a, b any) bool { return show(a) == show(b) }

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
