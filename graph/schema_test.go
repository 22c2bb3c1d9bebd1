package graph

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gqlneo/gqlneo/domain"
)

// The schema's descriptions tell clients the input limits; domain states
// them for the server. They must say the same.
func TestTheSchemaStatesTheDomainsInputLimits(t *testing.T) {
	s := Schema()
	cases := []struct {
		input, field, want string
	}{
		{"UpdateProfileInput", "name", fmt.Sprintf("1–%d characters", domain.MaxNameRunes)},
		{"UpdateProfileInput", "bio", fmt.Sprintf("Up to %d characters", domain.MaxBioRunes)},
		{"UpdateProfileInput", "picture", fmt.Sprintf("up to %d characters", domain.MaxPictureURL)},
		{"CreatePostInput", "title", fmt.Sprintf("1–%d characters", domain.MaxTitleRunes)},
		{"CreatePostInput", "body", fmt.Sprintf("1–%d characters", domain.MaxBodyRunes)},
		{"CreatePostInput", "tags", fmt.Sprintf("Up to %d tags", domain.MaxTags)},
	}
	for _, tc := range cases {
		t.Run(tc.input+"."+tc.field, func(t *testing.T) {
			f := s.Types[tc.input].Fields.ForName(tc.field)
			if f == nil || !strings.Contains(f.Description, tc.want) {
				t.Errorf("the description does not say %q", tc.want)
			}
		})
	}
}

func TestTheMappingLoadsFromTheGeneratedSchema(t *testing.T) {
	m, err := LoadMapping()
	if err != nil {
		t.Fatal(err)
	}
	if f := m.Field("User", "followers"); f == nil || f.Rel != "FOLLOWS" {
		t.Errorf("User.followers = %+v", f)
	}
}
