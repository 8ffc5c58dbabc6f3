package main

import (
	"os"
	"path/filepath"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestPluginNameAndVersion(t *testing.T) {
	cases := []struct {
		pkg           nodePackage
		name, version string
	}{
		{nodePackage{Name: "@pulumi/kubernetes", Version: "4.25.0"}, "kubernetes", "v4.25.0"},
		{nodePackage{Name: "@acme/thing", Version: "v1.2.3"}, "acme/thing", "v1.2.3"},
		{nodePackage{Name: "plain", Version: "0.1.0"}, "plain", "v0.1.0"},
	}
	for _, c := range cases {
		if got := c.pkg.pluginName(); got != c.name {
			t.Errorf("pluginName(%q) = %q, want %q", c.pkg.Name, got, c.name)
		}
		if got := c.pkg.pluginVersion(); got != c.version {
			t.Errorf("pluginVersion(%q) = %q, want %q", c.pkg.Version, got, c.version)
		}
	}
	p := nodePackage{Name: "@pulumi/kubernetes", Version: "4.25.0"}
	p.Pulumi.Name, p.Pulumi.Version = "k8s", "9.9.9"
	if p.pluginName() != "k8s" || p.pluginVersion() != "v9.9.9" {
		t.Errorf("pulumi.name/version must win: got %q %q", p.pluginName(), p.pluginVersion())
	}
}

func TestInstalledPackagesFindsResourcePluginsFromAParentNodeModules(t *testing.T) {
	root := t.TempDir()
	write := func(rel, content string) {
		path := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("node_modules/@pulumi/kubernetes/package.json", `{"name":"@pulumi/kubernetes","version":"4.25.0","pulumi":{"resource":true}}`)
	write("node_modules/@pulumi/pulumi/package.json", `{"name":"@pulumi/pulumi","version":"3.276.0"}`)
	write("node_modules/.bin/tsx", "")
	program := filepath.Join(root, "stacks", "program")
	if err := os.MkdirAll(program, 0o755); err != nil {
		t.Fatal(err)
	}

	resp, err := newNodeHost("").GetRequiredPackages(t.Context(), &pulumirpc.GetRequiredPackagesRequest{
		Info: &pulumirpc.ProgramInfo{ProgramDirectory: program},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Packages) != 1 || resp.Packages[0].Name != "kubernetes" || resp.Packages[0].Version != "v4.25.0" ||
		resp.Packages[0].Kind != "resource" {
		t.Fatalf("want only the kubernetes v4.25.0 resource plugin, got %v", resp.Packages)
	}
}

func TestRuntimeOptions(t *testing.T) {
	opts, err := structpb.NewStruct(map[string]any{"typescript": false, "nodeargs": "--import tsx"})
	if err != nil {
		t.Fatal(err)
	}
	got := parseRuntimeOptions(&pulumirpc.ProgramInfo{Options: opts})
	if got.typescript || len(got.nodeargs) != 2 || got.nodeargs[0] != "--import" || got.nodeargs[1] != "tsx" {
		t.Fatalf("unexpected options %+v", got)
	}
	if def := parseRuntimeOptions(nil); !def.typescript {
		t.Fatal("typescript must default to true, like upstream")
	}
}
