package tenant

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// maxBodyBytes bounds request bodies; Auth0's own limits are far lower than anything a test needs.
const maxBodyBytes = 64 << 10

// errBadBody means the body could not be decoded.
var errBadBody = errors.New("malformed body")

// readParams decodes a JSON object or an application/x-www-form-urlencoded body into string
// parameters, the two encodings Auth0 accepts. JSON arrays of strings (Auth0 SDKs may send scope that
// way) are joined with spaces; other non-string JSON values keep their JSON text. Query parameters
// are ignored.
func readParams(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "application/json" {
		var raw map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
			return nil, fmt.Errorf("%w: %v", errBadBody, err)
		}
		params := make(map[string]string, len(raw))
		for k, v := range raw {
			params[k] = jsonParam(v)
		}
		return params, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadBody, err)
	}
	params := make(map[string]string, len(r.PostForm))
	for k, vs := range r.PostForm {
		if len(vs) > 0 {
			params[k] = vs[0]
		}
	}
	return params, nil
}

func jsonParam(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(v, &list) == nil {
		return strings.Join(list, " ")
	}
	if string(v) == "null" {
		return ""
	}
	return string(v)
}
