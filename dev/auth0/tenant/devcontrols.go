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
