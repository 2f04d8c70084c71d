// Command validatord-go is the Go reference runtime of the parity-fuzz
// contract (docs/contract.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "validatord-go: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:4110", "listen address `host:port`")
	rosterPath := flag.String("roster", "targets/roster.json", "path of the worker roster")
	serdeErrors := flag.Bool("serde-errors", false, "serialise validation errors in Rust serde's externally tagged shape")
	flag.Parse()
	if on, err := strconv.ParseBool(os.Getenv("VALIDATORD_SERDE_ERRORS")); err == nil && on {
		*serdeErrors = true
	}

	roster, err := LoadRoster(*rosterPath)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}

	srv := &http.Server{
		Handler:           newServer(roster, *serdeErrors).routes(),
		ReadHeaderTimeout: 10 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve on %s: %w", *addr, err)
	case <-ctx.Done():
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", *addr, err)
	}
	return nil
}
