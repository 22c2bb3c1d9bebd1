package tenant

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/mail"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// signupResponse is the 200 body of /dbconnections/signup. Auth0 returns the id without the
// "auth0|" prefix; the user's subject is "auth0|" + ID.
type signupResponse struct {
	ID            string `json:"_id"`
	EmailVerified bool   `json:"email_verified"`
	Email         string `json:"email"`
	Username      string `json:"username,omitempty"`
	Name          string `json:"name,omitempty"`
}

// badRequest is the error shape of /dbconnections/signup.
func badRequest(name, code string, description any) map[string]any {
	return map[string]any{"name": name, "code": code, "description": description, "statusCode": http.StatusBadRequest}
}

// handleSignup serves POST /dbconnections/signup, which creates a user in a database connection.
// Users created here live in memory only. Checks run in this order: body, required properties,
// client, connection, email format, user_metadata, password policy, uniqueness.
func (t *Tenant) handleSignup(w http.ResponseWriter, r *http.Request) {
	params, err := readParams(w, r)
	recordParams(r.Context(), params["client_id"], params)
	if err != nil {
		// (unverified) text for an undecodable body.
		writeJSON(w, http.StatusBadRequest, badRequest("BadRequestError", "invalid_body", "Invalid request body"))
		return
	}
	for _, name := range []string{"client_id", "email", "password", "connection"} {
		if params[name] == "" {
			// (unverified) Auth0 validates the payload against a JSON schema; the text imitates its style.
			writeJSON(w, http.StatusBadRequest, badRequest("BadRequestError", "invalid_body",
				"Payload validation error: 'Missing required property: "+name+"'."))
			return
		}
	}

	t.mu.Lock()
	_, clientOK := t.clients[params["client_id"]]
	conn, connOK := t.connections[params["connection"]]
	t.mu.Unlock()
	if !clientOK {
		// (unverified) answer for an unknown client_id.
		writeJSON(w, http.StatusBadRequest, badRequest("BadRequestError", "invalid_client", "Unknown client: "+params["client_id"]))
		return
	}
	if !connOK || !conn.IsDatabase() {
		// (unverified for sign-up) Auth0's SDKs report the code "connection not found" for a
		// connection that does not exist or is not a database connection.
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "connection not found"})
		return
	}
	email := params["email"]
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		// (unverified) wording of the schema error Auth0 returns for a malformed email.
		writeJSON(w, http.StatusBadRequest, badRequest("BadRequestError", "invalid_body",
			"Payload validation error: 'Object didn't pass validation for format email: "+email+"' on property email (The user's email address)."))
		return
	}
	if md, ok := params["user_metadata"]; ok && md != "" {
		var obj map[string]any
		if json.Unmarshal([]byte(md), &obj) != nil {
			// (unverified) wording.
			writeJSON(w, http.StatusBadRequest, badRequest("BadRequestError", "invalid_body",
				"Payload validation error: 'Expected type object but found type "+jsonType(md)+"' on property user_metadata."))
			return
		}
		if len(obj) > 10 {
			// (unverified) wording; the limit of ten properties is documented.
			writeJSON(w, http.StatusBadRequest, badRequest("BadRequestError", "invalid_body",
				"Payload validation error: 'Too many properties defined ("+strconv.Itoa(len(obj))+"), maximum 10' on property user_metadata."))
			return
		}
	}
	if result := checkPassword(params["password"]); !result.Verified {
		body := map[string]any{
			"name": "PasswordStrengthError", "message": "Password is too weak", "code": "invalid_password",
			"description": result, "policy": passwordPolicy, "statusCode": http.StatusBadRequest,
		}
		writeJSON(w, http.StatusBadRequest, body)
		return
	}

	hash, err := bcrypt.GenerateFromPassword([]byte(params["password"]), t.bcryptCost)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error", "error_description": "hash password"})
		return
	}
	user, err := t.AddUser(User{
		Connection: conn.Name, Email: email, Username: params["username"], Name: params["name"],
		PasswordHash: string(hash),
	})
	if errors.Is(err, ErrUserExists) {
		// Auth0 deliberately answers duplicates with the generic invalid_signup so that sign-up
		// cannot be used to discover accounts.
		writeJSON(w, http.StatusBadRequest, badRequest("BadRequestError", "invalid_signup", "Invalid sign up"))
		return
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, badRequest("BadRequestError", "invalid_body", err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, signupResponse{
		ID:            strings.TrimPrefix(user.UserID, StrategyAuth0+"|"),
		EmailVerified: false,
		Email:         user.Email,
		Username:      params["username"],
		Name:          params["name"],
	})
}

// jsonType names the JSON type of a parameter value for error messages.
func jsonType(raw string) string {
	var v any
	if json.Unmarshal([]byte(raw), &v) != nil {
		return "string"
	}
	switch v.(type) {
	case []any:
		return "array"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	default:
		return "string"
	}
}
