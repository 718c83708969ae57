//go:build linux

package main

import "testing"

// A change that wrote many zone files names the first few in the notes,
// not thousands.
func TestFirstNames(t *testing.T) {
	for _, tt := range []struct {
		names []string
		want  string
	}{
		{nil, "[]"},
		{[]string{"db.a", "db.b"}, "[db.a db.b]"},
		{[]string{"1", "2", "3", "4", "5", "6", "7"}, "[1 2 3 4 5 and 2 more]"},
	} {
		if got := firstNames(tt.names); got != tt.want {
			t.Errorf("firstNames(%q) = %q, want %q", tt.names, got, tt.want)
		}
	}
}
