package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// peerLockStamp is the file, inside node_modules, holding the SHA-256 of the
// package-lock.json that the last successful `npm ci` installed. npm itself
// never reinstalls a node_modules that exists, so without it a checkout that
// ran the benchmark before a version bump keeps measuring the old packages.
const peerLockStamp = ".bench-lock-sha256"

// peerInstallReason says why the peer's packages in dir must be installed
// again, or "" when node_modules was installed from the current lock file.
func peerInstallReason(dir string) (string, error) {
	want, err := lockDigest(dir)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); errors.Is(err, fs.ErrNotExist) {
		return "node_modules is missing", nil
	} else if err != nil {
		return "", err
	}
	got, err := os.ReadFile(filepath.Join(dir, "node_modules", peerLockStamp))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "node_modules has no record of the lock file it was installed from", nil
	case err != nil:
		return "", err
	case strings.TrimSpace(string(got)) != want:
		return "package-lock.json changed since node_modules was installed", nil
	}
	return "", nil
}

// lockDigest is the hex SHA-256 of dir/package-lock.json.
func lockDigest(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return "", fmt.Errorf("the peer's lock file: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// ensurePeerPackages runs `npm ci` in dir when node_modules does not match
// package-lock.json, then records the lock file's digest in node_modules.
// `npm ci` deletes node_modules first, so a failed install leaves no stamp
// and the next run tries again.
func ensurePeerPackages(ctx context.Context, dir string) error {
	why, err := peerInstallReason(dir)
	if err != nil || why == "" {
		return err
	}
	log.Printf("installing the peer's packages (npm ci in %s): %s", dir, why)
	npm := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	npm.Dir = dir
	npm.Stdout, npm.Stderr = os.Stderr, os.Stderr
	if err := npm.Run(); err != nil {
		return fmt.Errorf("npm ci in %s: %w", dir, err)
	}
	digest, err := lockDigest(dir)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "node_modules", peerLockStamp), []byte(digest+"\n"), 0o644)
}
