# tests/lib/pg.sh -- a throwaway PostgreSQL cluster: initdb in a folder of its
# own, a unix socket in that folder, no TCP, trust for local connections.
# Sourced by tests/run (one cluster for the whole run), by stack.sh (when a
# suite runs alone on PostgreSQL) and by scripts/cluster.
#
#   pg_start DIR [setting=value ...]  initdb and start; sets and exports PG_HOST
#                                     (the socket's folder), PG_USER, PG_DATA, PG_BIN
#   pg_stop                           stop fast, remove DIR
#   pg_createdb NAME / pg_dropdb NAME
#   pg_url NAME                       the DATABASE_URL of database NAME
#   pg_sql NAME SQL                   runs SQL there, rows as a|b|c lines
#   pg_ctl_run ARGS...                pg_ctl on this cluster, as its owner
#
# PostgreSQL refuses to run as root: started by root, the cluster belongs to
# the system user postgres (or nobody), who owns DIR; root still reaches the
# socket.

pg_bindir() {
	local d
	d=$(pg_config --bindir 2>/dev/null)
	[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	echo "pg.sh: no PostgreSQL server found (scripts/deps installs postgresql)" >&2
	return 1
}

# Runs a command as the cluster's owner, from / (the owner may not enter
# the caller's folder: a checkout under /root).
pg_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u "$PG_OWNER" -- "$@")
	else
		"$@"
	fi
}

pg_ctl_run() {
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"
}

pg_start() {
	local dir=$1
	shift
	PG_BIN=$(pg_bindir) || return 1
	PG_DIR=$dir PG_DATA=$dir/data PG_HOST=$dir PG_USER=fast_zero
	PG_OWNER=$(id -un)
	if [ "$(id -u)" -eq 0 ]; then
		PG_OWNER=nobody
		getent passwd postgres >/dev/null && PG_OWNER=postgres
		chown "$PG_OWNER" "$dir"
		if ! runuser -u "$PG_OWNER" -- test -x "$dir"; then
			echo "pg.sh: $PG_OWNER cannot reach $dir (a folder above it is closed to others)" >&2
			return 1
		fi
	fi
	export PG_BIN PG_DIR PG_DATA PG_HOST PG_USER PG_OWNER
	pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_USER" -A trust -E UTF8 --locale=C.UTF-8 \
		--no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$dir'"
		echo "max_connections = 200"
		echo "shared_buffers = 32MB"
		for setting in "$@"; do echo "$setting"; done
	} >>"$PG_DATA/postgresql.conf"
	pg_ctl_run -l "$dir/server.log" -w -t 60 start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
}

pg_stop() {
	[ -n "${PG_DATA:-}" ] || return 0
	[ -f "$PG_DATA/postmaster.pid" ] && pg_ctl_run -m immediate -w stop >/dev/null 2>&1
	rm -rf "$PG_DIR"
	unset PG_DATA PG_DIR
}

pg_psql() {
	local db=$1
	shift
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -U "$PG_USER" -d "$db" "$@"
}

pg_createdb() {
	pg_psql postgres -c "CREATE DATABASE \"$1\"" >/dev/null
}

pg_dropdb() {
	pg_psql postgres -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null 2>&1
}

pg_url() {
	echo "postgresql:///$1?host=$PG_HOST&user=$PG_USER"
}

pg_sql() {
	pg_psql "$1" -A -t -c "$2"
}
