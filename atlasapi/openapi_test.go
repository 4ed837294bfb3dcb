//go:build !race

// The race run (make test) builds only what TestConcurrentClients needs:
// this file links a large client or the browser driver, which -race would
// compile again for nothing. It runs in the normal go test run.

package atlasapi_test

import (
	"net/http"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/atlasapi/internal/definition"
	"github.com/earsim/earsim/sim"
	"github.com/getkin/kin-openapi/openapi3"
)

// The full official definition, as the SDK modules ship it (one copy per
// SDK date; each lists every operation in the newest version on or before
// that date). Relaxed for its known defects (../shared/reference/README.md):
//
//   - EARPrivateEndpoint.regionName is declared an object with a oneOf of two
//     overlapping string enums; a region is a string, so it is validated as a
//     string of the Azure enum (AzureKeyVaultEARPrivateEndpoint) or the AWS
//     enum (AWSKMSEARPrivateEndpoint), and the outer oneOf of the two endpoint
//     shapes, which a string region matches twice, is decided by cloudProvider;
//
//   - a cluster region config's regionName is likewise a oneOf of the
//     providers' overlapping enums: validated as an anyOf;
//
//   - Group.withDefaultAlertsSettings is declared writeOnly, but Atlas
//     answers it: the Terraform provider 2.x reads it back after creating a
//     project and fails ("was true, but now null") when it is absent;
//
//   - ApiError.parameters declares object items while Atlas sends strings,
//     so its items are left unconstrained.
//
//   - the hardware specs of API 2024-08-05 (HardwareSpec20240805 and its
//     kin) are a oneOf of the AWS, Azure, GCP and tenant variants with no
//     discriminator, whose fields and instance sizes overlap, so every real
//     answer matches more than one: they are validated as an anyOf.
//
// A third relaxation, not of the schemas but of the operations' lists: some
// operations omit error statuses that RULES.md requires (POST
// privateEndpoints lists no 400 or 409), so an undeclared error status is
// validated against the shared ApiError schema; and POST backup/snapshots
// answers 202 as API.md says, where the definition lists 200, so its
// answer is validated against the 200 schema.
var full struct {
	once sync.Once
	docs []*openapi3.T
	err  error
}

func definitions(t *testing.T) []*openapi3.T {
	t.Helper()
	full.once.Do(func() {
		files, err := definition.Files()
		if err != nil {
			full.err = err
			return
		}
		for _, f := range files {
			doc, err := openapi3.NewLoader().LoadFromFile(f)
			if err != nil {
				full.err = err
				return
			}
			relax(doc)
			full.docs = append(full.docs, doc)
		}
	})
	if full.err != nil {
		t.Fatalf("the official definition (from the SDK modules): %v", full.err)
	}
	return full.docs
}

func relax(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		v := ref.Value
		seen[v] = true
		if region := v.Properties["regionName"]; region != nil && region.Value != nil && len(region.Value.OneOf) > 0 && v.Properties["cloudProvider"] == nil {
			// A cluster's region config: regionName is a oneOf of the
			// providers' region enums, which overlap (US_EAST_2 is AWS and
			// Azure): validated as their union.
			region.Value.AnyOf, region.Value.OneOf = region.Value.OneOf, nil
			region.Value.Type = &openapi3.Types{"string"}
		}
		if region := v.Properties["regionName"]; region != nil && region.Value != nil && len(region.Value.OneOf) > 0 {
			variant := region.Value.OneOf[0].Value // the Azure enum
			if strings.Contains(v.Title, "AWS") {
				variant = region.Value.OneOf[len(region.Value.OneOf)-1].Value
			}
			v.Properties["regionName"] = openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, Enum: variant.Enum})
		}
		for _, p := range v.Properties {
			walk(p)
		}
		walk(v.Items)
		for _, list := range []openapi3.SchemaRefs{v.OneOf, v.AnyOf, v.AllOf} {
			for _, x := range list {
				walk(x)
			}
		}
	}
	for name, ref := range doc.Components.Schemas {
		if v := ref.Value; strings.Contains(name, "HardwareSpec") && len(v.OneOf) > 0 && v.Discriminator == nil {
			v.AnyOf, v.OneOf = v.OneOf, nil
		}
		walk(ref)
	}
	if g := doc.Components.Schemas["Group"]; g != nil && g.Value.Properties["withDefaultAlertsSettings"] != nil {
		g.Value.Properties["withDefaultAlertsSettings"].Value.WriteOnly = false
	}
	params := doc.Components.Schemas["ApiError"].Value.Properties["parameters"].Value
	params.Items = openapi3.NewSchemaRef("", &openapi3.Schema{})
}

var dated = regexp.MustCompile(`^application/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json$`)

// validate checks one answer against the definition's response for its
// operation, in the version it answers in.
func validate(t *testing.T, method, template string, a answer) {
	t.Helper()
	docs := definitions(t)
	validated[method+" "+template] = true
	ct := a.Header.Get("Content-Type")
	if a.Status >= 400 {
		if ct != "application/json" {
			t.Fatalf("%s %s %d: an error with content type %s", method, template, a.Status, ct)
		}
		if err := docs[len(docs)-1].Components.Schemas["ApiError"].Value.VisitJSON(map[string]any(a.Body), openapi3.VisitAsResponse()); err != nil {
			t.Errorf("%s %s %d does not match ApiError: %v\n%s", method, template, a.Status, err, a.Raw)
		}
		return
	}
	if a.Status == http.StatusNoContent { // RULES.md section 4: no body, whatever the definition declares
		if a.Raw != "" {
			t.Errorf("%s %s 204 with a body: %q", method, template, a.Raw)
		}
		return
	}
	m := dated.FindStringSubmatch(ct)
	if m == nil {
		t.Fatalf("%s %s %d: content type %q is no dated Atlas version", method, template, a.Status, ct)
	}
	for _, doc := range docs {
		item := doc.Paths.Find(template)
		if item == nil || item.GetOperation(method) == nil {
			continue
		}
		status := a.Status
		if method == "POST" && strings.HasSuffix(template, "/backup/snapshots") && status == http.StatusAccepted {
			status = http.StatusOK
		}
		resp := item.GetOperation(method).Responses.Status(status)
		if resp == nil || resp.Value == nil {
			continue
		}
		mt := resp.Value.Content.Get(ct)
		if mt == nil {
			continue
		}
		if mt.Schema == nil {
			// A fourth relaxation: the definition names the media type but no
			// schema (GET managedSlowMs, whose body Atlas sends and the
			// Terraform provider reads as a JSON boolean); the body is only
			// checked to be JSON.
			if a.Body == nil && a.value == nil && a.Raw != "" {
				t.Errorf("%s %s %d in %s: the body is not JSON: %q", method, template, a.Status, m[1], a.Raw)
			}
			return
		}
		schema := mt.Schema.Value
		if template == "/api/atlas/v2/groups/{groupId}/encryptionAtRest/{cloudProvider}/privateEndpoints/{endpointId}" ||
			(method == "POST" && strings.HasSuffix(template, "/privateEndpoints")) {
			schema = doc.Components.Schemas["AzureKeyVaultEARPrivateEndpoint"].Value // the relaxed oneOf, decided by cloudProvider
		}
		var body any = a.Body
		if a.Body == nil {
			body = a.value
		}
		if err := schema.VisitJSON(body, openapi3.VisitAsResponse()); err != nil {
			t.Errorf("%s %s %d in %s does not match the definition: %v\n%s", method, template, a.Status, m[1], err, a.Raw)
		}
		return
	}
	t.Fatalf("%s %s: no definition has a %d response in %s", method, template, a.Status, ct)
}

// validated records the operations TestResponsesMatchTheOpenAPIDefinition saw.
var validated = map[string]bool{}

// Every answer of every route the mock serves, successes and errors, in
// every version it answers, matches the full official definition (relaxed
// as above).
func TestResponsesMatchTheOpenAPIDefinition(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	const (
		ear      = "/api/atlas/v2/groups/{groupId}/encryptionAtRest"
		list     = "/api/atlas/v2/groups/{groupId}/encryptionAtRest/{cloudProvider}/privateEndpoints"
		one      = "/api/atlas/v2/groups/{groupId}/encryptionAtRest/{cloudProvider}/privateEndpoints/{endpointId}"
		groups   = "/api/atlas/v2/groups"
		group1   = "/api/atlas/v2/groups/{groupId}"
		clusters = "/api/atlas/v2/groups/{groupId}/clusters"
		cluster  = "/api/atlas/v2/groups/{groupId}/clusters/{clusterName}"
		snaps    = "/api/atlas/v2/groups/{groupId}/clusters/{clusterName}/backup/snapshots"
	)
	validate(t, "GET", ear, s.do("GET", earPath, accept, nil))
	validate(t, "POST", list, s.do("POST", endpoints, accept, map[string]any{"regionName": "US_CENTRAL"}))
	s.enable(true)
	validate(t, "GET", ear, s.do("GET", earPath, accept, nil))
	validate(t, "PATCH", ear, s.do("PATCH", earPath, accept, `{"azureKeyVault":{"requirePrivateNetworking":true}}`))
	created := s.do("POST", endpoints, accept, map[string]any{"regionName": "US_CENTRAL"})
	validate(t, "POST", list, created)
	id := created.Body["id"].(string)
	validate(t, "DELETE", one, s.do("DELETE", endpoints+"/"+id, accept, nil)) // refused while provisioning
	for i, status := range []string{sim.StatusPendingAcceptance, sim.StatusActive} {
		s.endpoint([]string{"UK_SOUTH", "FRANCE_CENTRAL"}[i], status)
		s.do("DELETE", endpoints+"/"+s.endpoint([]string{"JAPAN_EAST", "KOREA_CENTRAL"}[i], status), accept, nil)
	}
	validate(t, "GET", list, s.do("GET", endpoints, accept, nil))
	validate(t, "GET", list, s.do("GET", endpoints+"?itemsPerPage=1&pageNum=2&includeCount=false", accept, nil))
	validate(t, "GET", one, s.do("GET", endpoints+"/"+id, accept, nil))
	validate(t, "GET", one, s.do("GET", endpoints+"/0000000000000000000000ff", accept, nil))
	validate(t, "POST", list, s.do("POST", endpoints, accept, map[string]any{"regionName": "US_CENTRAL"}))
	validate(t, "PATCH", ear, s.do("PATCH", earPath, accept, `{"azureKeyVault":{"requirePrivateNetworking":false}}`))
	validate(t, "GET", ear, s.with(http.DefaultClient, "GET", earPath, accept, nil))
	ro := digestClient(t, atlasapi.Key{PublicKey: "x", PrivateKey: "y"})
	validate(t, "PATCH", ear, s.with(ro, "PATCH", earPath, accept, `{}`))
	s.control("POST", "clock/advance", map[string]any{"seconds": 60})
	validate(t, "DELETE", one, s.do("DELETE", endpoints+"/"+id, accept, nil))

	// Organizations and projects.
	validate(t, "GET", "/api/atlas/v2/orgs", s.do("GET", "/api/atlas/v2/orgs", accept, nil))
	p := s.do("POST", groups, accept, map[string]any{"name": "validated", "orgId": sim.DefaultOrgID, "tags": []any{}, "withDefaultAlertsSettings": true})
	validate(t, "POST", groups, p)
	pid := p.Body["id"].(string)
	validate(t, "GET", group1, s.do("GET", "/api/atlas/v2/groups/"+pid, accept, nil))
	validate(t, "POST", groups, s.do("POST", groups, accept, map[string]any{"name": "validated", "orgId": sim.DefaultOrgID}))
	for _, sub := range []string{"settings", "teams", "limits", "ipAddresses", "managedSlowMs", "containers?providerName=AZURE", "containers/all"} {
		path, _, _ := strings.Cut(sub, "?")
		validate(t, "GET", group1+"/"+path, s.do("GET", "/api/atlas/v2/groups/"+pid+"/"+sub, accept, nil))
	}
	validate(t, "PATCH", group1+"/settings", s.do("PATCH", "/api/atlas/v2/groups/"+pid+"/settings", accept, map[string]any{"isDataExplorerEnabled": true}))

	// Clusters, in every version each operation answers.
	base := "/api/atlas/v2/groups/" + group
	spec := func(name string) map[string]any {
		return map[string]any{"name": name, "clusterType": "REPLICASET", "encryptionAtRestProvider": "AZURE", "backupEnabled": true,
			"replicationSpecs": []any{map[string]any{"zoneName": "Zone A", "regionConfigs": []any{map[string]any{
				"providerName": "AZURE", "regionName": "FRANCE_CENTRAL", "priority": 7, // its endpoint is ACTIVE (EAR-MR-02)
				"electableSpecs": map[string]any{"instanceSize": "M10", "nodeCount": 3}}}}}}
	}
	for i, v := range []string{"2023-02-01", "2024-08-05", "2024-10-23"} {
		media := "application/vnd.atlas." + v + "+json"
		name := []string{"c-2023", "c-2024-08", "c-2024-10"}[i]
		c := s.do("POST", base+"/clusters", media, spec(name))
		validate(t, "POST", clusters, c)
		if got := c.Header.Get("Content-Type"); c.Status != 201 || got != media {
			t.Errorf("POST cluster at %s answered %d %s: %s", v, c.Status, got, c.Raw)
		}
		validate(t, "PATCH", cluster, s.do("PATCH", base+"/clusters/"+name, media, map[string]any{"paused": false}))
		validate(t, "POST", clusters, s.do("POST", base+"/clusters", media, map[string]any{"name": "small", "replicationSpecs": []any{map[string]any{"regionConfigs": []any{map[string]any{
			"providerName": "TENANT", "backingProviderName": "AZURE", "regionName": "US_CENTRAL", "electableSpecs": map[string]any{"instanceSize": "M0"}}}}},
			"encryptionAtRestProvider": "AZURE"}))
	}
	s.control("POST", "clock/advance", map[string]any{"seconds": sim.ClusterSeconds})
	for _, v := range []string{"2023-02-01", "2024-08-05"} {
		media := "application/vnd.atlas." + v + "+json"
		validate(t, "GET", clusters, s.do("GET", base+"/clusters", media, nil))
		validate(t, "GET", cluster, s.do("GET", base+"/clusters/c-2023", media, nil))
	}
	for _, v := range []string{"2023-01-01", "2024-08-05"} {
		validate(t, "GET", cluster+"/processArgs", s.do("GET", base+"/clusters/c-2023/processArgs", "application/vnd.atlas."+v+"+json", nil))
	}
	containers := s.do("GET", base+"/containers?providerName=AZURE", accept, nil)
	validate(t, "GET", "/api/atlas/v2/groups/{groupId}/containers", containers)
	if n, _ := containers.Body["totalCount"].(float64); n != 1 {
		t.Errorf("containers of a project with Azure clusters in one region: %s", containers.Raw)
	}
	validate(t, "PATCH", cluster+"/processArgs", s.do("PATCH", base+"/clusters/c-2023/processArgs", accept24, map[string]any{"javascriptEnabled": true}))
	validate(t, "POST", snaps, s.do("POST", base+"/clusters/c-2023/backup/snapshots", accept, map[string]any{"description": "before", "retentionInDays": 1}))
	validate(t, "GET", snaps, s.do("GET", base+"/clusters/c-2023/backup/snapshots", accept, nil))
	validate(t, "DELETE", cluster, s.do("DELETE", base+"/clusters/c-2024-08", "application/vnd.atlas.2023-02-01+json", nil))
	validate(t, "GET", cluster, s.do("GET", base+"/clusters/nope", accept24, nil))
	validate(t, "GET", groups, s.do("GET", "/api/atlas/v2/groups?itemsPerPage=1", accept, nil))
	validate(t, "GET", groups+"/byName/{groupName}", s.do("GET", "/api/atlas/v2/groups/byName/seed-example", accept, nil))
	validate(t, "GET", groups+"/byName/{groupName}", s.do("GET", "/api/atlas/v2/groups/byName/nobody", accept, nil))
	accept25 := "application/vnd.atlas.2025-03-12+json"
	validate(t, "GET", "/api/atlas/v2/rateLimits", s.do("GET", "/api/atlas/v2/rateLimits", accept25, nil))
	validate(t, "GET", "/api/atlas/v2/rateLimits/{endpointSetId}", s.do("GET", "/api/atlas/v2/rateLimits/clusters_group", accept25, nil))
	validate(t, "GET", "/api/atlas/v2/rateLimits/{endpointSetId}", s.do("GET", "/api/atlas/v2/rateLimits/nothing", accept25, nil))
	validate(t, "DELETE", group1, s.do("DELETE", "/api/atlas/v2/groups/"+pid, accept, nil))

	// Every route of the table was seen (the legacy v1.0 routes answer
	// application/json, outside the v2 definition).
	for _, r := range atlasapi.RouteKeys() {
		if !strings.Contains(r, " /api/atlas/v2/") {
			continue // v1.0 and OAuth: outside the definition (oauth_test.go)
		}
		if !validated[r] {
			t.Errorf("%s: no answer of this route was validated", r)
		}
	}
}

// Each route answers exactly the versions the definition lists for its
// operation: a date before the first is refused, every listed one is
// answered in itself, a later date in the newest listed on or before it.
func TestRoutesAnswerTheirDefinitionVersions(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	for _, tc := range []struct {
		method, path string
		body         any
		want         map[string]string // requested date -> answered version ("" for 406)
	}{
		{"GET", "/api/atlas/v2/groups/" + group + "/clusters/none", nil, map[string]string{
			"2023-01-01": "", "2023-02-01": "2023-02-01", "2024-05-30": "2023-02-01", "2024-08-05": "2024-08-05", "2024-11-13": "2024-08-05"}},
		{"DELETE", "/api/atlas/v2/groups/" + group + "/clusters/none", nil, map[string]string{
			"2023-01-01": "", "2023-02-01": "2023-02-01", "2024-08-05": "2023-02-01"}},
		{"GET", earPath, nil, map[string]string{"2022-12-31": "", "2023-01-01": "2023-01-01", "2024-10-23": "2023-01-01"}},
	} {
		for date, want := range tc.want {
			a := s.do(tc.method, tc.path, "application/vnd.atlas."+date+"+json", tc.body)
			if want == "" {
				if a.Status != 406 || a.code() != "INVALID_VERSION_DATE" {
					t.Errorf("%s %s at %s: %d %s, want 406 INVALID_VERSION_DATE", tc.method, tc.path, date, a.Status, a.code())
				}
				continue
			}
			if a.Status == 406 {
				t.Errorf("%s %s at %s: 406, want an answer in %s", tc.method, tc.path, date, want)
				continue
			}
			if got := a.Header.Get("Content-Type"); a.Status < 400 && got != "application/vnd.atlas."+want+"+json" {
				t.Errorf("%s %s at %s: answered %s, want %s", tc.method, tc.path, date, got, want)
			}
		}
	}
	// Every row's versions are the definition's, none by hand.
	for _, r := range atlasapi.RouteKeys() {
		if !strings.Contains(r, " /api/atlas/v2/") {
			continue // v1.0 (application/json) and OAuth (unversioned)
		}
		if got, want := atlasapi.RouteVersions(r), atlasapi.DefinitionVersions(r); !slices.Equal(got, want) || len(got) == 0 {
			t.Errorf("%s answers %v, the definition lists %v", r, got, want)
		}
	}
}

// The generated version table is what the definitions give now.
func TestVersionTableIsGenerated(t *testing.T) {
	cmd := exec.Command("go", "run", "./atlasapi/internal/genversions", "-check")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

// A route of the official definition that the mock does not model answers
// 404 naming the operation.
func TestUnmodelledRoutesSaySo(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	a := s.do("GET", "/api/atlas/v2/groups/"+group+"/databaseUsers", accept, nil)
	if a.Status != 404 || a.code() != "RESOURCE_NOT_FOUND" || !strings.Contains(a.Body["detail"].(string), "does not model listGroupDatabaseUsers") {
		t.Fatalf("unmodelled route: %d %s", a.Status, a.Raw)
	}
	if a := s.do("GET", "/api/atlas/v2/nowhere", accept, nil); a.Status != 404 || strings.Contains(a.Raw, "does not model") {
		t.Fatalf("unknown route: %d %s", a.Status, a.Raw)
	}
}
