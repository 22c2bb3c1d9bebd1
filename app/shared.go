package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gqlneo/gqlneo/redisstore"
)

// openShared opens the Redis store of REDIS_URL. An unreachable Redis does
// not stop the start: each use has its own answer to an outage (see package
// redisstore), reads never need Redis, and /readyz leaves it out so a load
// balancer keeps the replicas that can still serve reads.
func openShared(ctx context.Context, cfg *Config, logger *slog.Logger) (*redisstore.Store, error) {
	redisstore.LibraryLogsTo(logger)
	store, err := redisstore.Open(cfg.RedisURL, cfg.CursorSecret)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	if err := store.Ping(ctx); err != nil {
		logger.Warn("Redis does not answer at REDIS_URL; logins are refused and caches are per process until it does", "error", err.Error())
	}
	return store, nil
}
