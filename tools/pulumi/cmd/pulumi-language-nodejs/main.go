// Command pulumi-language-nodejs is the Node.js language host the Pulumi CLI
// starts to run TypeScript/JavaScript programs and policy packs.
//
// Why our own: upstream's host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3), which
// has no tags and which the Go module proxy available here does not serve at
// any version (`@v/list` answers 403), so it cannot be built from Go modules.
// This host implements the same gRPC LanguageRuntime protocol from sdk/v3 at
// the CLI's tag and runs the real @pulumi/pulumi Node.js runtime
// (`@pulumi/pulumi/cmd/run`, `cmd/run-policy-pack`, `cmd/run-plugin`) from the
// program's node_modules, passing the same flags and environment variables the
// runtime documents in its usage text. Features that need the network or code
// generation (installing dependencies, `pulumi new` templates, SDK generation,
// packing) answer Unimplemented; see docs/pulumi-engine.md.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

func main() {
	// The engine starts language plugins as `<plugin> [flags] <engine address>`
	// and reads the port to dial from the first line of stdout.
	flag.String("tracing", "", "Zipkin-compatible tracing endpoint (accepted for compatibility, unused)")
	flag.String("root", "", "project root (accepted for compatibility; Handshake and ProgramInfo carry it)")
	flag.Parse()

	host := newNodeHost(flag.Arg(0))
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start the gRPC server: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: gRPC server stopped: %v\n", err)
		os.Exit(1)
	}
}
