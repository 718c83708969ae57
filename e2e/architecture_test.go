package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestArchitectureTableNamesEveryPackage keeps the README's architecture
// table true: every package in the tree has a row, and every row names a
// package that exists.
func TestArchitectureTableNamesEveryPackage(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "\n## Architecture\n")
	if !ok {
		t.Fatal("README has no ## Architecture section")
	}
	if end := strings.Index(table, "\n## "); end >= 0 {
		table = table[:end]
	}
	documented := map[string]bool{}
	cell := regexp.MustCompile(`^\| ([^|]+) \|`)
	name := regexp.MustCompile("`([a-z0-9/-]+)`")
	for _, line := range strings.Split(table, "\n") {
		m := cell.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, n := range name.FindAllStringSubmatch(m[1], -1) {
			p := n[1]
			if !strings.Contains(p, "/") && p != "client" {
				p = "internal/" + p // the short names in a shared row
			}
			documented[p] = true
		}
	}

	var packages []string
	for _, root := range []string{"cmd", "internal", "client"} {
		err := filepath.WalkDir(filepath.Join("..", root), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			rel, _ := filepath.Rel("..", filepath.Dir(path))
			if !slices.Contains(packages, rel) {
				packages = append(packages, rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range packages {
		if !documented[p] {
			t.Errorf("package %s has no row in the README's architecture table", p)
		}
		delete(documented, p)
	}
	for p := range documented {
		t.Errorf("the README's architecture table names %s, which is no package", p)
	}
}
