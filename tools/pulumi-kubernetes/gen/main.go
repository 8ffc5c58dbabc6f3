// Command gen writes schema-embed.json and terraform-mapping-embed.json for
// the provider build: the module's cmd/pulumi-resource-kubernetes/schema.json
// with its version field set, and its terraform-mapping.json compacted. It does
// what upstream's generate.go (run by their Makefile) does, reading from the
// module cache instead of the repository checkout.
//
// Usage: go run ./gen -version 4.25.0 -out .
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const providerModule = "github.com/pulumi/pulumi-kubernetes/provider/v4"

func main() {
	version := flag.String("version", "", "provider version to write into the schema, e.g. 4.25.0")
	out := flag.String("out", ".", "directory to write the embed files to")
	flag.Parse()
	if err := run(*version, *out); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

func run(version, out string) error {
	if version == "" || strings.HasPrefix(version, "v") {
		return fmt.Errorf("-version must be a bare semver like 4.25.0, got %q", version)
	}
	// The module's directory in the module cache. `go list -m -f {{.Dir}}` prints
	// nothing for a module that is not downloaded yet (a fresh machine), so ask
	// `go mod download -json`, which fetches it when needed and names its Dir;
	// the version comes from this module's go.mod, so the schema always matches
	// the built code.
	dlOut, err := exec.Command("go", "mod", "download", "-json", providerModule).Output()
	if err != nil {
		return fmt.Errorf("downloading %s: %w", providerModule, err)
	}
	var dl struct{ Dir, Error string }
	if err := json.Unmarshal(dlOut, &dl); err != nil {
		return fmt.Errorf("reading `go mod download -json %s`: %w", providerModule, err)
	}
	if dl.Error != "" || dl.Dir == "" {
		return fmt.Errorf("downloading %s: %s (no module directory)", providerModule, dl.Error)
	}
	src := filepath.Join(dl.Dir, "cmd", "pulumi-resource-kubernetes")

	// Round-trip through schema.PackageSpec, as upstream does, so the embedded
	// schema is byte-for-byte what their release would embed.
	raw, err := os.ReadFile(filepath.Join(src, "schema.json"))
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("parsing schema.json: %w", err)
	}
	spec.Version = version
	schemaJSON, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "schema-embed.json"), schemaJSON, 0o644); err != nil {
		return err
	}

	rawMapping, err := os.ReadFile(filepath.Join(src, "terraform-mapping.json"))
	if err != nil {
		return err
	}
	var mapping any
	if err := json.Unmarshal(rawMapping, &mapping); err != nil {
		return fmt.Errorf("parsing terraform-mapping.json: %w", err)
	}
	mappingJSON, err := json.Marshal(mapping)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "terraform-mapping-embed.json"), mappingJSON, 0o644)
}
