// Command earsim checks, simulates and conformance-tests MongoDB Atlas
// encryption at rest with customer keys in Azure Key Vault over private
// endpoints. See CLI.md in the specification for the commands and exit codes.
package main

import (
	"context"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	var got atomic.Value
	go func() {
		s := <-sigs
		got.Store(s)
		cancel() // every command stops at its next step and says so
		<-sigs   // a second signal: stop now
		os.Exit(exitCode(s))
	}()
	code := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if s, ok := got.Load().(os.Signal); ok {
		code = exitCode(s)
	}
	os.Exit(code)
}

// exitCode is 130 for SIGINT (Ctrl-C) and 143 for SIGTERM.
func exitCode(s os.Signal) int {
	if s == syscall.SIGTERM {
		return 128 + int(syscall.SIGTERM)
	}
	return exitInterrupted
}
