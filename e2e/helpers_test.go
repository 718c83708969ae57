package e2e

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelpersFailTheirOwnTest reads this package's source: a helper that
// fails the test it captured (env, daemon and apiEnv methods use the t they
// were made with) must not be called on a parent's value inside t.Run,
// nor from a goroutine, where t.Fatal ends the wrong goroutine and blames
// the wrong test. Inside t.Run, rebind first (e := e.in(t)); in a
// goroutine, use the helpers that return errors (env.run, apiEnv.send).
func TestHelpersFailTheirOwnTest(t *testing.T) {
	t.Parallel()
	problems, err := helperMisuse(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// helperMisuse parses the Go files in dir and reports each misuse.
func helperMisuse(dir string) ([]string, error) {
	fset := token.NewFileSet()
	paths, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, p := range paths {
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	failing := capturedTMethods(files)
	var out []string
	report := func(n ast.Node, format string, args ...any) {
		out = append(out, fmt.Sprintf("%s: %s", fset.Position(n.Pos()), fmt.Sprintf(format, args...)))
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr: // t.Run(name, func(t *testing.T) { ... })
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Run" || len(n.Args) != 2 {
					return true
				}
				lit, ok := n.Args[1].(*ast.FuncLit)
				if !ok {
					return true
				}
				own := declaredIn(lit)
				eachMethodCall(lit.Body, func(c *ast.CallExpr, recv *ast.Ident, name string) {
					if failing[name] && !own[recv.Name] {
						report(c, "subtest calls %s.%s on its parent's %s: rebind with %s := %s.in(t)", recv.Name, name, recv.Name, recv.Name, recv.Name)
					}
				})
			case *ast.GoStmt:
				lit, ok := n.Call.Fun.(*ast.FuncLit)
				if !ok {
					return true
				}
				eachMethodCall(lit.Body, func(c *ast.CallExpr, recv *ast.Ident, name string) {
					if failing[name] || strings.HasPrefix(name, "Fatal") || name == "FailNow" || strings.HasPrefix(name, "Skip") {
						report(c, "goroutine calls %s.%s, which may end the goroutine as if it were the test's", recv.Name, name)
					}
				})
			}
			return true
		})
	}
	return out, nil
}

// capturedTMethods are the names of methods that use a t held by their
// receiver (r.t, r.e.t) or call such a method on it, found to a fixpoint.
// in, the rebinding itself, is not one.
func capturedTMethods(files []*ast.File) map[string]bool {
	var methods []*ast.FuncDecl
	for _, f := range files {
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil && len(fn.Recv.List[0].Names) == 1 && fn.Body != nil && fn.Name.Name != "in" {
				methods = append(methods, fn)
			}
		}
	}
	failing := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, fn := range methods {
			if failing[fn.Name.Name] {
				continue
			}
			name, recv := fn.Name.Name, fn.Recv.List[0].Names[0].Name
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && rootIdent(sel.X) == recv && (sel.Sel.Name == "t" || failing[sel.Sel.Name]) {
					failing[name], changed = true, true
				}
				return !failing[name]
			})
		}
	}
	return failing
}

// eachMethodCall calls f for every call X.M(...) in body whose X is a plain
// identifier.
func eachMethodCall(body ast.Node, f func(c *ast.CallExpr, recv *ast.Ident, name string)) {
	ast.Inspect(body, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok {
					f(c, id, sel.Sel.Name)
				}
			}
		}
		return true
	})
}

// declaredIn are the names a function literal declares: its parameters and
// every := and var inside it.
func declaredIn(lit *ast.FuncLit) map[string]bool {
	own := map[string]bool{}
	for _, p := range lit.Type.Params.List {
		for _, n := range p.Names {
			own[n.Name] = true
		}
	}
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						own[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				own[id.Name] = true
			}
		}
		return true
	})
	return own
}

// rootIdent is the identifier a selector chain starts from (m in m.e.t).
func rootIdent(x ast.Expr) string {
	for {
		switch v := x.(type) {
		case *ast.Ident:
			return v.Name
		case *ast.SelectorExpr:
			x = v.X
		default:
			return ""
		}
	}
}
