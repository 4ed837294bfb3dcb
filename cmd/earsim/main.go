// Command earsim checks, simulates and conformance-tests MongoDB Atlas
// encryption at rest with customer keys in Azure Key Vault over private
// endpoints. See CLI.md in the specification for the commands and exit codes.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
