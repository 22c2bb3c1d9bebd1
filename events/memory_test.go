package events

import (
	"context"
	"testing"
	"time"
)

func TestMemoryDeliversToEverySubscriber(t *testing.T) {
	m := NewMemory()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, _ := m.Subscribe(ctx)
	b, _ := m.Subscribe(ctx)
	if err := m.Publish(ctx, Event{Kind: PostCreated, PostID: "p1"}); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []<-chan Event{a, b} {
		select {
		case e := <-ch:
			if e.PostID != "p1" {
				t.Fatalf("got %+v", e)
			}
		case <-time.After(time.Second):
			t.Fatal("no event")
		}
	}
}

func TestMemoryDropsWhatASlowSubscriberCannotTake(t *testing.T) {
	m := NewMemory(WithBuffer(2))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, _ := m.Subscribe(ctx)
	for i := 0; i < 5; i++ {
		_ = m.Publish(ctx, Event{Kind: PostCreated})
	}
	if len(ch) != 2 || m.Dropped() != 3 {
		t.Fatalf("buffered %d, dropped %d; want 2 and 3", len(ch), m.Dropped())
	}
}

func TestMemoryClosesTheChannelWhenTheSubscriberLeaves(t *testing.T) {
	m := NewMemory()
	ctx, cancel := context.WithCancel(context.Background())
	ch, _ := m.Subscribe(ctx)
	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("event after cancel")
		}
	case <-time.After(time.Second):
		t.Fatal("channel not closed")
	}
	_ = m.Publish(context.Background(), Event{}) // no panic on a closed subscriber
}
