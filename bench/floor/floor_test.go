package floor

import "testing"

func TestIsWrite(t *testing.T) {
	tests := []struct {
		name   string
		cypher string
		want   bool
	}{
		{"a MATCH and RETURN is a read", "MATCH (i:Identity {sub: $sub}) RETURN i", false},
		{"a MERGE is a write", "MATCH (v) MERGE (p:Post {id: $id}) RETURN 'ok'", true},
		{"a SET is a write", "MATCH (u:User {id: $id}) SET u.name = $name", true},
		{"a property named like a clause is no write", "MATCH (p) RETURN p.settings, p.created", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isWrite(tt.cypher); got != tt.want {
				t.Fatalf("isWrite = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWithReplacements(t *testing.T) {
	op := Op{
		{Cypher: "w", Params: map[string]any{"id": "old-id", "title": "old-title", "n": 3, "sub": "gen|1"}, Write: true},
		{Cypher: "r", Params: map[string]any{"id": "old-id"}},
	}
	got := op.WithReplacements(map[string]string{"old-id": "new-id", "old-title": "new-title"})
	t.Run("matching string parameters are replaced in every statement", func(t *testing.T) {
		if got[0].Params["id"] != "new-id" || got[1].Params["id"] != "new-id" || got[0].Params["title"] != "new-title" {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("other parameters and the flags are kept", func(t *testing.T) {
		if got[0].Params["n"] != 3 || got[0].Params["sub"] != "gen|1" || !got[0].Write || got[1].Write {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("the original operation is left alone", func(t *testing.T) {
		if op[0].Params["id"] != "old-id" {
			t.Fatalf("original changed: %v", op)
		}
	})
}
