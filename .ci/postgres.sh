# A throwaway PostgreSQL server on loopback, for the tests that share an optuna
# study through a real database server. Sourced by .ci/run; by hand:
#
#   . .ci/postgres.sh && lmc_postgres_start && echo "$LMC_TEST_POSTGRES_URL"
#   ...                                  # run the tests
#   lmc_postgres_stop
#
# lmc_postgres_start installs Debian's postgresql when its programs are missing
# (as root), creates a cluster in a new temporary folder (as the `postgres`
# user when run as root: the server refuses to run as root), starts it on a
# free port of 127.0.0.1 with trust authentication (nothing else can reach
# it), creates the database `lmc_test` and exports its URL as
# LMC_TEST_POSTGRES_URL. lmc_postgres_stop stops it and removes the folder.

LMC_PG_DIR=""

_lmc_pg_bindir() {
  # Debian keeps the server programs off PATH, one folder per major version.
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
    echo "$dir"
  elif command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v pg_ctl)"
  fi
}

_lmc_pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

lmc_postgres_start() {
  local bin port
  bin=$(_lmc_pg_bindir)
  if [ -z "$bin" ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "postgres: initdb and pg_ctl not found; install PostgreSQL (Debian: apt-get install postgresql)" >&2
      return 1
    fi
    echo "postgres: installing Debian's postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q postgresql >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null && apt-get install -y -q postgresql >/dev/null; } \
      || return 1
    bin=$(_lmc_pg_bindir)
    [ -n "$bin" ] || { echo "postgres: installed, but initdb and pg_ctl are still missing" >&2; return 1; }
  fi
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "postgres: running as root needs the 'postgres' user (Debian's package creates it)" >&2
    return 1
  fi
  LMC_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lmc-postgres.XXXXXX") || return 1
  chmod 755 "$LMC_PG_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$LMC_PG_DIR"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || return 1
  _lmc_pg_as_owner "$bin/initdb" -D "$LMC_PG_DIR/data" -U postgres --auth=trust -E UTF8 \
    >"$LMC_PG_DIR/initdb.log" 2>&1 || { echo "postgres: initdb failed:" >&2; cat "$LMC_PG_DIR/initdb.log" >&2; return 1; }
  # fsync off: a test database that is thrown away needs no durability.
  _lmc_pg_as_owner "$bin/pg_ctl" -D "$LMC_PG_DIR/data" -l "$LMC_PG_DIR/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $LMC_PG_DIR -c fsync=off" start >/dev/null \
    || { echo "postgres: the server did not start:" >&2; cat "$LMC_PG_DIR/server.log" >&2; return 1; }
  _lmc_pg_as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres lmc_test || return 1
  export LMC_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/lmc_test"
  echo "postgres: $("$bin/postgres" --version) on $LMC_TEST_POSTGRES_URL" >&2
}

lmc_postgres_stop() {
  [ -n "$LMC_PG_DIR" ] || return 0
  local bin
  bin=$(_lmc_pg_bindir)
  if [ -f "$LMC_PG_DIR/data/postmaster.pid" ]; then
    _lmc_pg_as_owner "$bin/pg_ctl" -D "$LMC_PG_DIR/data" -m fast -w stop >/dev/null 2>&1
  fi
  rm -rf "$LMC_PG_DIR"
  LMC_PG_DIR=""
  unset LMC_TEST_POSTGRES_URL
}
