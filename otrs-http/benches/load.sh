#!/usr/bin/env bash
# Load benchmark of otrs-http over SQLite (synchronous=FULL) with wrk on 127.0.0.1.
# Usage: otrs-http/benches/load.sh   (env: OTRS_BENCH_SECONDS, OTRS_BENCH_RUNS, OTRS_BENCH_CONNECTIONS,
#        OTRS_BENCH_SQLITE_CONNECTIONS)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y wrk >/dev/null; }
echo "machine: $(nproc) cores, $(uname -sr), $(date -u +%F)"
cargo bench -p otrs-http --features bench-sqlite --bench load
