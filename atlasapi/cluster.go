package atlasapi

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/earsim/earsim/sim"
)

// Clusters on the wire, in the schema of the version answered (API.md
// "Resource versions"): 2023-02-01 is AdvancedClusterDescription (a
// replication spec has an id and numShards, the disk size is the cluster's),
// 2024-08-05 and 2024-10-23 are ClusterDescription20240805 (a replication
// spec has an id and a zoneId, one per shard, the disk size is per region).
// The model keeps what the rules read; the ids of replication specs and
// zones are derived from the cluster's id, so they are stable and need no
// state.

// defaultZone is Atlas's name for a replication spec's zone when the client
// names none.
const defaultZone = "Zone 1"

// defaultDiskSizeGB is the disk of an M10 when the client sets none.
const defaultDiskSizeGB = 10

func derivedID(clusterID, kind string, i int) string {
	sum := sha256.Sum256([]byte(clusterID + "/" + kind + "/" + strconv.Itoa(i)))
	return hex.EncodeToString(sum[:12])
}

// clusterWire renders a cluster in the schema of version.
func clusterWire(v sim.ClusterView, version string) map[string]any {
	legacy := version < "2024-08-05"
	specs := make([]any, 0, len(v.ReplicationSpecs))
	for i, rs := range v.ReplicationSpecs {
		zone := rs.ZoneName
		if zone == "" {
			zone = defaultZone
		}
		regions := make([]any, 0, len(rs.RegionConfigs))
		for _, rc := range rs.RegionConfigs {
			region := map[string]any{"providerName": rc.ProviderName, "regionName": rc.RegionName, "priority": rc.Priority}
			if rc.BackingProviderName != "" {
				region["backingProviderName"] = rc.BackingProviderName
			}
			if h := rc.ElectableSpecs; h != nil {
				hw := map[string]any{"instanceSize": h.InstanceSize, "nodeCount": h.NodeCount}
				if !legacy && rc.ProviderName != "TENANT" && rc.ProviderName != "FLEX" {
					hw["diskSizeGB"] = defaultDiskSizeGB
				}
				region["electableSpecs"] = hw
			}
			regions = append(regions, region)
		}
		spec := map[string]any{"id": derivedID(v.ID, "replicationSpec", i), "zoneName": zone, "regionConfigs": regions}
		if legacy {
			spec["numShards"] = 1
		} else {
			spec["zoneId"] = derivedID(v.ID, "zone", i)
		}
		specs = append(specs, spec)
	}
	out := map[string]any{
		"backupEnabled":            v.BackupEnabled,
		"clusterType":              v.ClusterType,
		"createDate":               v.CreateDate,
		"encryptionAtRestProvider": v.EncryptionAtRestProvider,
		"groupId":                  v.GroupID,
		"id":                       v.ID,
		"name":                     v.Name,
		"paused":                   v.Paused,
		"replicationSpecs":         specs,
		"stateName":                v.StateName,
	}
	if legacy {
		out["diskSizeGB"] = defaultDiskSizeGB
	}
	// Fields the model does not keep, as Atlas answers them for a cluster
	// created without them (clients dereference some, e.g. connectionStrings).
	out["connectionStrings"] = map[string]any{}
	if v.StateName == "IDLE" {
		host := strings.ToLower(v.Name) + "." + v.ID[:5] + ".mongodb.net"
		out["connectionStrings"] = map[string]any{"standardSrv": "mongodb+srv://" + host}
	}
	out["mongoDBMajorVersion"] = "7.0"
	out["mongoDBVersion"] = "7.0.16"
	out["labels"] = []any{}
	out["tags"] = []any{}
	out["biConnector"] = map[string]any{"enabled": false, "readPreference": "SECONDARY"}
	out["terminationProtectionEnabled"] = false
	out["pitEnabled"] = false
	out["versionReleaseSystem"] = "LTS"
	out["rootCertType"] = "ISRGROOTX1"
	return out
}

// wire renders a successful result's body in the version answered; nil
// when the simulator's view is already the wire shape.
func wire(body any, version string) any {
	switch b := body.(type) {
	case sim.ClusterView:
		return clusterWire(b, version)
	case sim.List[sim.ClusterView]:
		results := make([]any, 0, len(b.Results))
		for _, c := range b.Results {
			results = append(results, clusterWire(c, version))
		}
		return map[string]any{"results": results, "totalCount": b.TotalCount}
	}
	return nil
}
