#!/bin/bash
# test_install.sh -- make install / uninstall into a DESTDIR, and that the
# installed tree works on its own: binary, migrations, man page, nginx
# snippets, sandboxed systemd units.
SUITE_NAME=install
. "$(dirname "$0")/../lib/stack.sh"

oneTimeSetUp() {
	DEST=$(mktemp -d)
	make -C "$ROOT" --no-print-directory install DESTDIR="$DEST" PREFIX=/usr >"$DEST.log" 2>&1 ||
		cat "$DEST.log" >&2
}
oneTimeTearDown() { rm -rf "$DEST" "$DEST.log"; }

test_install_lays_out_the_tree() {
	local f
	for f in usr/sbin/fast_zero usr/share/fast_zero/migrations/0001_create_users.sql \
		usr/share/fast_zero/nginx/fast_zero.conf usr/share/fast_zero/nginx/upstream.conf \
		usr/share/man/man8/fast_zero.8 usr/lib/systemd/system/fast_zero.service \
		usr/lib/systemd/system/fast_zero.socket; do
		assertTrue "$f is installed" "[ -f '$DEST/$f' ]"
	done
	assertEquals "755" "$(stat -c %a "$DEST/usr/sbin/fast_zero")"
	assertEquals "644" "$(stat -c %a "$DEST/usr/lib/systemd/system/fast_zero.service")"
}

test_installed_binary_finds_its_migrations() {
	local d out
	d=$(mktemp -d)
	out=$(cd "$d" && DATABASE_URL=sqlite:///db "$DEST/usr/sbin/fast_zero" migrate)
	assertEquals "$(migrated_line db "$MIGRATIONS")" "$out"
	assertEquals "fast_zero 0.1.0" "$("$DEST/usr/sbin/fast_zero" version)"
	rm -rf "$d"
}

test_units_are_sandboxed_and_point_at_the_binary() {
	local unit=$DEST/usr/lib/systemd/system/fast_zero.service d
	for d in ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes \
		"ExecStart=/usr/sbin/fast_zero serve" "ExecStartPre=/usr/sbin/fast_zero migrate" \
		"ExecReload=/bin/kill -HUP \$MAINPID"; do
		assertTrue "$d" "grep -qxF '$d' '$unit'"
	done
	assertTrue "ListenStream" "grep -qx 'ListenStream=/run/fast_zero/fast_zero.sock' '$DEST/usr/lib/systemd/system/fast_zero.socket'"
	assertTrue "ListenStream (hash)" "grep -qx 'ListenStream=/run/fast_zero/fast_zero-hash.sock' '$DEST/usr/lib/systemd/system/fast_zero.socket'"
	if command -v systemd-analyze >/dev/null 2>&1; then
		local out
		out=$(systemd-analyze verify "$unit" 2>&1)
		assertNotContains "no unknown directive" "$out" "Unknown key"
	fi
}

test_man_page_documents_every_command_and_setting() {
	local man=$DEST/usr/share/man/man8/fast_zero.8 w
	assertTrue "a section 8 page" "grep -q '^.TH FAST_ZERO 8' '$man'"
	for w in serve migrate version help DATABASE_URL SECRET_KEY ALGORITHM ACCESS_TOKEN_EXPIRE_MINUTES \
		WORKERS SIGHUP SIGTERM /usr/share/fast_zero/migrations; do
		assertTrue "man page names $w" "grep -q -- '$w' '$man'"
	done
	if command -v groff >/dev/null 2>&1; then
		assertEquals "groff renders it without a warning" "" "$(groff -man -Tutf8 -ww "$man" 2>&1 >/dev/null)"
	fi
}

test_uninstall_removes_everything() {
	make -C "$ROOT" --no-print-directory uninstall DESTDIR="$DEST" PREFIX=/usr >/dev/null 2>&1
	assertEquals "no file is left" "" "$(find "$DEST" -type f)"
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2
