// Package reporoot lets the benchmark's commands run from the repository
// root whichever directory they were started in. The benchmark is a module
// of its own (bench/go.mod), so `go run` starts it in bench/ (`cd bench &&
// go run .`, `go -C bench run .`), yet its paths (bin/server, ./dev/seed,
// bench/peer, bench/results, docs/benchmarks.md) name the repository's
// layout from its root.
package reporoot

import (
	"errors"
	"os"
	"path/filepath"
)

// marker is the file that only the repository root has at this path.
var marker = filepath.Join("bench", "go.mod")

// Find returns the nearest directory, from dir upwards, that holds
// bench/go.mod.
func Find(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the repository: no parent directory holds bench/go.mod")
		}
		dir = parent
	}
}

// Chdir changes the working directory to the repository root (Find from the
// working directory) and returns it.
func Chdir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	root, err := Find(wd)
	if err != nil {
		return "", err
	}
	return root, os.Chdir(root)
}
