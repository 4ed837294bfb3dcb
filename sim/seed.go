package sim

import (
	"cmp"
	"fmt"
	"slices"
)

// schedule adds a timer, keeping Timers in (At, Seq) order.
func (s *State) schedule(kind string, at int64, groupID, endpointID, clusterName string) {
	s.Counter++
	tm := Timer{At: at, Seq: s.Counter, Kind: kind, GroupID: groupID, EndpointID: endpointID, ClusterName: clusterName}
	i, _ := slices.BinarySearchFunc(s.Timers, tm, func(a, b Timer) int {
		return cmp.Or(cmp.Compare(a.At, b.At), cmp.Compare(a.Seq, b.Seq))
	})
	s.Timers = slices.Insert(s.Timers, i, tm)
}

// PlaceEndpoint adds an endpoint record in the given status to a project, as
// the lifecycle would have left it at the current time: the Azure connection
// state, the connection name and the pending timer that status implies. It is
// for building initial worlds (scenarios, the explorer), not a command: the
// policies are not asked. It returns the new endpoint's id.
func (s *State) PlaceEndpoint(groupID, region, status string) (string, error) {
	p := s.Project(groupID)
	if p == nil {
		return "", fmt.Errorf("no project %s", groupID)
	}
	e := Endpoint{ID: s.NewID(), RegionName: region, Status: status, Since: s.Now}
	switch status {
	case StatusInitiating:
		s.schedule(TimerEndpointProvisioned, s.Now+ProvisioningSeconds, p.ID, e.ID, "")
	case StatusPendingAcceptance:
		e.ConnectionName, e.Connection = "earsim-"+region+"-"+e.ID, ConnectionPending
	case StatusActive:
		e.ConnectionName, e.Connection, e.ApprovedAt = "earsim-"+region+"-"+e.ID, ConnectionApproved, s.Now
	case StatusFailed:
		e.ErrorMessage = "Microsoft.Network is not registered for the Key Vault's subscription"
	case StatusDeleting:
		s.schedule(TimerEndpointDeleted, s.Now+DeletionSeconds, p.ID, e.ID, "")
	default:
		return "", fmt.Errorf("an endpoint cannot start in status %q (use INITIATING, PENDING_ACCEPTANCE, ACTIVE, FAILED or DELETING)", status)
	}
	p.Endpoints = append(p.Endpoints, e)
	return e.ID, nil
}

// PlaceCluster adds an IDLE cluster to a project, as if it had been created
// earlier. It is for building initial worlds; the policies are not asked.
func (s *State) PlaceCluster(groupID string, c Cluster) error {
	p := s.Project(groupID)
	switch {
	case p == nil:
		return fmt.Errorf("no project %s", groupID)
	case c.Name == "":
		return fmt.Errorf("a cluster needs a name")
	case p.Cluster(c.Name) != nil:
		return fmt.Errorf("cluster %q exists twice", c.Name)
	}
	c.ID, c.Created = s.NewID(), s.Now
	c = c.clone()
	if c.StateName == "" {
		c.StateName = "IDLE"
	}
	if c.EncryptionAtRestProvider == "" {
		c.EncryptionAtRestProvider = "NONE"
	}
	if c.ClusterType == "" {
		c.ClusterType = "REPLICASET"
	}
	if c.Paused && c.PauseReason == "" {
		c.PauseReason = "USER"
	}
	p.Clusters = append(p.Clusters, c)
	return nil
}
