#!/usr/bin/env bash
# Make a PostgreSQL server reachable for the tests at BIDFLOW_TEST_POSTGRES_URL (default: the
# local cluster, user postgres, password 'bidflow'). Starts Debian's cluster when we are root.
set -euo pipefail
if [ -n "${BIDFLOW_TEST_POSTGRES_URL:-}" ]; then exit 0; fi
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  :
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null; then
    echo "Installing PostgreSQL for the tests..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  version=$(ls /etc/postgresql | sort -n | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
else
  echo "PostgreSQL is not running on 127.0.0.1:5432; start it or set BIDFLOW_TEST_POSTGRES_URL." >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'bidflow'\"" >/dev/null
fi
