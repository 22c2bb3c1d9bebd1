package neo4jrepo

import (
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
)

func TestDriverConfigBoundsConnectingAndWaitingForThePoolAlike(t *testing.T) {
	tests := []struct {
		name        string
		cfg         Config
		wantConnect time.Duration
		wantAcquire time.Duration
	}{
		{"A connect timeout bounds both opening a connection and waiting for a pooled one.",
			Config{ConnectTimeout: 750 * time.Millisecond}, 750 * time.Millisecond, 750 * time.Millisecond},
		{"No connect timeout keeps the driver's defaults.",
			Config{}, 5 * time.Second, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Config{SocketConnectTimeout: 5 * time.Second, ConnectionAcquisitionTimeout: time.Minute}
			tt.cfg.driverConfig(&c)
			if c.SocketConnectTimeout != tt.wantConnect || c.ConnectionAcquisitionTimeout != tt.wantAcquire {
				t.Errorf("SocketConnectTimeout %s, ConnectionAcquisitionTimeout %s; want %s, %s",
					c.SocketConnectTimeout, c.ConnectionAcquisitionTimeout, tt.wantConnect, tt.wantAcquire)
			}
		})
	}
}
