package tenant

import "net/http"

// The /__dev/ endpoints expose the key and attack-protection controls over HTTP for people and
// scripts using the dev binary. They exist only when the tenant was built WithDevControls(true).

// devKeys is the answer of every key control endpoint.
type devKeys struct {
	Current  string   `json:"current"`
	Next     string   `json:"next"`
	Previous []string `json:"previous"`
}

func (t *Tenant) devKeyState() devKeys {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := devKeys{Current: t.keys.current.kid, Next: t.keys.next.kid, Previous: []string{}}
	for _, p := range t.keys.previous {
		k.Previous = append(k.Previous, p.kid)
	}
	return k
}

func (t *Tenant) handleDevKeys(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, t.devKeyState())
}

func (t *Tenant) handleDevRotate(w http.ResponseWriter, _ *http.Request) {
	t.RotateKey()
	writeJSON(w, http.StatusOK, t.devKeyState())
}

func (t *Tenant) handleDevRotateUnpublished(w http.ResponseWriter, _ *http.Request) {
	t.RotateKeyUnpublished()
	writeJSON(w, http.StatusOK, t.devKeyState())
}

func (t *Tenant) handleDevRevoke(w http.ResponseWriter, _ *http.Request) {
	t.RevokePreviousKeys()
	writeJSON(w, http.StatusOK, t.devKeyState())
}

func (t *Tenant) handleDevResetBruteForce(w http.ResponseWriter, _ *http.Request) {
	t.ResetBruteForce()
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// handleDevToken mints an access token for the form field sub, as AccessTokenFor does: what
// scripts and the benchmark use to act as many generated users without a login per user. An
// unknown sub gets a token too, as from an account the dev users file does not list.
func (t *Tenant) handleDevToken(w http.ResponseWriter, r *http.Request) {
	sub := r.PostFormValue("sub")
	if sub == "" || len(sub) > 256 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "sub is required (at most 256 characters)"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"access_token": t.AccessTokenFor(sub, nil), "token_type": "Bearer"})
}
