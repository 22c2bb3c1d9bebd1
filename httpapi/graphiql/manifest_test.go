package graphiql

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// The embedded vendor files are the ones dev/graphiql/vendor.sh copied from
// npm: a hand edit, or a partial upgrade, fails here.
func TestVendoredFilesMatchTheirManifest(t *testing.T) {
	manifest, err := files.ReadFile("vendor/MANIFEST")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(manifest))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 {
			t.Fatalf("MANIFEST line %q: want sha256, file, source", line)
		}
		body, err := files.ReadFile("vendor/" + fields[1])
		if err != nil {
			t.Errorf("MANIFEST lists %s: %v", fields[1], err)
			continue
		}
		sum := sha256.Sum256(body)
		if got := hex.EncodeToString(sum[:]); got != fields[0] {
			t.Errorf("vendor/%s has SHA-256 %s, MANIFEST says %s (%s); rerun dev/graphiql/vendor.sh", fields[1], got, fields[0], fields[2])
		}
		listed[fields[1]] = true
	}
	for name := range assets {
		if !strings.HasPrefix(name, "page.") && !listed[name] {
			t.Errorf("%s is served but not in vendor/MANIFEST", name)
		}
	}
}
