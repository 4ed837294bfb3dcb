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
	if f.State.Org.ID == "" {
		return nil, fmt.Errorf("%s: the state has no organization", name)
	}
	return f.State, nil
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
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
