package graph

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gqlneo/gqlneo/neo4jrepo"
)

// cursorCodec makes opaque, tamper-checked Relay cursors: the position (sort
// time and tie-breaking id) signed with HMAC-SHA256 under the server's
// cursor key. A cursor that was altered, or signed under another key, is
// refused as BAD_USER_INPUT.
type cursorCodec struct{ key []byte }

func (c cursorCodec) encode(pos neo4jrepo.Cursor) string {
	payload := "1|" + strconv.FormatInt(pos.Time.UnixNano(), 10) + "|" + pos.ID
	mac := hmac.New(sha256.New, c.key)
	mac.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

func (c cursorCodec) decode(s string) (*neo4jrepo.Cursor, bool) {
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
	parts := strings.SplitN(string(payload), "|", 3)
	if len(parts) != 3 || parts[0] != "1" || parts[2] == "" {
		return nil, false
	}
	n, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil, false
	}
	return &neo4jrepo.Cursor{Time: time.Unix(0, n).UTC(), ID: parts[2]}, true
}
