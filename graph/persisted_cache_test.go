package graph

import (
	"context"
	"strings"
	"testing"
)

func TestPersistedCacheEvictsTheLeastRecentlyUsedToStayWithinItsBytes(t *testing.T) {
	ctx := context.Background()
	c := newPersistedCache(30) // three entries of 1-byte key + 9-byte value
	for _, k := range []string{"a", "b", "c"} {
		c.Add(ctx, k, strings.Repeat(k, 9))
	}
	if _, ok := c.Get(ctx, "a"); !ok { // a is now the most recently used
		t.Fatal("a evicted early")
	}
	c.Add(ctx, "d", strings.Repeat("d", 9))
	if _, ok := c.Get(ctx, "b"); ok {
		t.Error("b, the least recently used, was kept")
	}
	for _, k := range []string{"a", "c", "d"} {
		if v, ok := c.Get(ctx, k); !ok || v != strings.Repeat(k, 9) {
			t.Errorf("%s: %q %v", k, v, ok)
		}
	}
	if c.bytes() != 30 {
		t.Errorf("holds %d bytes, want 30", c.bytes())
	}
	c.Add(ctx, "e", strings.Repeat("e", 25)) // 26 bytes: everything else goes
	if _, ok := c.Get(ctx, "a"); ok || c.bytes() != 26 {
		t.Errorf("after a big entry: %d bytes", c.bytes())
	}
	c.Add(ctx, "f", strings.Repeat("f", 30)) // larger than the bound: not stored
	if _, ok := c.Get(ctx, "f"); ok || c.bytes() != 26 {
		t.Errorf("an entry over the bound was stored: %d bytes", c.bytes())
	}
	c.Add(ctx, "e", "short") // replacing a value accounts for the difference
	if c.bytes() != 6 {
		t.Errorf("after replacing e: %d bytes, want 6", c.bytes())
	}
}
