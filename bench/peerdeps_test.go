package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPeerInstallReason(t *testing.T) {
	const lock = `{"name":"peer","lockfileVersion":3,"packages":{"node_modules/neo4j-driver":{"version":"6.3.0"}}}`
	digest := func(t *testing.T, dir string) string {
		t.Helper()
		d, err := lockDigest(dir)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name string
		// setup prepares dir, which already holds package-lock.json.
		setup       func(t *testing.T, dir string)
		wantInstall bool
	}{
		{
			name:        "a fresh checkout without node_modules is installed",
			setup:       func(t *testing.T, dir string) {},
			wantInstall: true,
		},
		{
			name: "node_modules from before the stamp existed is installed again",
			setup: func(t *testing.T, dir string) {
				mkdir(t, filepath.Join(dir, "node_modules", "neo4j-driver"))
			},
			wantInstall: true,
		},
		{
			name: "node_modules installed from another lock file is installed again",
			setup: func(t *testing.T, dir string) {
				mkdir(t, filepath.Join(dir, "node_modules"))
				write(t, filepath.Join(dir, "node_modules", peerLockStamp), "0123abcd\n")
			},
			wantInstall: true,
		},
		{
			name: "node_modules installed from this lock file is kept",
			setup: func(t *testing.T, dir string) {
				mkdir(t, filepath.Join(dir, "node_modules"))
				write(t, filepath.Join(dir, "node_modules", peerLockStamp), digest(t, dir)+"\n")
			},
			wantInstall: false,
		},
		{
			name: "a lock file edited after the install is installed again",
			setup: func(t *testing.T, dir string) {
				mkdir(t, filepath.Join(dir, "node_modules"))
				write(t, filepath.Join(dir, "node_modules", peerLockStamp), digest(t, dir)+"\n")
				write(t, filepath.Join(dir, "package-lock.json"), lock+"\n")
			},
			wantInstall: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "package-lock.json"), lock)
			tt.setup(t, dir)
			why, err := peerInstallReason(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := why != ""; got != tt.wantInstall {
				t.Fatalf("install = %v (reason %q), want %v", got, why, tt.wantInstall)
			}
		})
	}
}

func TestPeerInstallReasonWithoutLockFile(t *testing.T) {
	if _, err := peerInstallReason(t.TempDir()); err == nil {
		t.Fatal("no error for a directory without package-lock.json")
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
