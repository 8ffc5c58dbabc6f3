// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider.
//
// Upstream's cmd/pulumi-resource-kubernetes embeds schema-embed.json and
// terraform-mapping-embed.json, which its Makefile generates and which are not
// part of the Go module, so `go build` of that package fails. This main does the
// same job: `go run ./gen` writes both files next to this one from the module's
// schema.json (with the version field set) and terraform-mapping.json, and the
// build embeds them.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

// providerName is the package name the engine and the npm SDK use.
const providerName = "kubernetes"

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	// version.Version is set with -ldflags -X at build time, like upstream.
	provider.Serve(providerName, version.Version, pulumiSchema, terraformMapping)
}
