package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// runtimeOptions are the `runtime.options` of Pulumi.yaml / PulumiPolicy.yaml
// that this host understands.
type runtimeOptions struct {
	// typescript: whether @pulumi/pulumi registers ts-node itself. Default
	// true, like upstream; projects that load TypeScript with tsx set false.
	typescript bool
	// nodeargs: extra arguments for node, e.g. `--import tsx`.
	nodeargs []string
	// tsconfig: path of the tsconfig ts-node should read.
	tsconfig string
}

func parseRuntimeOptions(info *pulumirpc.ProgramInfo) runtimeOptions {
	opts := runtimeOptions{typescript: true}
	fields := info.GetOptions().GetFields()
	if v, ok := fields["typescript"]; ok {
		opts.typescript = v.GetBoolValue()
	}
	if v, ok := fields["nodeargs"]; ok {
		// Upstream splits nodeargs like a shell would; the values used here
		// (`--import tsx`, `--enable-source-maps`) need only whitespace.
		opts.nodeargs = strings.Fields(v.GetStringValue())
	}
	if v, ok := fields["tsconfig"]; ok {
		opts.tsconfig = v.GetStringValue()
	}
	return opts
}

// env returns the variables @pulumi/pulumi's run script reads for the options.
func (o runtimeOptions) env() []string {
	env := []string{fmt.Sprintf("PULUMI_NODEJS_TYPESCRIPT=%t", o.typescript)}
	if o.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfig)
	}
	return env
}

// findSDKScript locates `node_modules/@pulumi/pulumi/cmd/<script>` from dir
// upwards, as Node's module resolution would. PULUMI_LANGUAGE_NODEJS_RUN_PATH
// overrides the run script, as upstream allows.
func findSDKScript(dir, script string) (string, error) {
	if override := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); override != "" && script == "run" {
		return override, nil
	}
	start, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := start; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", script)
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", fmt.Errorf("@pulumi/pulumi is not installed in %s or any parent directory: "+
		"run npm install there (looked for node_modules/@pulumi/pulumi/cmd/%s)", start, script)
}
