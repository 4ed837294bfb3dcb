package main

import (
	"errors"
	"io/fs"
)

// fileError words a file's error as CLI.md's one line, "FILE: what is
// wrong": an *fs.PathError's path and cause, without the system call
// ("nope.yaml: no such file or directory", not "open nope.yaml: ...").
func fileError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Path + ": " + pe.Err.Error()
	}
	return err.Error()
}
