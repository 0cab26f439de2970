// Package civicbot_test checks the module's layering: every import points down.
//
// The rules, each checked on the import clauses of every Go file of the module
// (tests included unless a rule says otherwise):
//
//  1. Nothing below the bot imports it: the packages under retrieval/, store/,
//     conversation/, corpus/ and staff/ never import bot or a package
//     under bot/. The one exception is staff/console, the staff side's HTTP adapter,
//     which runs bot.Engine.Preview for "Try it".
//  2. The bot does not import the parsers: bot and the packages under bot/ never
//     import ingest or a package under ingest/ outside their tests (tests load
//     fixture data with the readers). Datasets, statuses and facets come from corpus.
//  3. The vocabularies are leaves: corpus and conversation import no package of the
//     module (their tests and conformance suites may).
//  4. Adapters do not import each other: store/memstore and store/pgstore
//     never import one another.
//  5. Only the command wires the stores: no package outside store/ and cmd/
//     imports one outside its tests (search ranks in retrieval, and the stores,
//     under store/, only fetch and keep).
//
// Only cmd/civicbot knows every piece and wires them.
package civicbot_test

import (
	"bufio"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// imp is one import of one file.
type imp struct {
	pkg  string // the importing package's path inside the module ("" for the root)
	file string
	test bool // the file is a _test.go file
	path string
}

// moduleImports returns every import of the module's own packages by the module's Go
// files, with import paths made relative to the module ("bot/line").
func moduleImports(t *testing.T) []imp {
	t.Helper()
	f, err := os.Open("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	module := ""
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if m, ok := strings.CutPrefix(sc.Text(), "module "); ok {
			module = strings.TrimSpace(m)
			break
		}
	}
	if module == "" {
		t.Fatal("go.mod names no module")
	}
	var out []imp
	fset := token.NewFileSet()
	err = filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != "." && (n == "testdata" || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		af, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(p))
		if pkg == "." {
			pkg = ""
		}
		for _, is := range af.Imports {
			path, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				return err
			}
			rel, ok := strings.CutPrefix(path, module+"/")
			if !ok {
				continue
			}
			out = append(out, imp{pkg: pkg, file: p, test: strings.HasSuffix(p, "_test.go"), path: rel})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// under says whether path is root or a package below it.
func under(path string, roots ...string) bool {
	return slices.ContainsFunc(roots, func(r string) bool { return path == r || strings.HasPrefix(path, r+"/") })
}

func TestLayers(t *testing.T) {
	imps := moduleImports(t)
	if !slices.ContainsFunc(imps, func(i imp) bool { return i.pkg == "cmd/civicbot" && i.path == "bot" }) {
		t.Fatalf("cmd/civicbot imports no bot: the walk found no imports (%d)", len(imps))
	}
	rules := []struct {
		name  string
		tests bool // the rule holds for test files too
		by    func(pkg string) bool
		of    func(path string) bool
	}{
		{"nothing below the bot imports it", true,
			func(pkg string) bool {
				return under(pkg, "retrieval", "store", "conversation", "corpus", "staff") && !under(pkg, "staff/console")
			},
			func(path string) bool { return under(path, "bot") }},
		{"the bot does not import the parsers", false,
			func(pkg string) bool { return under(pkg, "bot") },
			func(path string) bool { return under(path, "ingest") }},
		{"the vocabularies are leaves", false,
			func(pkg string) bool { return pkg == "corpus" || pkg == "conversation" },
			func(string) bool { return true }},
		{"adapters do not import each other", true,
			func(pkg string) bool { return under(pkg, "store/memstore") },
			func(path string) bool { return under(path, "store/pgstore") }},
		{"adapters do not import each other", true,
			func(pkg string) bool { return under(pkg, "store/pgstore") },
			func(path string) bool { return under(path, "store/memstore") }},
		{"only the command wires the stores", false,
			func(pkg string) bool { return !under(pkg, "store", "cmd") },
			func(path string) bool { return under(path, "store") }},
	}
	for _, r := range rules {
		for _, i := range imps {
			if (r.tests || !i.test) && r.by(i.pkg) && r.of(i.path) {
				t.Errorf("%s: %s imports %s", r.name, i.file, i.path)
			}
		}
	}
}

// TestLayersCatch: the rules see a forbidden import, so that TestLayers passing means
// something.
func TestLayersCatch(t *testing.T) {
	imps := moduleImports(t)
	// staff/console is the exception of rule 1 because it does import bot, and
	// bot's tests load data with the ingest readers: both must be found.
	for _, want := range []imp{{pkg: "staff/console", path: "bot"}, {pkg: "bot", path: "ingest", test: true}} {
		if !slices.ContainsFunc(imps, func(i imp) bool { return i.pkg == want.pkg && i.path == want.path && i.test == want.test }) {
			t.Errorf("the walk did not find %s importing %s (test %t)", want.pkg, want.path, want.test)
		}
	}
}
