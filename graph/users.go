package graph

import (
	"encoding/base64"
	"strings"

	"github.com/gqlneo/gqlneo/graph/model"
	"github.com/gqlneo/gqlneo/neo4jrepo"
)

// globalID encodes an object's type and id as an opaque ID ("User:<uuid>" in
// unpadded base64url), so node(id) can tell types apart.
func globalID(typeName, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typeName + ":" + id))
}

// parseGlobalID decodes a global ID; ok is false for anything malformed.
func parseGlobalID(gid string) (typeName, id string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		return "", "", false
	}
	typeName, id, ok = strings.Cut(string(raw), ":")
	return typeName, id, ok && typeName != "" && id != ""
}

// userModel maps a stored User to the GraphQL type. self says whether the
// caller is this User, which decides self-only fields such as email.
func userModel(u neo4jrepo.User, self bool) *model.User {
	out := &model.User{ID: globalID("User", u.ID), RawID: u.ID, CreatedAt: u.CreatedAt, Self: self}
	if len(u.Identities) > 0 {
		out.Subject = u.Identities[0].Subject
	}
	if u.Name != "" {
		out.Name = &u.Name
	}
	if u.Picture != "" {
		out.Picture = &u.Picture
	}
	if u.Email != "" {
		out.PrivateEmail = &u.Email
	}
	out.PrivateIdentities = make([]*model.Identity, 0, len(u.Identities))
	for _, id := range u.Identities {
		mi := &model.Identity{Provider: id.Provider, CreatedAt: id.CreatedAt, LastSeenAt: id.LastSeenAt}
		if id.Connection != "" {
			mi.Connection = &id.Connection
		}
		out.PrivateIdentities = append(out.PrivateIdentities, mi)
	}
	return out
}
