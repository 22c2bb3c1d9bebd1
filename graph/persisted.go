package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlneo/gqlneo/apierr"
)

// PersistedMode says which documents a request may name by hash or send.
type PersistedMode string

// The persisted-query modes (PERSISTED_QUERIES).
const (
	// PersistedOff refuses every persisted-query request with
	// PERSISTED_QUERY_NOT_SUPPORTED, so clients stop sending hashes.
	PersistedOff PersistedMode = "off"
	// PersistedAuto is automatic persisted queries: a hash the server has
	// not seen answers PERSISTED_QUERY_NOT_FOUND, the client sends the
	// document with its hash, and later requests may send the hash alone.
	PersistedAuto PersistedMode = "auto"
	// PersistedOnly is trusted documents: only the manifest's documents run,
	// named by hash or sent in full; anything else is refused.
	PersistedOnly PersistedMode = "only"
)

// PersistedQueries configures persisted queries.
type PersistedQueries struct {
	Mode PersistedMode
	// Manifest maps a document's SHA-256 (lower-case hex) to its text, as
	// graphql-codegen's client preset writes it (persistedDocuments); see
	// ParseManifest. In auto mode its documents are known from the start.
	Manifest map[string]string
	// CacheBytes bounds the automatic persisted-query cache (keys and
	// documents); auto mode only. Zero means DefaultPersistedCacheBytes.
	CacheBytes int64
}

// DefaultPersistedCacheBytes is the automatic persisted-query cache's bound
// when none is configured: thousands of typical documents.
const DefaultPersistedCacheBytes = 16 << 20

// ParseManifest reads a persisted-documents manifest: a JSON object from
// each document's SHA-256 (64 lower-case hex digits) to the document. Every
// hash must be its document's and every document must parse and validate
// against the schema, so a stale or hand-edited manifest stops the server
// at start rather than refusing requests later.
func ParseManifest(data []byte) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, errors.New("is not a JSON object of hash → document (graphql-codegen's persistedDocuments output)")
	}
	if len(m) == 0 {
		return nil, errors.New("holds no documents")
	}
	hashes := make([]string, 0, len(m))
	for h := range m {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	for _, h := range hashes {
		doc := m[h]
		if !validHash(h) {
			return nil, fmt.Errorf("key %q is not a SHA-256 in lower-case hex; generate the manifest with hashAlgorithm sha256", h)
		}
		if got := documentHash(doc); got != h {
			return nil, fmt.Errorf("the document under %s hashes to %s; regenerate the manifest rather than editing it", h, got)
		}
		if _, errs := gqlparser.LoadQuery(Schema(), doc); len(errs) > 0 {
			return nil, fmt.Errorf("the document under %s does not validate against the schema: %s", h, errs[0].Message)
		}
	}
	return m, nil
}

func documentHash(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

func validHash(h string) bool {
	if len(h) != sha256.Size*2 {
		return false
	}
	for _, c := range h {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// hasPersistedQuery reports whether a request names a persisted query, so
// the transport lets it through without a query.
func hasPersistedQuery(extensions map[string]any) bool {
	return extensions["persistedQuery"] != nil
}

// persistedQueries is the gqlgen extension behind PersistedQueries. It
// resolves a hash to its document before parsing, and, in auto mode, stores
// a document sent with its hash only once the document has passed parsing,
// validation and every limit (it is the last extension added), so the
// cache holds only documents that run.
type persistedQueries struct {
	mode     PersistedMode
	manifest map[string]string
	cache    *persistedCache
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = persistedQueries{}

func newPersistedQueries(cfg PersistedQueries) persistedQueries {
	p := persistedQueries{mode: cfg.Mode, manifest: cfg.Manifest}
	if p.mode == "" {
		p.mode = PersistedAuto
	}
	if p.mode == PersistedAuto {
		size := cfg.CacheBytes
		if size <= 0 {
			size = DefaultPersistedCacheBytes
		}
		p.cache = newPersistedCache(size)
	}
	return p
}

// ExtensionName names the extension for gqlgen.
func (persistedQueries) ExtensionName() string { return "PersistedQueries" }

// Validate checks the configuration when the handler is built.
func (p persistedQueries) Validate(graphql.ExecutableSchema) error {
	switch p.mode {
	case PersistedOff, PersistedAuto:
	case PersistedOnly:
		if len(p.manifest) == 0 {
			return errors.New("persisted queries: only mode needs a manifest")
		}
	default:
		return fmt.Errorf("persisted queries: unknown mode %q", p.mode)
	}
	return nil
}

// pendingPersist is the hash whose document a request sent in full, stored
// once the operation context is built.
const pendingPersist = "gqlneo.persist"

// MutateOperationParameters resolves the persistedQuery extension to a
// document, or refuses the request.
func (p persistedQueries) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	hash, named, err := persistedHash(params.Extensions)
	if err != nil {
		return err
	}
	switch {
	case !named && p.mode != PersistedOnly:
		return nil
	case !named:
		// Trusted documents: a document sent in full runs only when it is
		// one of the manifest's, byte for byte.
		if _, ok := p.manifest[documentHash(params.Query)]; !ok {
			return refusal(apierr.New(apierr.PersistedQueryNotAllowed, "This server runs only its trusted documents, and this is not one of them."))
		}
		return nil
	case p.mode == PersistedOff:
		return refusal(apierr.New(apierr.PersistedQueryNotSupported, "PersistedQueryNotSupported"))
	}
	if params.Query == "" {
		doc, ok := p.lookup(ctx, hash)
		if !ok {
			return refusal(apierr.New(apierr.PersistedQueryNotFound, "PersistedQueryNotFound"))
		}
		params.Query = doc
		return nil
	}
	if documentHash(params.Query) != hash {
		return refusal(apierr.New(apierr.BadRequest, "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query."))
	}
	if p.mode == PersistedOnly {
		if _, ok := p.manifest[hash]; !ok {
			return refusal(apierr.New(apierr.PersistedQueryNotAllowed, "This server runs only its trusted documents, and this is not one of them."))
		}
		return nil
	}
	if _, known := p.manifest[hash]; !known {
		graphql.GetOperationContext(ctx).Stats.SetExtension(pendingPersist, hash)
	}
	return nil
}

// MutateOperationContext stores a document sent with its hash (auto mode),
// now that it has passed every check before it.
func (p persistedQueries) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if hash, ok := opCtx.Stats.GetExtension(pendingPersist).(string); ok && p.cache != nil {
		p.cache.Add(ctx, hash, opCtx.RawQuery)
	}
	return nil
}

func (p persistedQueries) lookup(ctx context.Context, hash string) (string, bool) {
	if doc, ok := p.manifest[hash]; ok {
		return doc, true
	}
	if p.cache == nil {
		return "", false
	}
	return p.cache.Get(ctx, hash)
}

// persistedHash reads extensions.persistedQuery: {version: 1, sha256Hash}.
// Other members (urql adds miss: true on its retry) are ignored.
func persistedHash(extensions map[string]any) (hash string, named bool, err *gqlerror.Error) {
	raw, ok := extensions["persistedQuery"]
	if !ok || raw == nil {
		return "", false, nil
	}
	pq, ok := raw.(map[string]any)
	if !ok {
		return "", false, refusal(apierr.New(apierr.BadRequest, "extensions.persistedQuery must be an object {\"version\": 1, \"sha256Hash\": \"…\"}."))
	}
	if v, ok := pq["version"].(json.Number); !ok || v.String() != "1" {
		return "", false, refusal(apierr.New(apierr.BadRequest, "extensions.persistedQuery.version must be 1."))
	}
	hash, _ = pq["sha256Hash"].(string)
	if !validHash(hash) {
		return "", false, refusal(apierr.New(apierr.BadRequest, "extensions.persistedQuery.sha256Hash must be a SHA-256 in lower-case hex."))
	}
	return hash, true, nil
}
