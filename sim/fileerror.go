package sim

import "fmt"

// FileError is a file that cannot be used, with the line that says why
// when it is known: a scenario the decoder refuses (scenarios.ParseError),
// an input check cannot read (check.InputError), a team's policy folder
// (policies.TeamError). It reads "FILE:LINE: MSG", or "FILE: MSG".
type FileError struct {
	File string
	Line int // 0 when not known
	Msg  string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}
