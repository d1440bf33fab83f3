# tests/lib/pg.sh -- a throwaway PostgreSQL cluster: initdb in a folder of its
# own, a unix socket in that folder, no TCP, trust for local connections.
# Sourced by tests/run (one cluster for the whole run), by stack.sh (when a
# suite runs alone on PostgreSQL) and by scripts/cluster.
#
#   pg_start DIR [setting=value ...]  initdb and start; sets and exports PG_HOST
#                                     (the socket's folder), PG_USER, PG_DATA, PG_BIN;
#                                     starts the cluster's guard (pg_guard)
#   pg_stop                           stop at once, remove DIR (kept, and said on
#                                     stderr, when the server cannot be stopped)
#   pg_halt                           stop the server of PG_DATA at once, if one runs
#   pg_folder DIR                     DIR, or a folder of /tmp when the owner cannot reach DIR
#   pg_createdb NAME / pg_dropdb NAME
#   pg_url NAME                       the DATABASE_URL of database NAME
#   pg_sql NAME SQL                   runs SQL there, rows as a|b|c lines
#   pg_ctl_run ARGS...                pg_ctl on this cluster, as its owner
#
# PostgreSQL refuses to run as root: started by root, the cluster belongs to
# the system user postgres (or nobody), who owns DIR; root still reaches the
# socket.

PG_SH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/pg.sh

pg_bindir() {
	local d
	d=$(pg_config --bindir 2>/dev/null)
	[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	echo "pg.sh: no PostgreSQL server found (scripts/deps installs postgresql)" >&2
	return 1
}

# Who runs the cluster: this user, or as root the system user postgres (nobody
# when there is none), since PostgreSQL refuses to run as root.
pg_owner() {
	if [ "$(id -u)" -ne 0 ]; then
		id -un
	elif getent passwd postgres >/dev/null; then
		echo postgres
	else
		echo nobody
	fi
}

# A folder for a cluster: DIR when the cluster's owner can reach it, else a
# new one of TMPDIR (/tmp): as root, from a checkout under /root.
pg_folder() {
	if [ "$(id -u)" -ne 0 ] || runuser -u "$(pg_owner)" -- test -x "$(dirname "$1")"; then
		mkdir -p "$1" && echo "$1"
	else
		mktemp -d "${TMPDIR:-/tmp}/fast_zero_pg.XXXXXX"
	fi
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
	PG_OWNER=$(pg_owner)
	if [ "$(id -u)" -eq 0 ]; then
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
	pg_guard $$
}

# pg_guard OWNER: once the process OWNER (the shell that called pg_start) is
# gone, stops the server of PG_DATA and removes PG_DIR, unless PG_DIR was
# removed or made again meanwhile (its mark is another). The owner stops its
# cluster itself (pg_stop); the guard is for the other endings: the owner
# killed outright, killed by a signal its traps do not catch (bash runs no
# EXIT trap on SIGINT), or cut short in its own clean-up. It runs in a
# session of its own, which the signals sent to the owner's process group do
# not reach, and is not the owner's child (the owner's `wait` would wait for it).
pg_guard() {
	local mark="$1 $EPOCHREALTIME"
	echo "$mark" >"$PG_DIR/guard"
	# shellcheck disable=SC2016 # expanded by the guard's bash
	(setsid bash -c '. "$0" && pg_guard_run "$@"' "$PG_SH" "$1" "$mark" "$PG_DIR" </dev/null >/dev/null &)
}

pg_guard_run() { # OWNER MARK DIR: the guard's body
	while pg_running "$1"; do sleep 0.5; done
	pg_guard_ours "$2" "$3" || return 0
	echo "pg.sh: process $1 ended without stopping its PostgreSQL ($3): stopping it" >&2
	# Asked again before the removal: a new owner may have stopped it too
	# meanwhile, and made the folder again.
	pg_halt && pg_guard_ours "$2" "$3" && rm -rf "$3"
}

pg_guard_ours() { # MARK DIR: whether DIR is still the cluster the guard watches
	[ "$(cat "$2/guard" 2>/dev/null)" = "$1" ]
}

pg_running() { # PID: whether it runs (a zombie has ended; kill -0 says it is there)
	local stat
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# Stops the server of PG_DATA at once (it is thrown away: no checkpoint), if
# one runs there; says so on stderr when it cannot.
pg_halt() {
	local out status=0
	[ -f "$PG_DATA/postmaster.pid" ] || return 0
	out=$(pg_ctl_run -m immediate -w -t 60 stop 2>&1) && return 0
	pg_ctl_run status >/dev/null 2>&1 || status=$?
	[ "$status" -eq 3 ] && return 0 # the pid file of a server that died: none runs
	echo "pg.sh: could not stop the PostgreSQL server of $PG_DATA: $out" >&2
	return 1
}

# Stops the server and removes its folder; keeps the folder when the server
# still runs (the guard tries again when the owner ends).
pg_stop() {
	[ -n "${PG_DATA:-}" ] || return 0
	pg_halt || return 1
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
