package reporoot

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFind(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "bench", "floor"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bench", "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, from string }{
		{"from the root itself", root},
		{"from bench/, where go run starts", filepath.Join(root, "bench")},
		{"from a package below bench/", filepath.Join(root, "bench", "floor")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Find(tt.from)
			if err != nil || got != root {
				t.Fatalf("Find(%s) = %q, %v; want %q", tt.from, got, err, root)
			}
		})
	}
	t.Run("outside the repository is an error", func(t *testing.T) {
		if got, err := Find(t.TempDir()); err == nil {
			t.Fatalf("Find found %q", got)
		}
	})
}
