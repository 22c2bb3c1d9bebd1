package graph

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gqlneo/gqlneo/cypher"
)

// cursorCodec makes opaque, tamper-checked Relay cursors: the connection
// they belong to ("User.followers", "Query.feed") and the position (sort
// time and tie-breaking id), signed with HMAC-SHA256 under the server's
// cursor key. A cursor that was altered, signed under another key, or
// issued for another connection is refused as BAD_USER_INPUT.
type cursorCodec struct{ key []byte }

func (c cursorCodec) encode(conn string, pos cypher.Cursor) string {
	payload := "2|" + conn + "|" + strconv.FormatInt(pos.Time.UnixNano(), 10) + "|" + pos.ID
	mac := hmac.New(sha256.New, c.key)
	mac.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

func (c cursorCodec) decode(conn, s string) (*cypher.Cursor, bool) {
	if len(s) > 512 {
		return nil, false
	}
	p, sig, ok := strings.Cut(s, ".")
	if !ok {
		return nil, false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	got, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil {
		return nil, false
	}
	mac := hmac.New(sha256.New, c.key)
	mac.Write(payload)
	if !hmac.Equal(got, mac.Sum(nil)[:16]) {
		return nil, false
	}
	parts := strings.SplitN(string(payload), "|", 4)
	if len(parts) != 4 || parts[0] != "2" || parts[1] != conn || parts[3] == "" {
		return nil, false
	}
	n, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return nil, false
	}
	return &cypher.Cursor{Time: time.Unix(0, n).UTC(), ID: parts[3]}, true
}
