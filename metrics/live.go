package metrics

import "github.com/prometheus/client_golang/prometheus"

// liveCollectors are the subscriptions' collectors.
type liveCollectors struct {
	sockets       prometheus.Gauge
	subscriptions prometheus.Gauge
	delivered     prometheus.Counter
	dropped       prometheus.Counter
}

func newLiveCollectors() liveCollectors {
	return liveCollectors{
		sockets: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "graphql_ws_connections",
			Help: "Open graphql-transport-ws sockets.",
		}),
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "graphql_subscriptions_active",
			Help: "Running subscriptions, over WebSocket and SSE.",
		}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphql_subscription_events_delivered_total",
			Help: "Events handed to subscribers.",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphql_subscription_events_dropped_total",
			Help: "Events a subscriber was too slow to take; each ends its subscription.",
		}),
	}
}

func (l liveCollectors) collectors() []prometheus.Collector {
	return []prometheus.Collector{l.sockets, l.subscriptions, l.delivered, l.dropped}
}

// SocketOpened counts an open WebSocket.
func (m *Metrics) SocketOpened() { m.live.sockets.Inc() }

// SocketClosed counts a closed WebSocket.
func (m *Metrics) SocketClosed() { m.live.sockets.Dec() }

// SubscriptionStarted counts a running subscription.
func (m *Metrics) SubscriptionStarted() { m.live.subscriptions.Inc() }

// SubscriptionEnded counts an ended subscription.
func (m *Metrics) SubscriptionEnded() { m.live.subscriptions.Dec() }

// EventDelivered counts an event handed to a subscriber.
func (m *Metrics) EventDelivered() { m.live.delivered.Inc() }

// EventDropped counts an event a subscriber was too slow to take.
func (m *Metrics) EventDropped() { m.live.dropped.Inc() }
