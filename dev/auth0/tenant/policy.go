package tenant

import "unicode"

// The tenant enforces Auth0's "Fair" password policy, the default of a new database connection: at
// least 8 characters, and at least 3 of the 4 character classes lower case, upper case, digits and
// special characters. The rule texts below are the ones Auth0 returns in a PasswordStrengthError.
const (
	minPasswordLength = 8
	minCharClasses    = 3
	passwordPolicy    = "* At least 8 characters in length\n* Contain at least 3 of the following 4 types of characters:\n * lower case letters (a-z)\n * upper case letters (A-Z)\n * numbers (i.e. 0-9)\n * special characters (e.g. !@#$%^&*)"
)

// policyRule is one entry of PasswordStrengthError.description.rules.
type policyRule struct {
	Message  string       `json:"message"`
	Format   []int        `json:"format,omitempty"`
	Code     string       `json:"code"`
	Items    []policyItem `json:"items,omitempty"`
	Verified bool         `json:"verified"`
}

type policyItem struct {
	Message  string `json:"message"`
	Code     string `json:"code"`
	Verified bool   `json:"verified"`
}

// policyResult is PasswordStrengthError.description.
type policyResult struct {
	Rules    []policyRule `json:"rules"`
	Verified bool         `json:"verified"`
}

// checkPassword evaluates password against the Fair policy.
func checkPassword(password string) policyResult {
	var lower, upper, digit, special bool
	n := 0
	for _, r := range password {
		n++
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			special = true
		}
	}
	classes := 0
	for _, ok := range []bool{lower, upper, digit, special} {
		if ok {
			classes++
		}
	}
	length := policyRule{Message: "At least %d characters in length", Format: []int{minPasswordLength}, Code: "lengthAtLeast", Verified: n >= minPasswordLength}
	contains := policyRule{
		Message: "Contain at least %d of the following %d types of characters:", Code: "containsAtLeast",
		Format: []int{minCharClasses, 4},
		Items: []policyItem{
			{Message: "lower case letters (a-z)", Code: "lowerCase", Verified: lower},
			{Message: "upper case letters (A-Z)", Code: "upperCase", Verified: upper},
			{Message: "numbers (i.e. 0-9)", Code: "numbers", Verified: digit},
			{Message: "special characters (e.g. !@#$%^&*)", Code: "specialCharacters", Verified: special},
		},
		Verified: classes >= minCharClasses,
	}
	return policyResult{Rules: []policyRule{length, contains}, Verified: length.Verified && contains.Verified}
}
