package events

import (
	"context"
	"sync"
	"sync/atomic"
)

// DefaultBuffer is the number of events a Memory subscriber may fall behind
// before further events are dropped for it.
const DefaultBuffer = 1024

// Memory is the in-process Broker of a single replica. Publish never
// blocks: a subscriber whose buffer is full misses the event, and Dropped
// counts it.
type Memory struct {
	buffer  int
	mu      sync.Mutex
	subs    map[chan Event]struct{}
	dropped atomic.Int64
}

// MemoryOption configures a Memory broker.
type MemoryOption func(*Memory)

// WithBuffer sets how many events one subscriber may fall behind. Default:
// DefaultBuffer.
func WithBuffer(n int) MemoryOption {
	return func(m *Memory) {
		if n > 0 {
			m.buffer = n
		}
	}
}

// NewMemory returns an empty in-process broker.
func NewMemory(opts ...MemoryOption) *Memory {
	m := &Memory{buffer: DefaultBuffer, subs: map[chan Event]struct{}{}}
	for _, opt := range opts {
		opt(m)
	}
	return m
}

var _ Broker = (*Memory)(nil)

// Publish hands e to every subscriber that has room for it.
func (m *Memory) Publish(_ context.Context, e Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for ch := range m.subs {
		select {
		case ch <- e:
		default:
			m.dropped.Add(1)
		}
	}
	return nil
}

// Subscribe registers a subscriber until ctx ends.
func (m *Memory) Subscribe(ctx context.Context) (<-chan Event, error) {
	ch := make(chan Event, m.buffer)
	m.mu.Lock()
	m.subs[ch] = struct{}{}
	m.mu.Unlock()
	go func() {
		<-ctx.Done()
		m.mu.Lock()
		delete(m.subs, ch)
		close(ch)
		m.mu.Unlock()
	}()
	return ch, nil
}

// Dropped is how many events subscribers have missed for lack of room.
func (m *Memory) Dropped() int64 { return m.dropped.Load() }
