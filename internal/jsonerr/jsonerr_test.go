package jsonerr

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestWhere(t *testing.T) {
	type file struct {
		Version int               `json:"version"`
		Zones   map[string]string `json:"zones"`
	}
	tests := []struct{ name, content, want string }{
		{"syntax", `{"version": 1, "zones": {"secret.example.": tru}}`, "not valid JSON (at byte 48)"},
		{"wrong type", `{"version": "secret-value"}`, "not valid: a value of the wrong type at byte 26"},
		{"cut short", `{"version": 1, "zones": {"secret.example.": "`, "empty or cut short"},
		{"empty", ``, "empty or cut short"},
		{"unknown key", `{"version": 1, "secret-key": 2}`, "not valid: an unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := json.NewDecoder(bytes.NewReader([]byte(tt.content)))
			dec.DisallowUnknownFields()
			var f file
			err := dec.Decode(&f)
			if err == nil {
				t.Fatal("decoded")
			}
			got := Where(err)
			if got != tt.want {
				t.Errorf("Where(%v) = %q, want %q", err, got, tt.want)
			}
			if strings.Contains(got, "secret") {
				t.Errorf("Where quotes the content: %q", got)
			}
		})
	}
}
