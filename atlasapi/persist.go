package atlasapi

import (
	"bufio"
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
	Format string `json:"format"`
	// Seq is the last change of the log beside the file (changeLog) that
	// the file holds; later ones are replayed on top when it is read.
	Seq   uint64     `json:"seq,omitempty"`
	State *sim.State `json:"state"`
}

const stateFormat = "earsim-state/1"

// loadState reads a state file and the changes logged beside it since it
// was written; a missing file is a fresh start (nil). It never changes
// either file.
func loadState(path string) (*sim.State, error) {
	data, err := readFile(path, maxControlBody)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f, err := decodeStateFile(path, data)
	if err != nil {
		return nil, err
	}
	st, err := replayChanges(changeLog(path), f.State, f.Seq)
	if err != nil {
		return nil, err
	}
	if err := checkWorld(st); err != nil {
		return nil, fmt.Errorf("%s with %s: %v", path, changeLog(path), err)
	}
	return st, nil
}

// changeLog is the log of changes kept beside a state file.
func changeLog(path string) string { return path + ".changes" }

// changeLine is one line of a change log: a world's change (sim.Change)
// and its number.
type changeLine struct {
	Seq    uint64     `json:"seq"`
	Change sim.Change `json:"change"`
}

// replayChanges applies to st the changes of the log at path numbered past
// seq, in order. A last line without its newline is a write a crash cut
// short (its request was never answered) and is left out.
func replayChanges(path string, st *sim.State, seq uint64) (*sim.State, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			return st, nil // the end, or a line cut short
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		var c changeLine
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("%s line %d: not an earsim change: %v (remove the file to start from the state file alone)", path, n, err)
		}
		switch {
		case c.Seq <= seq:
			continue // the state file holds it
		case c.Seq != seq+1:
			return nil, fmt.Errorf("%s line %d: change %d follows change %d: the changes between are missing (remove the file to start from the state file alone)", path, n, c.Seq, seq)
		}
		st, seq = c.Change.Apply(st), c.Seq
	}
}

// store keeps a served world in its state file and the log of changes
// beside it: a change costs what it changed (a line of the log), not the
// world's size; the log is folded into the file, written whole, when it
// grows past the file's size (at least foldAfter), so that the file is
// rewritten once in as many changes as it takes to log its size.
type store struct {
	path     string
	last     *sim.State // the world as last kept
	seq      uint64     // the last change written, to the file or to the log
	fileSize int64
	logSize  int64
	fold     bool // the next save writes the world whole (after a failed one)
}

// foldAfter is the least the log grows to before it is folded (a var for
// the tests).
var foldAfter int64 = 1 << 20

// openStore writes the world whole, starting the log afresh.
func openStore(path string, st *sim.State) (*store, error) {
	s := &store{path: path}
	return s, s.write(st)
}

// save keeps next, the world after the one last kept: a line of the log,
// or the world whole. After a failure nothing of the attempt is left to be
// read back, and the world last kept is still the one kept.
func (s *store) save(next *sim.State) error {
	c, ok := sim.Diff(s.last, next)
	if !ok || s.fold {
		return s.write(next)
	}
	line, err := json.Marshal(changeLine{Seq: s.seq + 1, Change: c})
	if err != nil {
		return err
	}
	line = append(line, '\n')
	if s.logSize+int64(len(line)) > max(s.fileSize, foldAfter) {
		return s.write(next)
	}
	if err := s.append(line); err != nil {
		s.seq++ // never used again: whatever of it reached the log is older than the next file
		s.fold = true
		return err
	}
	s.seq, s.last = s.seq+1, next
	s.logSize += int64(len(line))
	return nil
}

// append adds a line to the log, synced; on a failure the log is cut back.
func (s *store) append(line []byte) error {
	f, err := os.OpenFile(changeLog(s.path), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return saveError("opening the change log", err)
	}
	_, err = f.Write(line)
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		f.Truncate(s.logSize)
		f.Close()
		return saveError("writing the change log", err)
	}
	if err := f.Close(); err != nil {
		return saveError("closing the change log", err)
	}
	if s.logSize == 0 {
		syncDir(filepath.Dir(s.path)) // the log's name, once
	}
	return nil
}

// write writes the world whole, numbered past every change logged, and
// removes the log it holds.
func (s *store) write(st *sim.State) error {
	n, err := saveState(s.path, st, s.seq+1)
	if err != nil {
		return err
	}
	s.seq, s.fileSize, s.fold, s.last = s.seq+1, n, false, st
	if err := os.Remove(changeLog(s.path)); err == nil || errors.Is(err, fs.ErrNotExist) {
		s.logSize = 0
	} else {
		s.fold = true // a log left behind is older than the file (its numbers say so)
	}
	return nil
}

// removeWorldFiles removes a world's state file and its change log.
func removeWorldFiles(path string) {
	os.Remove(path)
	os.Remove(changeLog(path))
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
	f, err := decodeStateFile(name, data)
	if err != nil {
		return nil, err
	}
	if err := checkWorld(f.State); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return f.State, nil
}

func decodeStateFile(name string, data []byte) (stateFile, error) {
	var f stateFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return f, fmt.Errorf("%s: not an earsim state file: %v", name, err)
	}
	if f.Format != stateFormat || f.State == nil {
		return f, fmt.Errorf("%s: not an earsim state file (format %q, want %q)", name, f.Format, stateFormat)
	}
	return f, nil
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
// folder, synced, then renamed over the old one, and the folder synced. It
// returns the file's size.
func saveState(path string, s *sim.State, seq uint64) (int64, error) {
	data, err := json.Marshal(stateFile{Format: stateFormat, Seq: seq, State: s})
	if err != nil {
		return 0, err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, saveError("creating a file in "+dir, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return 0, saveError("writing", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return 0, saveError("syncing", err)
	}
	if err := tmp.Close(); err != nil {
		return 0, saveError("closing", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, saveError("replacing "+path, err)
	}
	syncDir(dir)
	return int64(len(data)), nil
}

// syncDir makes a folder's entries durable (a file renamed or created in it).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
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
