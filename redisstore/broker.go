package redisstore

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/gqlneo/gqlneo/events"
)

// eventsChannel is the Redis pub/sub channel events travel on between replicas.
const eventsChannel = keyPrefix + "events"

// eventBuffer is how many received events a subscription may have waiting;
// beyond it an event is dropped for that subscription (and logged), as the
// in-process broker does.
const eventBuffer = events.DefaultBuffer

// Broker is events.Broker over Redis pub/sub, so a subscription on one
// replica receives what a write on another published. Events hold ids and
// the actor's subject only. Publish fails when Redis cannot be reached —
// the write has committed regardless, and subscribers miss that event;
// subscriptions reconnect by themselves (go-redis' PubSub) once Redis is back.
type Broker struct {
	store  *Store
	logger *slog.Logger
}

var _ events.Broker = (*Broker)(nil)

// NewBroker returns a Broker over s; logger receives dropped or unreadable
// events (nil discards them).
func NewBroker(s *Store, logger *slog.Logger) *Broker {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Broker{store: s, logger: logger}
}

// Publish sends e to every replica's subscribers.
func (b *Broker) Publish(ctx context.Context, e events.Event) error {
	payload, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return b.store.client.Publish(ctx, eventsChannel, payload).Err()
}

// Subscribe returns every event published from now on, by any replica,
// until ctx ends.
func (b *Broker) Subscribe(ctx context.Context) (<-chan events.Event, error) {
	ps := b.store.client.Subscribe(ctx, eventsChannel)
	if _, err := ps.Receive(ctx); err != nil { // the subscription's confirmation
		_ = ps.Close()
		return nil, err
	}
	out := make(chan events.Event, eventBuffer)
	go func() {
		defer close(out)
		defer ps.Close()
		msgs := ps.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-msgs:
				if !ok {
					return
				}
				var e events.Event
				if err := json.Unmarshal([]byte(m.Payload), &e); err != nil {
					b.logger.Warn("events: an unreadable event on Redis was ignored", "error", err.Error())
					continue
				}
				select {
				case out <- e:
				default:
					b.logger.Warn("events: a subscriber fell behind; an event was dropped", "kind", string(e.Kind))
				}
			}
		}
	}()
	return out, nil
}
