#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 with trust
# authentication and a database `test`, as the test suite expects: starts the
# machine's cluster when it is stopped, installs Debian's server when there is
# none. Does nothing when NAVIGATOR_TEST_POSTGRES_URL points elsewhere.
set -euo pipefail

if [ -n "${NAVIGATOR_TEST_POSTGRES_URL:-}" ]; then
  exit 0
fi

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "ensure-postgres: no PostgreSQL server here; installing Debian's" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

if ! ready; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  # The suite connects as postgres over loopback without a password.
  if ! grep -Eq '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 60); do ready && break; sleep 0.5; done
fi

if ! ready; then
  echo "ensure-postgres: PostgreSQL does not answer on 127.0.0.1:5432" >&2
  exit 1
fi

if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
fi

# Databases left behind by interrupted test runs.
psql -h 127.0.0.1 -U postgres -d postgres -tAc \
  "SELECT datname FROM pg_database WHERE datname LIKE 'nav\_test\_%' OR datname LIKE 'nav\_bench\_%'" |
  while read -r stale; do
    [ -n "$stale" ] && psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$stale\" WITH (FORCE)" || true
  done
