package sim

import "slices"

func projectNotFound(id string) *Error {
	return Errorf(404, "GROUP_NOT_FOUND", "no project with id %s exists", id)
}

func clusterNotFound(name string) *Error {
	return Errorf(404, "CLUSTER_NOT_FOUND", "no cluster named %q exists in the project", name)
}

func endpointNotFound(id string) *Error {
	return Errorf(404, "RESOURCE_NOT_FOUND", "no encryption at rest private endpoint with id %s exists", id)
}

func provider(cmd Command) string {
	if cmd.CloudProvider == "" {
		return "AZURE"
	}
	return cmd.CloudProvider
}

// lookup finds the command's project and, for ops that name one, its
// endpoint or cluster; missing is the 404 the request earns.
func lookup(find func(string) *Project, cmd Command) (p *Project, e *Endpoint, c *Cluster, missing *Error) {
	p = find(cmd.GroupID)
	if p == nil {
		return nil, nil, nil, projectNotFound(cmd.GroupID)
	}
	switch cmd.Op {
	case GetPrivateEndpoint, DeletePrivateEndpoint, ApproveConnection, RejectConnection, RemoveConnection:
		if e = p.Endpoint(cmd.EndpointID); e == nil || provider(cmd) == "AWS" {
			return p, nil, nil, endpointNotFound(cmd.EndpointID)
		}
	case GetCluster, UpdateCluster, PauseCluster, ResumeCluster, DeleteCluster, CreateSnapshot, ListSnapshots:
		if c = p.Cluster(cmd.ClusterName); c == nil {
			return p, nil, nil, clusterNotFound(cmd.ClusterName)
		}
	}
	return p, e, c, nil
}

// request is the policy input's "request" for ops that need no more than
// their identifying fields.
func request(cmd Command) map[string]any {
	r := map[string]any{}
	if cmd.CloudProvider != "" {
		r["cloudProvider"] = cmd.CloudProvider
	}
	if cmd.EndpointID != "" {
		r["endpointId"] = cmd.EndpointID
	}
	if cmd.RegionName != "" {
		r["regionName"] = cmd.RegionName
	}
	if cmd.ClusterName != "" {
		r["clusterName"] = cmd.ClusterName
	}
	if cmd.KeyIdentifier != "" {
		r["keyIdentifier"] = cmd.KeyIdentifier
	}
	return r
}

// read answers a read-only op from the current state.
func (m *Machine) read(cmd Command) (any, *Error) {
	t := m.reader()
	defer func() {
		m.azure = t.azure
		for id, d := range t.fresh {
			m.own(borrowedDocs)
			m.docs[id] = d
		}
	}()
	return m.readWith(t, cmd)
}

// readShared answers a read as read does, but keeps none of the documents
// it built: it changes nothing in the Machine, so reads and Prepares may run
// at once.
func (m *Machine) readShared(cmd Command) (any, *Error) { return m.readWith(m.reader(), cmd) }

func (m *Machine) reader() *tx {
	return &tx{s: m.state, checker: m.checker, azure: m.azure, docs: m.docs, dirty: map[string]bool{}, fresh: map[string]map[string]any{}, m: m, owned: map[string]*Project{}}
}

func (m *Machine) readWith(t *tx, cmd Command) (any, *Error) {
	s := m.state
	switch cmd.Op {
	case ListOrganizations:
		return List[OrganizationView]{Results: []OrganizationView{{ID: s.Org.ID, Name: s.Org.Name}}, TotalCount: 1}, nil
	case ListProjects:
		// The projects the actor may read (EAR-CL-01 decides, project by
		// project, as for GetProject); the others are left out, as Atlas
		// lists only what the caller's roles reach.
		out := List[ProjectView]{Results: []ProjectView{}}
		for _, p := range s.Projects.All() {
			if _, err := t.admit(GetProject, map[string]any{}, p, cmd.Actor, p.ID, nil); err != nil {
				if err.Status == 403 {
					continue
				}
				return nil, err
			}
			out.Results = append(out.Results, projectView(p))
		}
		out.TotalCount = len(out.Results)
		return out, nil
	case GetProjectByName:
		name := ""
		if cmd.Project != nil {
			name = cmd.Project.Name
		}
		for _, p := range s.Projects.All() {
			if p.Name == name {
				if _, err := t.admit(GetProject, map[string]any{}, p, cmd.Actor, p.ID, nil); err != nil {
					return nil, err
				}
				return projectView(p), nil
			}
		}
		return nil, Errorf(404, "GROUP_NAME_NOT_FOUND", "no project named %q exists", name)
	}
	p, e, c, missing := lookup(m.project, cmd)
	_, err := t.admit(cmd.Op, request(cmd), p, cmd.Actor, cmd.GroupID, missing)
	if err != nil {
		return nil, err
	}
	switch cmd.Op {
	case GetEncryptionConfig:
		return p.Encryption.View(m.reports[p.ID].Valid), nil
	case ListPrivateEndpoints:
		out := List[EndpointView]{Results: []EndpointView{}}
		if provider(cmd) == "AZURE" {
			for i := range p.Endpoints {
				out.Results = append(out.Results, p.Endpoints[i].View())
			}
		}
		out.TotalCount = len(out.Results)
		return out, nil
	case GetPrivateEndpoint:
		return e.View(), nil
	case GetProject:
		return projectView(p), nil
	case GetCluster:
		return clusterView(p.ID, c), nil
	case ListClusters:
		out := List[ClusterView]{Results: []ClusterView{}, TotalCount: len(p.Clusters)}
		for i := range p.Clusters {
			out.Results = append(out.Results, clusterView(p.ID, &p.Clusters[i]))
		}
		return out, nil
	default: // ListSnapshots
		out := List[SnapshotView]{Results: []SnapshotView{}}
		for i := range p.Snapshots {
			if p.Snapshots[i].ClusterName == c.Name {
				out.Results = append(out.Results, snapshotView(&p.Snapshots[i]))
			}
		}
		out.TotalCount = len(out.Results)
		return out, nil
	}
}

// apply carries out a mutating command on the transaction's world and
// returns the HTTP status and body of its answer.
func (t *tx) apply(cmd Command) (int, any, *Error) {
	switch cmd.Op {
	case Advance: // the timers that fire own what they change
	case CreateKey, DisableKey, DeleteKey, RevokeKeyAccess, RestoreKeyAccess, RegisterNetwork, UnregisterNetwork:
		t.ownAzure() // every project may be asked about, and changed (each owned as it is)
	default:
		t.own(cmd.GroupID) // before anything in it is pointed into
	}
	switch cmd.Op {
	case CreateProject:
		return t.createProject(cmd)
	case CreateKey:
		return t.createKey(cmd)
	case DisableKey, DeleteKey:
		return t.keyEvent(cmd, cmd.KeyIdentifier)
	case RegisterNetwork, UnregisterNetwork:
		sub := t.s.Azure.Subscription(cmd.SubscriptionID)
		if sub == nil {
			return 0, nil, Errorf(404, "SUBSCRIPTION_NOT_FOUND", "no Azure subscription %s exists", cmd.SubscriptionID)
		}
		// The policies are asked once for every project whose configuration
		// names the subscription (EAR-NET-01: unregistering while it has
		// endpoints is a hazard).
		type decided struct {
			p *Project
			d Decision
		}
		var ds []decided
		if cmd.Op == UnregisterNetwork {
			for _, p := range t.s.Projects.All() {
				if p.Encryption.SubscriptionID != sub.ID {
					continue
				}
				d, err := t.admit(cmd.Op, map[string]any{"subscriptionId": sub.ID}, p, nil, p.ID, nil)
				if err != nil {
					return 0, nil, err
				}
				ds = append(ds, decided{p, d})
			}
		}
		sub.NetworkRegistered = cmd.Op == RegisterNetwork
		t.azure, t.allDirty = nil, true
		for _, x := range ds {
			t.touch(x.p.ID)
			t.carryOut(x.p, x.d)
		}
		t.emit("", string(cmd.Op)+"ed", "EAR-NET-01", map[string]string{"subscription": sub.ID}, "")
		return 200, sub, nil
	case Advance:
		if cmd.Seconds < 0 {
			return 0, nil, Errorf(400, "INVALID_ATTRIBUTE", "seconds must not be negative, got %d", cmd.Seconds)
		}
		if err := t.fireDue(t.s.Now + cmd.Seconds); err != nil {
			return 0, nil, err
		}
		t.clockMoved = true
		return 200, Clock{Now: Timestamp(t.s.Now)}, nil
	}

	p, e, c, missing := lookup(t.project, cmd)
	if cmd.Op == RevokeKeyAccess || cmd.Op == RestoreKeyAccess {
		if missing != nil {
			return 0, nil, missing
		}
		return t.keyEvent(cmd, p.Encryption.KeyIdentifier)
	}
	req := request(cmd)
	var before Cluster
	switch cmd.Op {
	case UpdateEncryptionConfig:
		patch := cmd.AzureKeyVault
		if patch == nil {
			patch = &AzureKeyVaultPatch{}
		}
		var after EncryptionConfig
		if p != nil {
			after = p.Encryption.Patched(patch, t.s.Digest)
		}
		req = map[string]any{"azureKeyVault": patchInput(patch, t.s.Digest), "after": encryptionInput(&after)}
		d, err := t.admit(cmd.Op, req, p, cmd.Actor, cmd.GroupID, missing)
		if err != nil {
			return 0, nil, err
		}
		t.touch(p.ID)
		t.updateEncryption(p, after)
		t.carryOut(p, d)
		id := p.ID
		return 200, lazy(func(t *tx) any { return t.project(id).Encryption.View(t.report(id).Valid) }), t.done(p)
	case CreateCluster, UpdateCluster:
		spec := cmd.Cluster
		if spec == nil {
			spec = &ClusterSpec{}
		}
		if cmd.Op == CreateCluster {
			before = Cluster{Name: spec.Name, EncryptionAtRestProvider: "NONE", ClusterType: "REPLICASET", StateName: "CREATING"}
		} else if c != nil {
			before = c.clone()
		}
		after := mergeCluster(before, spec)
		req["cluster"] = clusterInput(&after)
		if cmd.Op == CreateCluster {
			if missing == nil {
				missing = validateNewCluster(p, &after)
			}
		}
		d, err := t.admit(cmd.Op, req, p, cmd.Actor, cmd.GroupID, missing)
		if err != nil {
			return 0, nil, err
		}
		t.touch(p.ID)
		if cmd.Op == CreateCluster {
			after.ID, after.Created = t.s.NewID(), t.s.Now
			p.Clusters = append(p.Clusters, after)
			t.schedule(TimerClusterReady, t.s.Now+ClusterSeconds, p.ID, "", after.Name)
			t.emit(p.ID, "ClusterCreated", "", map[string]string{"cluster": after.Name}, "")
		} else {
			*c = after
			t.emit(p.ID, "ClusterUpdated", "", map[string]string{"cluster": after.Name}, "")
		}
		t.carryOut(p, d)
		status := 200
		if cmd.Op == CreateCluster {
			status = 201
		}
		return status, clusterView(p.ID, p.Cluster(after.Name)), t.done(p)
	}

	d, err := t.admit(cmd.Op, req, p, cmd.Actor, cmd.GroupID, missing)
	if err != nil {
		return 0, nil, err
	}
	t.touch(p.ID)
	var status int
	var body any
	switch cmd.Op {
	case CreatePrivateEndpoint:
		ep := t.newEndpoint(p, cmd.RegionName)
		status, body = 202, ep.View()
	case DeletePrivateEndpoint:
		if e.Status != StatusDeleting {
			e.Status, e.Since, e.Connection = StatusDeleting, t.s.Now, ""
			t.schedule(TimerEndpointDeleted, t.s.Now+DeletionSeconds, p.ID, e.ID, "")
			t.emit(p.ID, "EndpointDeleting", "EAR-PE-05", map[string]string{"endpoint": e.ID}, "")
		}
		status = 204
	case DeleteProject:
		i := t.index(p.ID)
		if b, ok := t.m.pos.of(p.ID); ok {
			t.removedAt = append(t.removedAt, b)
		}
		t.s.Projects = t.s.Projects.Delete(i)
		t.list.reset()
		t.structural, t.deleted, t.deletedNames = true, append(t.deleted, p.ID), append(t.deletedNames, p.Name)
		t.emit(cmd.GroupID, "ProjectDeleted", "", nil, "")
		return 204, nil, nil
	case SetProjectState:
		if cmd.State != "ACTIVE" && cmd.State != "INACTIVE" {
			return 0, nil, Errorf(400, "INVALID_ENUM_VALUE", "project state must be ACTIVE or INACTIVE, got %q", cmd.State)
		}
		p.State = cmd.State
		status, body = 200, map[string]string{"state": p.State}
	case PauseCluster, ResumeCluster:
		if c.StateName == "DELETING" {
			return 0, nil, Errorf(400, "CLUSTER_DELETING", "cluster %q is being deleted", c.Name)
		}
		pause := cmd.Op == PauseCluster
		if c.Paused != pause {
			c.Paused, c.PauseReason = pause, ""
			if pause {
				c.PauseReason = "USER"
			}
			t.emit(p.ID, map[bool]string{true: "ClusterPaused", false: "ClusterResumed"}[pause], "", map[string]string{"cluster": c.Name}, "")
		}
		status, body = 200, clusterView(p.ID, c)
	case DeleteCluster:
		if c.StateName != "DELETING" {
			c.StateName = "DELETING"
			t.schedule(TimerClusterDeleted, t.s.Now+ClusterSeconds, p.ID, "", c.Name)
			t.emit(p.ID, "ClusterDeleting", "", map[string]string{"cluster": c.Name}, "")
		}
		status = 202
	case CreateSnapshot:
		snap := Snapshot{ID: t.s.NewID(), ClusterName: c.Name, Created: t.s.Now}
		if cmd.Snapshot != nil {
			snap.Description, snap.RetentionInDays = cmd.Snapshot.Description, cmd.Snapshot.RetentionInDays
		}
		if c.EncryptionAtRestProvider == "AZURE" && p.Encryption.Enabled {
			snap.KeyIdentifier = p.Encryption.KeyIdentifier
		}
		p.Snapshots = append(p.Snapshots, snap)
		t.emit(p.ID, "SnapshotTaken", "", map[string]string{"snapshot": snap.ID, "cluster": c.Name}, "")
		status, body = 202, snapshotView(&snap)
	case ApproveConnection:
		if e.Connection != ConnectionPending && e.Connection != ConnectionApproved {
			return 0, nil, Errorf(409, "AZURE_CONNECTION_NOT_PENDING", "endpoint %s has no connection awaiting approval (status %s)", e.ID, e.Status)
		}
		if e.Connection == ConnectionPending {
			e.Connection, e.ApprovedAt = ConnectionApproved, t.s.Now
			t.schedule(TimerEndpointActivated, t.s.Now+t.s.approvalLag(), p.ID, e.ID, "")
			t.emit(p.ID, "EndpointApproved", "EAR-PE-03", map[string]string{"endpoint": e.ID}, "")
		}
		status, body = 200, e.View()
	case RejectConnection, RemoveConnection:
		if e.Connection != ConnectionPending && e.Connection != ConnectionApproved {
			return 0, nil, Errorf(409, "AZURE_CONNECTION_NOT_FOUND", "endpoint %s has no connection to reject or remove (status %s)", e.ID, e.Status)
		}
		e.Connection = map[Op]string{RejectConnection: ConnectionRejected, RemoveConnection: ConnectionRemoved}[cmd.Op]
		e.Status, e.ErrorMessage, e.Since = StatusPendingRecreation, RecreatingMessage, t.s.Now
		old := *e
		ep := t.newEndpoint(p, old.RegionName)
		t.emit(p.ID, "EndpointRecreating", "EAR-PE-04", map[string]string{"endpoint": old.ID, "by": ep.ID}, "")
		status, body = 200, p.Endpoint(old.ID).View()
	}
	t.carryOut(p, d)
	return status, body, t.done(p)
}

// lazy is a body rendered after the step settles, for answers that carry
// fields the policies derive (azureKeyVault.valid).
type lazy func(t *tx) any

// done marks the project for inspection.
func (t *tx) done(p *Project) *Error {
	if p != nil {
		t.touch(p.ID)
	}
	return nil
}

func (t *tx) newEndpoint(p *Project, region string) *Endpoint {
	p.Endpoints = append(p.Endpoints, Endpoint{ID: t.s.NewID(), RegionName: region, Status: StatusInitiating, Since: t.s.Now})
	ep := &p.Endpoints[len(p.Endpoints)-1]
	t.schedule(TimerEndpointProvisioned, t.s.Now+ProvisioningSeconds, p.ID, ep.ID, "")
	t.emit(p.ID, "EndpointInitiated", "EAR-PE-01", map[string]string{"endpoint": ep.ID, "region": region}, "")
	return ep
}

// Patched returns the configuration a PATCH leaves: the fields sent replace
// the stored ones; enabled false disables customer key management and removes
// the configuration details (OpenAPI).
// A secret sent is kept as digest(secret) (the world's State.Digest).
func (c EncryptionConfig) Patched(p *AzureKeyVaultPatch, digest func(string) string) EncryptionConfig {
	if p.Enabled != nil && !*p.Enabled {
		return EncryptionConfig{}
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.AzureEnvironment, p.AzureEnvironment)
	set(&c.ClientID, p.ClientID)
	set(&c.TenantID, p.TenantID)
	set(&c.SubscriptionID, p.SubscriptionID)
	set(&c.ResourceGroupName, p.ResourceGroupName)
	set(&c.KeyVaultName, p.KeyVaultName)
	set(&c.KeyIdentifier, p.KeyIdentifier)
	set(&c.RoleID, p.RoleID)
	if p.Secret != nil {
		c.SecretDigest = digest(string(*p.Secret))
	}
	if p.Enabled != nil {
		c.Enabled = *p.Enabled
	}
	if p.RequirePrivateNetworking != nil {
		c.RequirePrivateNetworking = *p.RequirePrivateNetworking
	}
	if c.Rotation != nil {
		r := *c.Rotation
		c.Rotation = &r
	}
	return c
}

// updateEncryption stores an accepted configuration and starts a key
// rotation when the key of an enabled configuration changes while clusters
// use it (MD: 300 s, clusters UPDATING meanwhile; EAR-ROT-02).
func (t *tx) updateEncryption(p *Project, after EncryptionConfig) {
	before := p.Encryption
	p.Encryption = after
	switch {
	case !before.Enabled && after.Enabled:
		t.emit(p.ID, "EncryptionEnabled", "EAR-CRED-01", nil, "")
	case before.Enabled && !after.Enabled:
		t.emit(p.ID, "EncryptionDisabled", "EAR-DIS-01", nil, "")
	}
	if before.RequirePrivateNetworking != after.RequirePrivateNetworking {
		kind := map[bool]string{true: "PrivateNetworkingRequired", false: "PrivateNetworkingReleased"}[after.RequirePrivateNetworking]
		t.emit(p.ID, kind, "EAR-ORD-02", nil, "")
	}
	if !before.Enabled || !after.Enabled || before.KeyIdentifier == after.KeyIdentifier {
		return
	}
	rotating := false
	for i := range p.Clusters {
		if c := &p.Clusters[i]; c.EncryptionAtRestProvider == "AZURE" && c.StateName != "DELETING" {
			c.StateName, rotating = "UPDATING", true
		}
	}
	if !rotating {
		return
	}
	until := t.s.Now + RotationSeconds
	p.Encryption.Rotation = &Rotation{From: before.KeyIdentifier, Until: until}
	t.schedule(TimerRotationFinished, until, p.ID, "", "")
	t.emit(p.ID, "RotationStarted", "EAR-ROT-02", map[string]string{"key": before.KeyIdentifier}, "")
}

// ClusterOf is the cluster a spec describes, for placing in an initial world
// (PlaceCluster): what a creation with the spec would store.
func ClusterOf(s *ClusterSpec) Cluster { return mergeCluster(Cluster{Name: s.Name}, s) }

// mergeCluster applies a cluster spec: set fields replace, zero fields stay.
func mergeCluster(c Cluster, s *ClusterSpec) Cluster {
	if s.ClusterType != "" {
		c.ClusterType = s.ClusterType
	}
	if s.ReplicationSpecs != nil {
		c.ReplicationSpecs = Cluster{ReplicationSpecs: s.ReplicationSpecs}.clone().ReplicationSpecs
	}
	if s.EncryptionAtRestProvider != "" {
		c.EncryptionAtRestProvider = s.EncryptionAtRestProvider
	}
	if s.BackupEnabled != nil {
		c.BackupEnabled = *s.BackupEnabled
	}
	if s.LegacyBackup != nil {
		c.LegacyBackup = *s.LegacyBackup
	}
	if s.Paused != nil && *s.Paused != c.Paused {
		c.Paused, c.PauseReason = *s.Paused, ""
		if c.Paused {
			c.PauseReason = "USER"
		}
	}
	return c
}

// validateNewCluster checks what a cluster needs to exist at all.
func validateNewCluster(p *Project, c *Cluster) *Error {
	switch {
	case c.Name == "":
		return Errorf(400, "MISSING_ATTRIBUTE", "the cluster needs a name")
	case p.Cluster(c.Name) != nil:
		return Errorf(400, "DUPLICATE_CLUSTER_NAME", "a cluster named %q already exists", c.Name)
	case len(c.ReplicationSpecs) == 0:
		return Errorf(400, "MISSING_ATTRIBUTE", "cluster %q needs replicationSpecs", c.Name)
	}
	for _, rs := range c.ReplicationSpecs {
		if len(rs.RegionConfigs) == 0 {
			return Errorf(400, "MISSING_ATTRIBUTE", "every replication spec of %q needs regionConfigs", c.Name)
		}
		for _, rc := range rs.RegionConfigs {
			if rc.ProviderName == "" || rc.RegionName == "" {
				return Errorf(400, "MISSING_ATTRIBUTE", "every region config of %q needs providerName and regionName", c.Name)
			}
		}
	}
	return nil
}

func (t *tx) createProject(cmd Command) (int, any, *Error) {
	var missing *Error
	spec := cmd.Project
	switch {
	case spec == nil || spec.Name == "":
		missing = Errorf(400, "MISSING_ATTRIBUTE", "the project needs a name")
	case spec.OrgID != t.s.Org.ID:
		missing = Errorf(404, "ORG_NOT_FOUND", "no organization with id %s exists", spec.OrgID)
	case t.m.pos.named(spec.Name):
		missing = Errorf(409, "GROUP_ALREADY_EXISTS", "a project named %q already exists", spec.Name)
	}
	if _, err := t.admit(cmd.Op, map[string]any{}, nil, cmd.Actor, "", missing); err != nil {
		return 0, nil, err
	}
	p := NewProject(t.s.NewID(), spec.Name, spec.OrgID, t.s.Now)
	p.NoDefaultAlerts = spec.WithDefaultAlertsSettings != nil && !*spec.WithDefaultAlertsSettings
	t.s.Projects = t.s.Projects.Append(p)
	t.list.reset()
	t.structural = true
	t.owned[p.ID] = p // made by this step: nobody else holds it
	t.created = append(t.created, p.ID)
	t.touch(p.ID)
	t.emit(p.ID, "ProjectCreated", "", nil, "")
	return 200, projectView(p), nil
}

func (t *tx) createKey(cmd Command) (int, any, *Error) {
	// The policies judge the identifier's format first (EAR-CRED-03, the
	// parser a PATCH meets), so that a key no PATCH could name is never
	// created, and is refused as a 400 naming the format whatever vault it names.
	if _, err := t.admit(cmd.Op, request(cmd), nil, nil, "", nil); err != nil {
		return 0, nil, err
	}
	k, err := ParseKeyIdentifier(cmd.KeyIdentifier)
	if err != nil {
		return 0, nil, Errorf(400, "INVALID_KEY_IDENTIFIER", "%v", err)
	}
	v := t.s.Azure.Vault(k.Vault)
	if v == nil {
		return 0, nil, Errorf(404, "VAULT_NOT_FOUND", "no Key Vault named %q exists", k.Vault)
	}
	if x := t.s.Azure.Key(cmd.KeyIdentifier); x != nil && !x.Deleted {
		return 0, nil, Errorf(409, "KEY_ALREADY_EXISTS", "key version %s already exists", cmd.KeyIdentifier)
	}
	enabled := cmd.Enabled == nil || *cmd.Enabled
	t.s.Azure.Keys = slices.DeleteFunc(t.s.Azure.Keys, func(x Key) bool {
		return equalFold(x.Vault, k.Vault) && x.Name == k.Name && x.Version == k.Version
	})
	t.s.Azure.Keys = append(t.s.Azure.Keys, Key{Identifier: cmd.KeyIdentifier, Vault: v.Name, Name: k.Name, Version: k.Version, Enabled: enabled, AccessGranted: true})
	t.azure, t.allDirty = nil, true
	t.emit("", "KeyCreated", "", map[string]string{"key": cmd.KeyIdentifier}, "")
	return 200, t.s.Azure.Keys[len(t.s.Azure.Keys)-1], nil
}

// keyEvent disables, deletes, revokes or restores access to a key. The
// policies are asked once for every project that uses the key (as its key,
// as the key a rotation leaves, or in a snapshot).
func (t *tx) keyEvent(cmd Command, kid string) (int, any, *Error) {
	key := t.s.Azure.Key(kid)
	if key == nil || key.Deleted {
		return 0, nil, Errorf(404, "KEY_NOT_FOUND", "no key version %s exists", kid)
	}
	req := map[string]any{"keyIdentifier": key.Identifier}
	type decided struct {
		p *Project
		d Decision
	}
	var ds []decided
	for _, p := range t.s.Projects.All() {
		if !usesKey(p, key) {
			continue
		}
		d, err := t.admit(cmd.Op, req, p, nil, p.ID, nil)
		if err != nil {
			return 0, nil, err
		}
		ds = append(ds, decided{p, d})
	}
	switch cmd.Op {
	case DisableKey:
		key.Enabled = false
	case DeleteKey:
		key.Deleted = true
	case RevokeKeyAccess:
		key.AccessGranted = false
	case RestoreKeyAccess:
		key.AccessGranted = true
	}
	t.azure = nil
	for _, x := range ds {
		t.touch(x.p.ID)
		t.carryOut(x.p, x.d)
	}
	t.allDirty = true
	kind := map[Op]string{DisableKey: "KeyDisabled", DeleteKey: "KeyDeleted", RevokeKeyAccess: "KeyAccessRevoked", RestoreKeyAccess: "KeyAccessRestored"}[cmd.Op]
	t.emit(cmd.GroupID, kind, "", map[string]string{"key": key.Identifier}, "")
	return 200, *key, nil
}

func usesKey(p *Project, k *Key) bool {
	same := func(id string) bool {
		x, err := ParseKeyIdentifier(id)
		return err == nil && equalFold(x.Vault, k.Vault) && x.Name == k.Name && x.Version == k.Version
	}
	if same(p.Encryption.KeyIdentifier) || (p.Encryption.Rotation != nil && same(p.Encryption.Rotation.From)) {
		return true
	}
	return slices.ContainsFunc(p.Snapshots, func(s Snapshot) bool { return same(s.KeyIdentifier) })
}
