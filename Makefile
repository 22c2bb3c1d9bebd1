# The two commands of the quickstart are `make run` and `make test`.
# Everything else here is what they are made of.

SHELL := /bin/bash
GO    ?= go
BIN   := bin

.PHONY: run run-cluster test build generate vet check-generate neo4j issuer bench bench-quick soak clean

## run: build everything, start Neo4j (unless NEO4J_URI points elsewhere), the dev Auth0 issuer and the server on http://127.0.0.1:8080; Ctrl-C stops all of them.
run: build
	@dev/run.sh

## run-cluster: like run, but Redis, REPLICAS (default 2) server replicas on 8091… sharing CURSOR_SECRET and REDIS_URL, and HAProxy on http://127.0.0.1:8080 (round-robin, health check /readyz); see docs/scaling.md.
run-cluster: build
	@dev/cluster.sh

## test: the whole suite; starts a throwaway Neo4j of its own and the issuer in-process.
test:
	@dev/test.sh

## build: the server, the dev issuer and the seeder binaries under bin/ (the Neo4j launcher builds itself on first start).
build:
	$(GO) build -o $(BIN)/server .
	$(GO) build -o $(BIN)/auth0-dev ./dev/auth0
	$(GO) build -o $(BIN)/seed ./dev/seed

## generate: regenerate gqlgen's code from schema.graphqls.
generate:
	$(GO) generate ./...

## vet: go vet over every package of the product and of the benchmark's own module (bench/).
vet:
	$(GO) vet ./...
	$(GO) -C bench vet ./...
	$(GO) -C bench vet -tags profiles ./profiles/...

## check-generate: fail when `go generate` changes a tracked file, or when examples/web's generated
## operation types differ from what graphql-codegen makes of schema.graphqls (CI runs this).
check-generate:
	$(GO) generate ./...
	@git diff --exit-code --stat || (echo "go generate changed tracked files: run 'make generate' and commit" >&2; exit 1)
	npm run --prefix examples/web --silent codegen:check

## neo4j: only the dev Neo4j, in the foreground, on 127.0.0.1:7687.
neo4j:
	dev/neo4j/run.sh

## issuer: only the dev Auth0 issuer, in the foreground, on 127.0.0.1:8081.
issuer:
	$(GO) run ./dev/auth0

## bench: the full benchmark (product vs the @neo4j/graphql peer vs the floor; 3 A/B/A/B repetitions); writes bench/results/full.json and docs/benchmarks.md.
bench:
	$(GO) -C bench run . -mode full

## bench-quick: one short repetition of the benchmark (under ~20 minutes); writes bench/results/quick.json and docs/benchmarks.md.
bench-quick:
	$(GO) -C bench run . -mode quick

clean:
	rm -rf $(BIN) dev/neo4j/target

## soak: about ten minutes of legitimate and hostile traffic against bin/server with a Neo4j kill and restart in the middle (its own Neo4j on port 7791, its own issuer, loopback only); prints the report docs/reliability.md reads. Server settings to try pass as SOAK_<VARIABLE>=value.
soak: build
	$(GO) run ./dev/soak
