package atlasapi

import (
	"bufio"
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
		hs:   &http.Server{Handler: answerInTime(handler), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: writeTimeout, IdleTimeout: 120 * time.Second},
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

// writeTimeout bounds writing an answer (a client that stops reading), a
// variable for the test that makes a request outlast it.
var writeTimeout = 30 * time.Second

// answerInTime gives every answer the whole write timeout from when it
// starts to be written, not from when the request was read: a request the
// world took long to apply (an import of a large world, a wait for the
// lock) is still answered, rather than applied with its connection closed
// under it (issue 24).
func answerInTime(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&answering{ResponseWriter: w}, r)
	})
}

type answering struct {
	http.ResponseWriter
	started bool
}

func (a *answering) start() {
	if !a.started {
		a.started = true
		http.NewResponseController(a.ResponseWriter).SetWriteDeadline(time.Now().Add(writeTimeout))
	}
}

func (a *answering) WriteHeader(code int) {
	if code >= 200 { // not for 1xx informational answers
		a.start()
	}
	a.ResponseWriter.WriteHeader(code)
}

func (a *answering) Write(b []byte) (int, error) {
	a.start()
	return a.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (the console's
// streams lift the deadline; chaos hijacks).
func (a *answering) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// SetWriteDeadline: a handler that sets its own deadline (the console's
// streams lift it) keeps it.
func (a *answering) SetWriteDeadline(t time.Time) error {
	a.started = true
	return http.NewResponseController(a.ResponseWriter).SetWriteDeadline(t)
}

// Flush and Hijack, for handlers that assert them on the writer.
func (a *answering) Flush() {
	a.start()
	http.NewResponseController(a.ResponseWriter).Flush()
}

func (a *answering) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(a.ResponseWriter).Hijack()
}
