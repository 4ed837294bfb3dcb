package atlasapi

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"time"
)

// Running is a Server (or a Hub of worlds) listening on an address.
type Running struct {
	Addr string // host:port actually bound
	stop func() // ends the console's live streams
	hs   *http.Server
	done chan error
}

// Start listens on addr and serves in the background, with the timeouts
// earsim serve uses (read header, read, write, idle).
func (s *Server) Start(addr string) (*Running, error) { return s.StartTLS(addr, nil) }

// StartTLS is Start over TLS with cfg (nil: plain HTTP). The certificate
// must name the addresses clients use (LocalCA.ServerConfig).
func (s *Server) StartTLS(addr string, cfg *tls.Config) (*Running, error) {
	return start(s, s.hosts, s.watchers.stop, addr, cfg)
}

// Start listens on addr and serves every world in the background.
func (h *Hub) Start(addr string) (*Running, error) { return h.StartTLS(addr, nil) }

// StartTLS is Hub.Start over TLS with cfg (nil: plain HTTP).
func (h *Hub) StartTLS(addr string, cfg *tls.Config) (*Running, error) {
	return start(h, h.hosts, h.stopWatchers, addr, cfg)
}

func start(handler http.Handler, hosts *hostGuard, stop func(), addr string, cfg *tls.Config) (*Running, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	hosts.allow(ln.Addr().String())
	if host, _, err := net.SplitHostPort(addr); err == nil && host != "" {
		hosts.allow(host) // the name it was given (localhost, a host name)
	}
	r := &Running{stop: stop,
		Addr: ln.Addr().String(),
		hs:   &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second},
		done: make(chan error, 1),
	}
	go func() {
		err := r.hs.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		r.done <- err
	}()
	return r, nil
}

// Done reports the server's end: nil after Stop, else why it stopped.
func (r *Running) Done() <-chan error { return r.done }

// Stop shuts the server down, letting requests in flight finish for up to 5 s.
func (r *Running) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.stop() // the console's live streams end, so that the shutdown need not wait for them
	r.hs.Shutdown(ctx)
}
