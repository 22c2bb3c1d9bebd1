package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlneo/gqlneo/apierr"
	"github.com/gqlneo/gqlneo/domain"
)

// errMisconfigured is answered when the identity provider hands out
// something this server cannot use; the cause is logged where it is found.
var errMisconfigured = errors.New("graph: identity provider configuration does not match this server")

// withField names the argument a domain refusal is about.
func withField(err error, field string) error {
	if errors.Is(err, domain.ErrSelfFollow) {
		return domain.Invalid(field, "You cannot follow yourself.")
	}
	return err
}

// ErrorObserver receives every error code the API answers, for metrics.
type ErrorObserver interface{ ObserveError(code string) }

// RequestIDFunc returns the request id of ctx's request ("" when none).
type RequestIDFunc func(ctx context.Context) string

// presenter is the one error presenter. Known errors get their stable codes;
// anything else (Neo4j errors included) becomes INTERNAL_SERVER_ERROR with
// the request id, logged once here.
type presenter struct {
	logger    *slog.Logger
	requestID RequestIDFunc
	observer  ErrorObserver
}

func (p presenter) present(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := p.classify(ctx, err)
	code, _ := gqlErr.Extensions["code"].(string)
	if p.observer != nil {
		p.observer.ObserveError(code)
	}
	return gqlErr
}

// classify answers err: the executor's own errors (parse, validation,
// limits) as they are, with BAD_REQUEST when they carry no code; anything
// else through apierr.Classify, and what it does not know as
// INTERNAL_SERVER_ERROR, logged once here with the request id.
func (p presenter) classify(ctx context.Context, err error) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Err == nil {
		out := *gqlErr
		if out.Extensions == nil || out.Extensions["code"] == nil {
			out.Extensions = map[string]any{"code": apierr.BadRequest}
		}
		out.Message = redact(out.Message)
		return &out
	}
	out := &gqlerror.Error{}
	if gqlErr != nil {
		out.Path, out.Locations = gqlErr.Path, gqlErr.Locations
	} else {
		out.Path = graphql.GetPath(ctx)
	}
	e, ok := apierr.Classify(ctx, err)
	switch {
	case !ok:
		p.logger.ErrorContext(ctx, "internal error", "error", err.Error(), "path", out.Path.String())
		e = apierr.InternalError(p.requestID(ctx))
	case e.Code == apierr.ServiceUnavailable || e.Code == apierr.AuthProviderUnavailable:
		p.logger.WarnContext(ctx, "dependency unavailable", "code", e.Code, "error", err.Error())
	}
	out.Message, out.Extensions = e.Message, e.Ext()
	return out
}

// The parser's and validator's messages echo what the document held: a
// token's text, a literal argument value (a password typed without quotes
// is an enum-like name), a variable's value — and they suggest names of the
// schema ("Did you mean …?"), which production does not offer. redact
// keeps what they say is wrong and where, and drops the echoed values and
// the suggestions. Field, argument and type names stay: they are the
// schema's words, not the caller's data.
var redactions = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(?is)[,\s]*did you mean\b.*$`), ""},
	// parser: `found Name "x"`, `Unexpected String "x"`
	{regexp.MustCompile(`\b(Name|String|BlockString|Int|Float) "(?:[^"\\]|\\.)*"`), "$1"},
	// ValuesOfCorrectType: `String cannot represent a non string value: x`
	{regexp.MustCompile(`(?s)(cannot represent [^:]*): .*$`), "$1."},
	// ValuesOfCorrectType: `Expected value of type "T", found x.`
	{regexp.MustCompile(`(?s)(Expected value of type "[^"]*"), found .*$`), "$1."},
	// variable coercion: `x is not a valid Enum`, `cannot use value 1.5 as Int`
	{regexp.MustCompile(`(?s)^.* is not a valid (\w+)$`), "the value is not a valid $1"},
	{regexp.MustCompile(`cannot use (?:value )?\S+ as`), "cannot use the value as"},
	// ValuesOfCorrectType: `Value "x" does not exist in "Enum" enum.`
	{regexp.MustCompile(`(?s)^Value .* does not exist in`), "The value does not exist in"},
}

func redact(msg string) string {
	for _, r := range redactions {
		msg = r.re.ReplaceAllString(msg, r.with)
	}
	return msg
}

// recoverPanic turns a resolver panic into an internal error; the presenter
// logs it with the request id.
func recoverPanic(ctx context.Context, v any) error {
	return fmt.Errorf("panic in resolver: %v", v)
}
