// Package hostile builds the GraphQL documents a public endpoint must
// refuse cheaply, and the largest legitimate one it must accept: the
// server's tests, the soak and benchmarks share them, so each case is
// written once.
package hostile

import (
	"fmt"
	"strings"
)

// NestedAliasFragments is a document of a few hundred bytes that expands to
// aliases^levels fields: each named fragment repeats the next under aliases
// aliases of `ofType`, over `__type`, so it needs no token.
func NestedAliasFragments(aliases, levels int) string {
	var b strings.Builder
	b.WriteString(`{ __type(name:"User"){...F0} }`)
	for i := 0; i < levels; i++ {
		fmt.Fprintf(&b, " fragment F%d on __Type {", i)
		for a := 0; a < aliases; a++ {
			if i == levels-1 {
				fmt.Fprintf(&b, " a%d: name", a)
			} else {
				fmt.Fprintf(&b, " a%d: ofType{...F%d}", a, i+1)
			}
		}
		b.WriteString(" }")
	}
	return b.String()
}

// Aliases is n aliased copies of field (" a0: field a1: field …"), to put
// inside a selection set.
func Aliases(n int, field string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	return b.String()
}

// GraphiQLIntrospection is the introspection query GraphiQL sends
// (graphql-js getIntrospectionQuery): the deepest document the default
// limits must allow.
const GraphiQLIntrospection = `query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name }
  types { ...FullType } directives { name description locations args { ...InputValue } } } }
fragment FullType on __Type { kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue } interfaces { ...TypeRef } enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef } }
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`
