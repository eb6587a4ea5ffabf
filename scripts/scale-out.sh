#!/usr/bin/env bash
# Scale bidflow out: its data and Prefect's server on PostgreSQL, flows deployed onto the
# "bidflow" process work pool, any number of workers on any number of machines.
#
# One step per subcommand, run in this order (docs/scaling.md explains each):
#   databases   create both databases if missing, pg_trgm for Prefect, migrate bidflow's
#   server      run Prefect's server on its database, old runs and events vacuumed (foreground)
#   pool        the "bidflow" work pool, the global concurrency limits (sized from the env) and
#               the automation that marks a dead worker's flow runs crashed
#   deploy      `prefect deploy --all` from prefect.yaml, flows run from $BIDFLOW_CHECKOUT
#   worker      one worker of the pool (foreground); start one or more per machine
#
# docs/scaling.md shows these commands and tests/scale/test_workers_on_postgres.py runs them,
# so the documented way is the tested way. Settings come from the environment only.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Where `prefect` and `bidflow` are installed: the checkout's .venv, else the PATH's.
bin="${BIDFLOW_BIN:-$here/.venv/bin}"
if [[ ! -x "$bin/prefect" ]] && command -v prefect >/dev/null; then
  bin="$(dirname "$(command -v prefect)")"
fi
pool=bidflow  # the work pool prefect.yaml names

need() {
  local name
  for name in "$@"; do
    if [[ -z "${!name:-}" ]]; then
      echo "scale-out.sh $step: set $name (see docs/scaling.md)" >&2
      exit 2
    fi
  done
}

# postgresql+psycopg://u:p@h:5432/db?x=y -> postgresql://u:p@h:5432/db?x=y, for psql.
libpq() { local url="$1"; url="${url/+psycopg:/:}"; echo "${url/+asyncpg:/:}"; }
database_name() { local path="${1##*/}"; echo "${path%%\?*}"; }
# The same server's maintenance database, where CREATE DATABASE is run.
maintenance() { local url; url="$(libpq "$1")"; echo "${url%/*}/postgres"; }

create_database() {
  local url="$1" name
  name="$(database_name "$url")"
  if ! psql "$(maintenance "$url")" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" |
    grep -q 1; then
    psql "$(maintenance "$url")" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"$name\""
  fi
}

# Run a `prefect ... create` command; true if it created, false if that already exists,
# and any other failure stops the script with Prefect's message.
created() {
  local out
  if out="$("$bin/prefect" "$@" 2>&1)"; then return 0; fi
  if grep -q "already exists" <<<"$out"; then return 1; fi
  echo "$out" >&2
  exit 1
}

ensure_pool() {
  created work-pool create "$pool" --type process || true  # an existing pool is kept as is
  echo "work pool $pool: process"
}

# A limit's slots come from the same variable the workers read, so both agree; each worker
# also resizes it to its own setting on first use, so keep that variable equal everywhere.
ensure_limit() {
  local name="$1" slots="$2"
  created gcl create "$name" --limit "$slots" ||
    "$bin/prefect" gcl update "$name" --limit "$slots" >/dev/null
  echo "global concurrency limit $name: $slots slots"
}

# A worker machine that dies leaves its flow runs "Running" forever (nobody reports their end;
# bidflow's own claims are freed by PostgreSQL when its connections drop). Every flow run sends
# a heartbeat event every PREFECT_FLOWS_HEARTBEAT_FREQUENCY seconds; this automation marks a
# run that stops sending them, without having finished, Crashed after BIDFLOW_ZOMBIE_AFTER_S.
ensure_zombie_automation() {
  local name="bidflow: crash flow runs whose worker died" after="${BIDFLOW_ZOMBIE_AFTER_S:-180}"
  if ! "$bin/prefect" automation inspect "$name" >/dev/null 2>&1; then
    "$bin/prefect" automation create --from-json "$(cat <<JSON
{"name": "$name",
 "trigger": {"type": "event", "posture": "Proactive", "within": $after, "threshold": 1,
   "match": {"prefect.resource.id": "prefect.flow-run.*"}, "for_each": ["prefect.resource.id"],
   "after": ["prefect.flow-run.heartbeat"],
   "expect": ["prefect.flow-run.heartbeat", "prefect.flow-run.Completed",
     "prefect.flow-run.Failed", "prefect.flow-run.Cancelled", "prefect.flow-run.Crashed"]},
 "actions": [{"type": "change-flow-run-state", "state": "CRASHED",
   "message": "No heartbeat for $after s: its worker is presumed dead."}]}
JSON
)" >/dev/null
  fi
  echo "automation: flow runs without a heartbeat for $after s are marked crashed"
}

step="${1:-}"
case "$step" in
  databases)
    need BIDFLOW_DATABASE_URL PREFECT_API_DATABASE_CONNECTION_URL
    create_database "$BIDFLOW_DATABASE_URL"
    create_database "$PREFECT_API_DATABASE_CONNECTION_URL"
    # Prefect's server refuses to start on PostgreSQL without trigram indexes.
    psql "$(libpq "$PREFECT_API_DATABASE_CONNECTION_URL")" -v ON_ERROR_STOP=1 -qc \
      "CREATE EXTENSION IF NOT EXISTS pg_trgm"
    "$bin/bidflow" db upgrade
    ;;
  server)
    need PREFECT_API_DATABASE_CONNECTION_URL
    # A deployment every N seconds adds 86,400/N runs a day (an ingest every 2 minutes: 720):
    # keep 3 days of finished runs (with their task runs and logs) and of events. The vacuum
    # runs hourly; Prefect's default keeps runs forever and events 7 days.
    : "${PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED:=events,flow_runs}"
    : "${PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD:=P3D}"
    : "${PREFECT_SERVER_EVENTS_RETENTION_PERIOD:=P3D}"
    export PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED \
      PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD PREFECT_SERVER_EVENTS_RETENTION_PERIOD
    exec "$bin/prefect" server start \
      --host "${PREFECT_SERVER_API_HOST:-0.0.0.0}" --port "${PREFECT_SERVER_API_PORT:-4200}"
    ;;
  pool)
    need PREFECT_API_URL
    ensure_pool
    ensure_limit "${BIDFLOW_LLM_CONCURRENCY_LIMIT:-bidflow-llm}" "${BIDFLOW_LLM_CONCURRENCY:-8}"
    ensure_limit "${BIDFLOW_UPWORK_CONCURRENCY_LIMIT:-bidflow-upwork}" \
      "${BIDFLOW_UPWORK_CONCURRENCY:-4}"
    ensure_zombie_automation
    ;;
  deploy)
    need PREFECT_API_URL
    # The pull step's {{ $BIDFLOW_CHECKOUT }} is filled in now: every worker machine needs
    # the same version of the code at this path.
    export BIDFLOW_CHECKOUT="${BIDFLOW_CHECKOUT:-$here}"
    cd "$BIDFLOW_CHECKOUT"
    "$bin/prefect" --no-prompt deploy --all
    ;;
  worker)
    # Without BIDFLOW_DATABASE_URL a worker would write to its own SQLite file, unseen by
    # the others: refuse instead.
    need PREFECT_API_URL BIDFLOW_DATABASE_URL
    # Heartbeats let the automation above tell a dead machine's runs from slow ones.
    : "${PREFECT_FLOWS_HEARTBEAT_FREQUENCY:=60}"
    export PREFECT_FLOWS_HEARTBEAT_FREQUENCY
    exec "$bin/prefect" worker start --pool "$pool" "${@:2}"
    ;;
  *)
    sed -n '2,/^set -e/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
    ;;
esac
