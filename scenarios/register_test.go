package scenarios

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rmqkb/conformance/verdict"
)

// TestSuitesRegisterByName: every suite has a file named for it whose
// init registers its cases, one name per line; no other file registers,
// and no case literal is registered inline (ARCHITECTURE.md, "Where a new
// case goes").
func TestSuitesRegisterByName(t *testing.T) {
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	registering := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if id, isIdent := call2ident(call, ok); !isIdent || id != "register" {
				return true
			}
			if registering[strings.TrimSuffix(f, ".go")] {
				t.Errorf("%s: a second register call; one per suite file", fset.Position(call.Pos()))
			}
			registering[strings.TrimSuffix(f, ".go")] = true
			for _, a := range call.Args {
				if _, ok := a.(*ast.Ident); !ok {
					t.Errorf("%s: registers a case that is not a named value: %v", fset.Position(a.Pos()), a)
				} else if fset.Position(a.Pos()).Line == fset.Position(call.Pos()).Line {
					t.Errorf("%s: registers a case on register's own line; one name per line", fset.Position(a.Pos()))
				}
			}
			return true
		})
	}
	for _, s := range verdict.Suites {
		if !registering[s] {
			t.Errorf("suite %s has no file %s.go registering its cases", s, s)
		}
	}
	for f := range registering {
		if !slices.Contains(verdict.Suites, f) {
			t.Errorf("%s.go registers cases but names no suite", f)
		}
	}
}

func call2ident(call *ast.CallExpr, ok bool) (string, bool) {
	if !ok {
		return "", false
	}
	id, ok := call.Fun.(*ast.Ident)
	if !ok {
		return "", false
	}
	return id.Name, true
}
