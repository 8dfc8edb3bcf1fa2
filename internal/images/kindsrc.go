package images

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"runtime/debug"
)

// kindModule is the kind release whose node image the set reproduces: the
// one this program links (go.mod), so that the node image and the kind
// that boots it agree.
func kindModule() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "sigs.k8s.io/kind" {
				return d.Path + "@" + d.Version
			}
		}
	}
	return "sigs.k8s.io/kind@v0.33.0"
}

// Storage is kind's default storage: the manifest its node image carries
// (/kind/manifests/default-storage.yaml) and the two images it names.
type Storage struct {
	Manifest, ProvisionerImage, HelperImage string
}

// readKindConstants evaluates the named string constants of kind's
// pkg/build/nodeimage from its source in the module cache, so that the
// node image carries kind's own manifests and image names without a copy
// of them here. Type errors elsewhere in the package are ignored: only the
// constants, which depend on nothing but each other, are read.
func readKindConstants(kindDir string, names ...string) (map[string]string, error) {
	dir := filepath.Join(kindDir, "pkg", "build", "nodeimage")
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", dir, err)
	}
	p, ok := pkgs["nodeimage"]
	if !ok {
		return nil, fmt.Errorf("%s holds no package nodeimage", dir)
	}
	var files []*ast.File
	for _, f := range p.Files {
		files = append(files, f)
	}
	conf := types.Config{Importer: importer.Default(), Error: func(error) {}}
	pkg, _ := conf.Check("nodeimage", fset, files, nil)
	out := map[string]string{}
	for _, n := range names {
		c, ok := pkg.Scope().Lookup(n).(*types.Const)
		if !ok || c.Val().Kind() != constant.String {
			return nil, fmt.Errorf("kind's nodeimage package (%s) has no string constant %s", dir, n)
		}
		out[n] = constant.StringVal(c.Val())
	}
	return out, nil
}

// KindStorage reads kind's default storage from its source.
func KindStorage(kindDir string) (Storage, error) {
	c, err := readKindConstants(kindDir, "defaultStorageManifest", "storageProvisionerImage", "storageHelperImage")
	if err != nil {
		return Storage{}, err
	}
	return Storage{Manifest: c["defaultStorageManifest"], ProvisionerImage: c["storageProvisionerImage"], HelperImage: c["storageHelperImage"]}, nil
}
