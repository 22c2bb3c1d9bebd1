// Package model holds the GraphQL types: those gqlgen generates from
// schema.graphqls and the few written by hand where a type carries data the
// schema does not expose (such as a User's stored email, shown to its owner only).
package model
