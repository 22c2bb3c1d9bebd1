package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// uuidPattern matches the canonical textual form of a UUID.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// typeNamePattern matches a GraphQL type name.
var typeNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// rfc3339Prefix is a cheap test for strings that may be DateTimes.
var rfc3339Prefix = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}`)

// droppedKeys are the keys normalisation removes: cursors are opaque and
// differ by design between the two servers.
var droppedKeys = map[string]bool{"cursor": true, "startCursor": true, "endCursor": true}

// newIDPlaceholder replaces the id of an object a mutation created.
const newIDPlaceholder = "<new id>"

// decodeGlobalID returns the uuid inside one of the product's global IDs
// (unpadded base64url of "<Type>:<uuid>"), and whether s was one.
func decodeGlobalID(s string) (string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", false
	}
	typeName, id, ok := strings.Cut(string(raw), ":")
	if !ok || !typeNamePattern.MatchString(typeName) || !uuidPattern.MatchString(id) {
		return "", false
	}
	return id, true
}

// normaliseDateTime re-formats a DateTime string as RFC 3339 in UTC with
// milliseconds, and reports whether s was a DateTime.
func normaliseDateTime(s string) (string, bool) {
	if !rfc3339Prefix.MatchString(s) {
		return "", false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", false
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00"), true
}

// normalise rewrites a decoded GraphQL response so the product's and the
// peer's answers compare equal when they say the same thing: global IDs in
// "id" keys become their uuid, cursors are dropped, DateTimes are
// re-formatted, and the values at the placeholder paths (dotted, from the
// root, e.g. "data.createPost.id") become a fixed placeholder. It returns a
// new value and leaves v alone.
func normalise(v any, placeholders []string) any {
	ph := make(map[string]bool, len(placeholders))
	for _, p := range placeholders {
		ph[p] = true
	}
	return normaliseAt(v, "", ph)
}

func normaliseAt(v any, path string, ph map[string]bool) any {
	if ph[path] {
		return newIDPlaceholder
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, child := range x {
			if droppedKeys[k] || (path == "" && k == "extensions") {
				// A response's top-level extensions are each server's
				// own metadata (the product's Neo4j bookmark after a
				// write), not the answer.
				continue
			}
			childPath := k
			if path != "" {
				childPath = path + "." + k
			}
			if s, ok := child.(string); ok && k == "id" && !ph[childPath] {
				if id, ok := decodeGlobalID(s); ok {
					out[k] = id
					continue
				}
			}
			out[k] = normaliseAt(child, childPath, ph)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, child := range x {
			out[i] = normaliseAt(child, path, ph)
		}
		return out
	case string:
		if t, ok := normaliseDateTime(x); ok {
			return t
		}
		return x
	default:
		return v
	}
}

// compareResponses decodes two GraphQL response bodies, normalises both and
// reports whether they are equal; when they are not, diff names the first
// difference found.
func compareResponses(product, peer []byte, placeholders []string) (equal bool, diff string, err error) {
	var a, b any
	if err := decodeJSON(product, &a); err != nil {
		return false, "", fmt.Errorf("product response: %w", err)
	}
	if err := decodeJSON(peer, &b); err != nil {
		return false, "", fmt.Errorf("peer response: %w", err)
	}
	na, nb := normalise(a, placeholders), normalise(b, placeholders)
	if d := firstDifference(na, nb, "$"); d != "" {
		return false, d, nil
	}
	return true, "", nil
}

// decodeJSON decodes with numbers kept as json.Number, so integers of either
// server compare exactly.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return dec.Decode(v)
}

// firstDifference describes where a and b first differ, or returns "".
func firstDifference(a, b any, path string) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: product has an object, peer has %s", path, short(b))
		}
		keys := make([]string, 0, len(x)+len(y))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, dup := x[k]; !dup {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			xv, inX := x[k]
			yv, inY := y[k]
			switch {
			case !inX:
				return fmt.Sprintf("%s.%s: only the peer has it (%s)", path, k, short(yv))
			case !inY:
				return fmt.Sprintf("%s.%s: only the product has it (%s)", path, k, short(xv))
			}
			if d := firstDifference(xv, yv, path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok {
			return fmt.Sprintf("%s: product has a list, peer has %s", path, short(b))
		}
		if len(x) != len(y) {
			return fmt.Sprintf("%s: product has %d items, peer %d", path, len(x), len(y))
		}
		for i := range x {
			if d := firstDifference(x[i], y[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	default:
		if fmt.Sprint(a) != fmt.Sprint(b) || fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) {
			return fmt.Sprintf("%s: product %s, peer %s", path, short(a), short(b))
		}
		return ""
	}
}

// short renders v for a difference message, cut to a readable length.
func short(v any) string {
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// hasGraphQLErrors reports whether a response body carries a top-level
// "errors" member. The byte test is exact enough: inside a JSON string the
// quote after the word would be escaped, so `"errors":` only occurs as a key.
func hasGraphQLErrors(body []byte) bool {
	for rest := body; ; {
		i := bytes.Index(rest, []byte(`"errors"`))
		if i < 0 {
			return false
		}
		rest = rest[i+len(`"errors"`):]
		j := 0
		for j < len(rest) && (rest[j] == ' ' || rest[j] == '\n' || rest[j] == '\t' || rest[j] == '\r') {
			j++
		}
		if j < len(rest) && rest[j] == ':' {
			j++
			for j < len(rest) && (rest[j] == ' ' || rest[j] == '\n' || rest[j] == '\t' || rest[j] == '\r') {
				j++
			}
			if j < len(rest) && rest[j] != 'n' { // "errors": null is no error
				return true
			}
		}
	}
}

// findString returns the first string value under key anywhere in v (depth
// first, object keys in sorted order), for pulling endCursor out of either
// server's answer.
func findString(v any, key string) (string, bool) {
	switch x := v.(type) {
	case map[string]any:
		if s, ok := x[key].(string); ok {
			return s, true
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s, ok := findString(x[k], key); ok {
				return s, true
			}
		}
	case []any:
		for _, child := range x {
			if s, ok := findString(child, key); ok {
				return s, true
			}
		}
	}
	return "", false
}
