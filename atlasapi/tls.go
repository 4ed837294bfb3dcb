package atlasapi

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The Azure SDKs send tokens only over TLS (and refuse an authority host
// that is not https), so `serve --tls` answers HTTPS with a certificate from
// a local certificate authority of its own (API.md "The Azure side over
// ARM"). The CA is made once per directory and kept (its private key
// readable by its owner only), so that a user trusts it once, through
// SSL_CERT_FILE; each start makes a fresh server certificate from it for
// the loopback names and the --allow-host names. The CA's private key is
// never printed.

// CA file names in a TLS directory.
const (
	CACertFile = "ca.pem"     // the CA certificate, for SSL_CERT_FILE
	caKeyFile  = "ca-key.pem" // the CA certificate and its private key (0600)
)

// DefaultTLSDir is where serve keeps its CA unless told otherwise: a stable
// per-user cache directory (os.UserCacheDir()/earsim/tls), so that the CA a
// user trusted stays the same across restarts.
func DefaultTLSDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no per-user cache directory (%v): give one with --tls-dir DIR", err)
	}
	return filepath.Join(dir, "earsim", "tls"), nil
}

// LocalCA is the certificate authority serve --tls signs its server
// certificates with.
type LocalCA struct {
	// CertPath is the PEM file of the CA certificate (what clients trust).
	CertPath string
	cert     *x509.Certificate
	certPEM  []byte
	key      *ecdsa.PrivateKey
}

// LoadOrCreateCA returns the CA kept in dir, creating dir (0700) and the CA
// (ECDSA P-256, ten years) when there is none yet. Two processes creating it
// at once agree on one: the first to link its key file wins, the other
// takes that one. A key file that cannot be read as a CA is an error naming
// the file, never silently replaced (users may trust it already).
func LoadOrCreateCA(dir string) (*LocalCA, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("TLS directory: %v", err)
	}
	keyPath := filepath.Join(dir, caKeyFile)
	ca, err := readCA(keyPath)
	if errors.Is(err, os.ErrNotExist) {
		if err := createCA(keyPath); err != nil {
			return nil, err
		}
		ca, err = readCA(keyPath)
	}
	if err != nil {
		return nil, err
	}
	ca.CertPath = filepath.Join(dir, CACertFile)
	if old, err := os.ReadFile(ca.CertPath); err != nil || !bytes.Equal(old, ca.certPEM) {
		if err := writeFileAtomic(ca.CertPath, ca.certPEM, 0o644); err != nil {
			return nil, fmt.Errorf("%s: %v", ca.CertPath, err)
		}
	}
	return ca, nil
}

// readCA reads the CA certificate and key kept in one PEM file.
func readCA(path string) (*LocalCA, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	bad := func(why string) error {
		return fmt.Errorf("%s: %s; remove the file (clients that trusted its CA must then trust the new one) or give another --tls-dir", path, why)
	}
	ca := &LocalCA{}
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			if ca.cert, err = x509.ParseCertificate(b.Bytes); err != nil {
				return nil, bad("the CA certificate cannot be parsed")
			}
			ca.certPEM = pem.EncodeToMemory(b)
		case "EC PRIVATE KEY":
			if ca.key, err = x509.ParseECPrivateKey(b.Bytes); err != nil {
				return nil, bad("the CA key cannot be parsed")
			}
		}
	}
	switch {
	case ca.cert == nil || ca.key == nil:
		return nil, bad("it does not hold a CA certificate and its EC private key")
	case !ca.cert.IsCA:
		return nil, bad("its certificate is not a CA")
	case !ca.key.PublicKey.Equal(ca.cert.PublicKey):
		return nil, bad("its key does not belong to its certificate")
	case time.Now().After(ca.cert.NotAfter.Add(-24 * time.Hour)):
		return nil, bad("its CA certificate has expired (or expires within a day)")
	}
	return ca, nil
}

// createCA makes a CA and links its file into place unless one is there.
func createCA(path string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"earsim"}, CommonName: "earsim local CA (" + host + ")"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})...)
	f, err := os.CreateTemp(filepath.Dir(path), ".ca-key-*.tmp")
	if err != nil {
		return fmt.Errorf("TLS directory: %v", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// A hard link fails if the file exists: another process made its CA
	// first, and that one is kept.
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n.Add(n, big.NewInt(1))
}

// CertPool is a pool holding only this CA, for clients (tests) that trust it.
func (ca *LocalCA) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// ServerConfig returns a TLS configuration with a fresh server certificate
// (ECDSA P-256, valid a year) signed by the CA, for localhost, 127.0.0.1,
// ::1 and the given further host names or IP addresses (a port, if any, is
// ignored; unspecified addresses such as 0.0.0.0 are left out).
func (ca *LocalCA) ServerConfig(hosts ...string) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{Organization: []string{"earsim"}, CommonName: "earsim serve"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	seen := map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}
	for _, h := range hosts {
		if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		h = strings.ToLower(strings.Trim(h, "[]"))
		if h == "" || seen[h] {
			continue
		}
		seen[h] = true
		if ip := net.ParseIP(h); ip != nil {
			if !ip.IsUnspecified() {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
			continue
		}
		tmpl.DNSNames = append(tmpl.DNSNames, h)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: key, Leaf: leaf}},
	}, nil
}
