package atlasapi_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
)

// FuzzHandler drives the whole handler with a random method, path, Accept
// header and body, each request authenticated with a valid digest so that
// it reaches past authentication: never a 5xx, never a panic, and the world
// afterwards still re-imports (no invariant broken).
func FuzzHandler(f *testing.F) {
	srv, err := atlasapi.New(atlasapi.Options{Seed: 1, Checker: policies.MustDefault()})
	if err != nil {
		f.Fatal(err)
	}
	nonce := ""
	{
		rec := httptest.NewRecorder()
		first := httptest.NewRequest("GET", earPath, nil)
		first.Host = "127.0.0.1"
		srv.ServeHTTP(rec, first)
		nonce = between(rec.Header().Get("WWW-Authenticate"), `nonce="`, `"`)
	}
	var nc atomic.Uint64
	methods := []string{"GET", "POST", "PATCH", "DELETE", "PUT"}
	for _, seed := range []struct {
		m         uint8
		path, acc string
		body      string
	}{
		{0, earPath, accept, ""},
		{2, earPath, accept, `{"azureKeyVault":{"enabled":true,"azureEnvironment":"AZURE","clientID":"632ff709-32a8-48a3-8224-30d2386fadaf","tenantID":"ee46317d-36a3-4472-a3dd-6549e901da0b","secret":"example-key-vault-secret","subscriptionID":"a39012fb-d604-4cd1-8841-77f705f3e6d5","resourceGroupName":"example-rg","keyVaultName":"EXAMPLEKeyVault","keyIdentifier":"https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/d891821e3d364e9eb88fbd3d11807b86","requirePrivateNetworking":true}}`},
		{1, endpoints, accept, `{"regionName":"US_CENTRAL"}`},
		{0, endpoints + "?itemsPerPage=2&pageNum=3&envelope=true&pretty=true", "application/vnd.atlas.2030-01-01+json", ""},
		{3, endpoints + "/0123456789abcdef01234567", accept, `{"cloudProvider":"AZURE","regions":["x"]}`},
		{1, "/api/atlas/v2/groups/" + group + "/clusters", accept24, `{"name":"c","replicationSpecs":[{"regionConfigs":[{"providerName":"AZURE","regionName":"US_CENTRAL","electableSpecs":{"instanceSize":"M10"}}]}],"encryptionAtRestProvider":"AZURE"}`},
		{2, "/api/atlas/v2/groups/" + group + "/clusters/c", accept24, `{"paused":true,"replicationSpecs":[null]}`},
		{1, "/api/atlas/v2/groups", accept, `{"name":"p","orgId":"a0000000000000000000000a"}`},
		{2, "/api/atlas/v1.0/groups/" + group + "/encryptionAtRest", "application/json", `{"awsKms":{},"googleCloudKms":{"enabled":false},"azureKeyVault":{"enabled":false}}`},
		{0, "/api/atlas/v2/groups/%zz/encryptionAtRest", accept, ""},
		{1, endpoints, accept, `{"regionName":` + strings.Repeat("[", 5000)},
	} {
		f.Add(seed.m, seed.path, seed.acc, []byte(seed.body))
	}
	if nonce == "" {
		f.Fatal("no digest challenge: the fuzzer would not get past authentication")
	}
	f.Fuzz(func(t *testing.T, m uint8, path, acc string, body []byte) {
		method := methods[int(m)%len(methods)]
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+path, bytes.NewReader(body))
		if err != nil {
			return // not a request a client can send
		}
		req.RemoteAddr = "192.0.2.1:1234" // not loopback: control routes stay closed
		req.Header.Set("Accept", acc)
		req.Header.Set("Content-Type", "application/json")
		uri := req.URL.RequestURI()
		req.Header.Set("Authorization", digestHeader("MD5", atlasapi.DevKey, method, uri, nonce, fmt.Sprintf("%08x", nc.Add(1)), "c"))
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); rec.Code != 204 && !strings.Contains(ct, "json") {
			t.Fatalf("%s %s: %d with content type %q", method, path, rec.Code, ct)
		}
		if nc.Load()%64 == 0 { // now and then: the world re-imports, so no invariant is broken
			get := httptest.NewRequest("GET", "/_sim/v1/state", nil)
			get.RemoteAddr, get.Host = "127.0.0.1:1", "127.0.0.1"
			exp := httptest.NewRecorder()
			srv.ServeHTTP(exp, get)
			put := httptest.NewRequest("PUT", "/_sim/v1/state", bytes.NewReader(exp.Body.Bytes()))
			put.RemoteAddr, put.Host = "127.0.0.1:1", "127.0.0.1"
			put.Header.Set("Content-Type", "application/json")
			imp := httptest.NewRecorder()
			srv.ServeHTTP(imp, put)
			if exp.Code != 200 || imp.Code != 200 {
				t.Fatalf("after %s %s the world does not re-import: %d %s", method, path, imp.Code, imp.Body)
			}
		}
	})
}

// FuzzParseKeys: any keys file is keys or an error; never a panic.
func FuzzParseKeys(f *testing.F) {
	f.Add([]byte("keys:\n  - publicKey: ownerkey\n    privateKey: 3f1c0f6e-8d2a-4b7e-9c41-2a5d8e7f6b10\n    roles: [ORG_OWNER]\n"))
	f.Add([]byte("keys:\n  - &a {publicKey: abcdefgh}\n  - {<<, *a}\n"))
	f.Add([]byte("keys: [{groupRoles: {66c9e8f1dd6c9960802420e9: [GROUP_OWNER]}}]"))
	f.Add([]byte("serviceAccounts:\n  - clientId: mdb_sa_id_0123456789abcdef01234567\n    clientSecret: mdb_sa_sk_0123456789abcdefghij0123456789ABCDEFGHIJ\n    roles: [ORG_OWNER]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		creds, err := atlasapi.ParseKeys("keys.yaml", data)
		if err == nil && len(creds.Keys)+len(creds.ServiceAccounts) == 0 {
			t.Fatalf("no error and no key or service account")
		}
	})
}

// FuzzImportState: any body PUT to /_sim/v1/state is imported or refused
// with a 4xx; never a 5xx or a panic.
func FuzzImportState(f *testing.F) {
	srv, err := atlasapi.New(atlasapi.Options{Seed: 1, Checker: policies.MustDefault()})
	if err != nil {
		f.Fatal(err)
	}
	get := httptest.NewRequest("GET", "/_sim/v1/state", nil)
	get.RemoteAddr, get.Host = "127.0.0.1:1", "127.0.0.1"
	exp := httptest.NewRecorder()
	srv.ServeHTTP(exp, get)
	f.Add(exp.Body.Bytes())
	f.Add([]byte(`{"format":"earsim-state/1","state":{"org":{"id":"a0000000000000000000000a"},"projects":[{"id":"x"}]}}`))
	f.Add([]byte(`{"format":"earsim-state/1","state":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		put := httptest.NewRequest("PUT", "/_sim/v1/state", bytes.NewReader(body))
		put.RemoteAddr, put.Host = "127.0.0.1:1", "127.0.0.1"
		put.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, put)
		if rec.Code >= 500 {
			t.Fatalf("PUT state: %d %s", rec.Code, rec.Body)
		}
	})
}
