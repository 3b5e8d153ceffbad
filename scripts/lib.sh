# Shared by the scripts in this folder: the build cache and PostgreSQL.
# Sourced, not run.

# Builds are slow on small machines: keep one target folder outside the
# checkout, so fresh clones reuse it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/byline-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# The IPTC's ninjs 3.1 schema and examples, which the tests validate and
# import (they are read where the project's brief keeps them, never copied
# in): BYLINE_NINJS_DIR when it is set, or ../shared/ninjs beside this
# checkout or beside the repository a fresh clone was made from.
find_ninjs() {
    local here origin
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    origin="$(git -C "$here" config --get remote.origin.url 2>/dev/null || true)"
    for dir in "${BYLINE_NINJS_DIR:-}" "$here/../shared/ninjs" \
        "${origin:+$origin/../shared/ninjs}"; do
        if [ -n "$dir" ] && [ -f "$dir/ninjs-schema_3.1.json" ]; then
            (cd "$dir" && pwd)
            return 0
        fi
    done
    return 1
}
if ninjs_dir="$(find_ninjs)"; then
    export BYLINE_NINJS_DIR="$ninjs_dir"
fi

# The PostgreSQL server the tests create their databases on.
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

pg_host_port() {
    # host and port of TEST_POSTGRES_URL, for pg_isready.
    python3 - "$TEST_POSTGRES_URL" <<'PY'
import sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
print(u.hostname or "127.0.0.1", u.port or 5432)
PY
}

# Makes sure PostgreSQL answers at TEST_POSTGRES_URL: starts the local
# cluster when it is down, and fails loudly when it still does not answer.
ensure_postgres() {
    read -r host port < <(pg_host_port)
    if ! command -v pg_isready >/dev/null 2>&1; then
        echo "PostgreSQL client tools are missing; installing postgresql" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    if pg_isready -q -h "$host" -p "$port"; then
        ensure_pg_stat_statements
        return 0
    fi
    echo "PostgreSQL is not answering on $host:$port; starting it" >&2
    if ls /etc/postgresql >/dev/null 2>&1; then
        for version in $(ls /etc/postgresql); do
            pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        done
    fi
    wait_for_postgres
    ensure_pg_stat_statements
}

wait_for_postgres() {
    read -r host port < <(pg_host_port)
    for _ in $(seq 1 30); do
        if pg_isready -q -h "$host" -p "$port"; then
            return 0
        fi
        sleep 1
    done
    echo "FATAL: PostgreSQL at $host:$port is unreachable; the suite never skips it" >&2
    exit 1
}

# The growth guard (tests/api/cross/growth.rs) counts the pages each
# statement touches with pg_stat_statements, which the server must load at
# start: on the local cluster, add it to shared_preload_libraries and
# restart once.
ensure_pg_stat_statements() {
    local loaded
    loaded="$(psql "$TEST_POSTGRES_URL" -Atc 'SHOW shared_preload_libraries')"
    case "$loaded" in *pg_stat_statements*) return 0 ;; esac
    if ! ls /etc/postgresql >/dev/null 2>&1; then
        echo "FATAL: PostgreSQL at $TEST_POSTGRES_URL does not load pg_stat_statements" \
            "(shared_preload_libraries); the growth guard needs it" >&2
        exit 1
    fi
    echo "PostgreSQL: loading pg_stat_statements at start (one restart)" >&2
    psql "$TEST_POSTGRES_URL" -qc \
        "ALTER SYSTEM SET shared_preload_libraries = '${loaded:+$loaded,}pg_stat_statements'"
    for version in $(ls /etc/postgresql); do
        pg_ctlcluster --skip-systemctl-redirect "$version" main restart
    done
    wait_for_postgres
}
