package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// nodePackage is the part of a package.json this host reads.
type nodePackage struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

// pluginName is the resource plugin a package needs: `pulumi.name`, else the
// package name without the @pulumi/ scope (so @pulumi/kubernetes ->
// kubernetes), else the package name without its leading @.
func (p nodePackage) pluginName() string {
	if p.Pulumi.Name != "" {
		return p.Pulumi.Name
	}
	if rest, ok := strings.CutPrefix(p.Name, "@pulumi/"); ok {
		return rest
	}
	return strings.TrimPrefix(p.Name, "@")
}

// pluginVersion is `pulumi.version`, else the package version, with a v prefix.
func (p nodePackage) pluginVersion() string {
	v := p.Pulumi.Version
	if v == "" {
		v = p.Version
	}
	if v == "" || strings.HasPrefix(v, "v") {
		return v
	}
	return "v" + v
}

// installedPackages lists the packages in the node_modules nearest to dir
// (walking up), top level and one scope deep. Nested node_modules hold
// duplicates at other versions; npm dedupes the providers a program uses to
// the top level, which is what Node resolves for the program.
func installedPackages(dir string) ([]nodePackage, error) {
	nodeModules := ""
	start, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for d := start; ; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, "node_modules")); err == nil && st.IsDir() {
			nodeModules = filepath.Join(d, "node_modules")
			break
		}
		if filepath.Dir(d) == d {
			return nil, nil
		}
	}

	var dirs []string
	entries, err := os.ReadDir(nodeModules)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, "."):
		case strings.HasPrefix(name, "@"):
			scoped, err := os.ReadDir(filepath.Join(nodeModules, name))
			if err != nil {
				continue
			}
			for _, s := range scoped {
				dirs = append(dirs, filepath.Join(nodeModules, name, s.Name()))
			}
		default:
			dirs = append(dirs, filepath.Join(nodeModules, name))
		}
	}
	sort.Strings(dirs)

	var pkgs []nodePackage
	for _, d := range dirs {
		raw, err := os.ReadFile(filepath.Join(d, "package.json"))
		if err != nil {
			continue // not a package (e.g. node_modules/.bin), or a dangling link
		}
		var p nodePackage
		if json.Unmarshal(raw, &p) == nil && p.Name != "" {
			pkgs = append(pkgs, p)
		}
	}
	return pkgs, nil
}
