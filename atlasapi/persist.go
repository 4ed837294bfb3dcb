package atlasapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/earsim/earsim/sim"
)

// stateFile is the document `serve --state FILE` keeps: the world, which
// holds no secret (only digests).
type stateFile struct {
	Format string     `json:"format"`
	State  *sim.State `json:"state"`
}

const stateFormat = "earsim-state/1"

// loadState reads a state file; a missing file is a fresh start (nil).
// It never changes the file.
func loadState(path string) (*sim.State, error) {
	data, err := readFile(path, maxControlBody)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeState(path, data)
}

// removeStaleTemps removes the temporary files a write killed mid-way left
// beside the state file (saveState's pattern).
func removeStaleTemps(path string) {
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".*"))
	for _, f := range stale {
		os.Remove(f)
	}
}

// readFile reads a file of at most limit bytes (the state file as PUT
// /_sim/v1/state takes it, a keys file); more is an error naming the limit.
func readFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) { // "FILE: no such file or directory", as every command words it
			return nil, fmt.Errorf("%s: %w", path, pe.Err)
		}
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("%s is larger than %d MiB, the most earsim reads of such a file", path, limit>>20)
	}
	return data, err
}

func decodeState(name string, data []byte) (*sim.State, error) {
	var f stateFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: not an earsim state file: %v", name, err)
	}
	if f.Format != stateFormat || f.State == nil {
		return nil, fmt.Errorf("%s: not an earsim state file (format %q, want %q)", name, f.Format, stateFormat)
	}
	if err := checkWorld(f.State); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return f.State, nil
}

// checkWorld refuses a world the simulator could never have made: ids that
// are not 24 hex digits or that repeat, projects of another organization,
// two clusters of one name in a project, statuses outside the API enum.
func checkWorld(st *sim.State) error {
	if !hexID.MatchString(st.Org.ID) {
		return fmt.Errorf("the state's organization id %q is not 24 hexadecimal digits", st.Org.ID)
	}
	ids := map[string]string{}
	seen := func(id, what string) error {
		if !hexID.MatchString(id) {
			return fmt.Errorf("%s id %q is not 24 hexadecimal digits", what, id)
		}
		if other, ok := ids[id]; ok {
			return fmt.Errorf("%s id %s is also the id of a %s", what, id, other)
		}
		ids[id] = what
		return nil
	}
	statuses := []string{sim.StatusInitiating, sim.StatusPendingAcceptance, sim.StatusActive, sim.StatusPendingRecreation, sim.StatusFailed, sim.StatusDeleting}
	for i, p := range st.Projects.All() {
		if p == nil {
			return fmt.Errorf("projects[%d] is null: every project is an object with at least an id and an orgId", i)
		}
		if err := seen(p.ID, "project"); err != nil {
			return err
		}
		if p.OrgID != st.Org.ID {
			return fmt.Errorf("project %s belongs to organization %q, not the state's %s", p.ID, p.OrgID, st.Org.ID)
		}
		for _, e := range p.Endpoints {
			if err := seen(e.ID, "endpoint"); err != nil {
				return err
			}
			if !slices.Contains(statuses, e.Status) {
				return fmt.Errorf("endpoint %s has status %q, not one of %v", e.ID, e.Status, statuses)
			}
		}
		names := map[string]bool{}
		for _, c := range p.Clusters {
			if names[c.Name] {
				return fmt.Errorf("project %s has two clusters named %q", p.ID, c.Name)
			}
			names[c.Name] = true
		}
	}
	return nil
}

// openWorld is a world as the server may hold it: checked, and breaking
// no invariant. serve --state and PUT /_sim/v1/state both go through it.
func openWorld(st *sim.State, c sim.Checker) (*sim.Machine, error) {
	m, err := sim.NewMachine(st, c)
	if err != nil {
		return nil, err
	}
	if broken := m.Violations(); len(broken) > 0 {
		return nil, fmt.Errorf("the state breaks %d invariants, first %s: %s", len(broken), broken[0].Rule, broken[0].Msg)
	}
	return m, nil
}

// saveState writes the world atomically: a temporary file in the same
// folder, synced, then renamed over the old one, and the folder synced.
func saveState(path string, s *sim.State) error {
	data, err := json.Marshal(stateFile{Format: stateFormat, State: s})
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return saveError("creating a file in "+dir, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return saveError("writing", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return saveError("syncing", err)
	}
	if err := tmp.Close(); err != nil {
		return saveError("closing", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return saveError("replacing "+path, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// saveError says which stage of saving failed and why, without the name of
// the temporary file (the user knows the state file's path, not ours).
func saveError(stage string, err error) error {
	var pe *os.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return fmt.Errorf("%s: %w", stage, err)
}
