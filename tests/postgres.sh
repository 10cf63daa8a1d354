#!/usr/bin/env bash
# Starts (or stops) a private PostgreSQL server from Debian's postgresql package on 127.0.0.1 for the store tests.
# usage: postgres.sh start|stop     (port: $KABIGATE_TEST_PG_PORT, default 54329)
# start prints the admin URL the tests read from $KABIGATE_TEST_POSTGRES. The cluster lives in /tmp (the postgres
# user must reach it; $HOME may be closed to it), trusts local connections only, and runs without fsync: test data.
set -euo pipefail
action=${1:?start|stop}
port=${KABIGATE_TEST_PG_PORT:-54329}
dir=${TMPDIR:-/tmp}/kabigate-test-pg-$port
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "postgres.sh: Debian's postgresql is not installed" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then
  as_owner() { runuser -u postgres -- "$@"; }
else
  as_owner() { "$@"; }
fi
case "$action" in
  start)
    if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
      if [ ! -f "$dir/data/PG_VERSION" ]; then
        rm -rf "$dir"; mkdir -p "$dir"
        [ "$(id -u)" = 0 ] && chown postgres: "$dir"
        as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
          || { cat "$dir/initdb.log" >&2; exit 1; }
      fi
      as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c max_connections=200" start >&2 \
        || { tail -n 20 "$dir/server.log" >&2; exit 1; }
    fi
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true; fi
    ;;
  *) echo "postgres.sh: start or stop" >&2; exit 2 ;;
esac
