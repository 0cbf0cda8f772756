#!/usr/bin/env bash
# What a prediction row costs the default run's in-memory audit database (H2): CPU and bytes
# allocated per row for the batch insert of routes/audit.camel.yaml and for the in-memory trim, with
# the schema of db/migration and db/in-memory, one thread, no HTTP (bench/AuditStoreCost.java), then
# with its unique constraints dropped to show their share. Results: docs/performance.md.
#   bench/audit-store.sh [seconds=20] [batch-size=100]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt
exec flock /tmp/bench.lock java ${JAVA_OPTS:-} -cp "$(cat target/bench-classpath.txt)" bench/AuditStoreCost.java "$@"
