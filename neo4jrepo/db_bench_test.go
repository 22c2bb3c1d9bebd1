package neo4jrepo

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// cpuTime is the process's user+system CPU time so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReadTransaction is the cost of the smallest admitted read under a
// request's deadline: wall time per read, and cpu-µs/op, this process's CPU
// per read (the driver's share of a request's CPU). It needs the Neo4j of
// `make test`:
//
//	NEO4J_TEST_URI=bolt://127.0.0.1:7687 NEO4J_TEST_PASSWORD=dev-password \
//	  go test ./neo4jrepo -run '^$' -bench ReadTransaction -benchtime 3000x -count 3
func BenchmarkReadTransaction(b *testing.B) {
	db, _ := mustDB(b)
	work := func(tx neo4j.ManagedTransaction) (struct{}, error) {
		res, err := db.run(context.Background(), tx, "RETURN 1", nil)
		if err != nil {
			return struct{}{}, err
		}
		_, err = res.Consume(context.Background())
		return struct{}{}, err
	}
	b.ResetTimer()
	start := cpuTime(b)
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if _, err := read(ctx, db, work); err != nil {
			b.Fatal(err)
		}
		cancel()
	}
	b.ReportMetric(float64((cpuTime(b)-start).Microseconds())/float64(b.N), "cpu-µs/op")
}
