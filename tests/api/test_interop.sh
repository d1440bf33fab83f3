#!/bin/bash
# test_interop.sh -- the database, the password hashes and the tokens are
# interchangeable with the course's Python application: a SQLite file (or a
# PostgreSQL database) made by `alembic upgrade head` and filled with pwdlib's
# hashes is served as is, our
# hashes verify with argon2-cffi, our tokens decode with PyJWT and PyJWT's are
# accepted.
SUITE_NAME=interop
. "$(dirname "$0")/../lib/stack.sh"


# The users of the Python application's database: username, email, password
# and how the Python side hashed it.
#   pwdlib   PasswordHash.recommended() (argon2-cffi >= 21.2 defaults: m=65536,t=3,p=4)
#   debian   Debian argon2-cffi 21.1's own defaults (m=102400,t=2,p=8)
#   argon2i  argon2i, pwdlib's parameters
#   pwdlib   again, a password with spaces, non-ASCII and form metacharacters
PY_USERS=(
	"alice|alice@example.com|secret|pwdlib"
	"bob|bob@example.com|mynewpassword|debian"
	"carol|carol@example.com|testtest|argon2i"
	"dênis|denis@example.com|s3nh@ çã+&=%20/?|pwdlib"
)

# Prints the PHC string of password $2 hashed the way $1 says.
py_hash() {
	"$PY" - "$1" "$2" <<'PY'
import sys
import argon2
kind, pw = sys.argv[1], sys.argv[2]
if kind == 'pwdlib':
    h = argon2.PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16)
elif kind == 'debian':
    h = argon2.PasswordHasher(time_cost=2, memory_cost=102400, parallelism=8, hash_len=16, salt_len=16)
elif kind == 'argon2i':
    h = argon2.PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16,
                              type=argon2.Type.I)
else:
    raise SystemExit('unknown kind ' + kind)
print(h.hash(pw))
PY
}

# The tables the course's `alembic upgrade head` makes, on each backend.
ALEMBIC_SQLITE="CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
INSERT INTO alembic_version VALUES ('74f39286e2f6');
CREATE TABLE users (id INTEGER NOT NULL, username VARCHAR NOT NULL, password VARCHAR NOT NULL, email VARCHAR NOT NULL, created_at DATETIME DEFAULT (CURRENT_TIMESTAMP) NOT NULL, PRIMARY KEY (id), UNIQUE (email), UNIQUE (username));"
ALEMBIC_POSTGRESQL="CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
INSERT INTO alembic_version VALUES ('74f39286e2f6');
CREATE TABLE users (id SERIAL NOT NULL, username VARCHAR NOT NULL, password VARCHAR NOT NULL, email VARCHAR NOT NULL, created_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now() NOT NULL, PRIMARY KEY (id), UNIQUE (email), UNIQUE (username));"

# Makes the stack's database the one the course's `alembic upgrade head`
# makes, with the users above inserted the way the Python application does.
make_alembic_db() {
	local entry name email pw kind hash
	if [ "$FZ_BACKEND" = postgresql ]; then
		pg_dropdb "$PG_DB" && pg_createdb "$PG_DB" && sql "$ALEMBIC_POSTGRESQL" || return 1
	else
		sql "$ALEMBIC_SQLITE" || return 1
	fi
	for entry in "${PY_USERS[@]}"; do
		IFS='|' read -r name email pw kind <<<"$entry"
		hash=$(py_hash "$kind" "$pw") || return 1
		sql "INSERT INTO users (username, password, email) VALUES ('$name', '$hash', '$email');" || return 1
	done
}

# A stack (stack_start: pool, nginx, the harness's fresh database) whose pool
# is then moved to the Python application's database: the pool is stopped,
# the alembic file is migrated by `fast_zero migrate` and served as is, named
# the way the course's .env names it (relative to the working folder).
interop_start() {
	stack_start ACCESS_TOKEN_EXPIRE_MINUTES=30 || return 1
	kill -TERM "$FZ_PID"
	wait "$FZ_PID"
	DB=$STACK_DIR/database.db URL=sqlite:///database.db
	[ "$FZ_BACKEND" = postgresql ] && URL=$STACK_URL
	make_alembic_db || { echo "could not build the alembic database" >&2; return 1; }
	ROWS_BEFORE=$(sql 'SELECT id, username, password, email, created_at FROM users ORDER BY id')
	MIGRATE_OUT=$(cd "$STACK_DIR" && env SECRET_KEY=test-secret-key DATABASE_URL="$URL" \
		"$FZ_BIN" migrate --migrations "$ROOT/migrations" 2>&1)
	MIGRATE_RC=$?
	echo "$MIGRATE_OUT" >>"$STACK_DIR/log"
	ROWS_AFTER_MIGRATE=$(sql 'SELECT id, username, password, email, created_at FROM users ORDER BY id')
	stack_serve DATABASE_URL="$URL" ACCESS_TOKEN_EXPIRE_MINUTES=30
	stack_wait
}

oneTimeSetUp() { interop_start; }
oneTimeTearDown() { stack_stop; }

# Logs in with form fields email $1, password $2; the token goes to $TOKEN.
login() {
	http POST /auth/token --data-urlencode "username=$1" --data-urlencode "password=$2"
	TOKEN=$(echo "$BODY" | jq -r '.access_token // empty' 2>/dev/null)
}

# Registers username $1, email $2, password $3 (a JSON body built by jq).
register() {
	http POST /users/ -H 'Content-Type: application/json' \
		--data-binary "$(jq -cn --arg u "$1" --arg e "$2" --arg p "$3" '{username:$u,email:$e,password:$p}')"
}

# Runs Python with the arguments; the script comes on stdin.
py() { "$PY" - "$@"; }

# --- the Python application's database, served as is ------------------------

test_migration_adopts_the_alembic_database() {
	assertEquals "migrate exit status" 0 "$MIGRATE_RC"
	local name=database.db
	[ "$FZ_BACKEND" = postgresql ] && name="PostgreSQL $PG_DB on $PG_HOST"
	assertEquals "every migration but 0001, which Alembic made" \
		"$(migrated_line "$name" $((MIGRATIONS - 1)))" "$MIGRATE_OUT"
	assertEquals "schema_migrations holds version 1" 1 \
		"$(sql 'SELECT count(*) FROM schema_migrations WHERE version = 1')"
	assertEquals "and every other version once" "$MIGRATIONS" "$(sql 'SELECT count(*) FROM schema_migrations')"
	assertEquals "the users rows are untouched" "$ROWS_BEFORE" "$ROWS_AFTER_MIGRATE"
	assertEquals "alembic's mark is kept" "74f39286e2f6" "$(sql 'SELECT version_num FROM alembic_version')"
	if [ "$FZ_BACKEND" = postgresql ]; then
		assertEquals "the course's columns are kept, and the password's date added" \
			"id username password email created_at password_changed_at " \
			"$(sql "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position" | tr '
' ' ')"
	else
		assertEquals "the course's columns are kept, ids never reused" \
			"id INTEGER username VARCHAR password VARCHAR email VARCHAR created_at DATETIME password_changed_at DATETIME " \
			"$(sqlite3 "$DB" "SELECT name, type FROM pragma_table_info('users')" | tr '|
' '  ')"
		assertContains "$(sqlite3 "$DB" .schema)" "AUTOINCREMENT"
	fi
}

test_python_hashes_are_what_the_suite_means() {
	# The fixture itself: each kind of hash really is what its name says.
	assertEquals '$argon2id$v=19$m=65536,t=3,p=4$' "$(sql "SELECT substr(password,1,31) FROM users WHERE username='alice'")"
	assertEquals '$argon2id$v=19$m=102400,t=2,p=8$' "$(sql "SELECT substr(password,1,32) FROM users WHERE username='bob'")"
	assertEquals '$argon2i$v=19$m=65536,t=3,p=4$' "$(sql "SELECT substr(password,1,30) FROM users WHERE username='carol'")"
}

test_every_python_user_logs_in() {
	local entry name email pw kind
	for entry in "${PY_USERS[@]}"; do
		IFS='|' read -r name email pw kind <<<"$entry"
		login "$email" "$pw"
		assertEquals "login of $name ($kind hash): $BODY" 200 "$STATUS"
		assertNotNull "a token for $name" "$TOKEN"
		assertEquals "token_type for $name" bearer "$(echo "$BODY" | jq -r .token_type)"
	done
}

test_python_users_with_a_wrong_password_are_refused() {
	local entry name email pw kind
	for entry in "${PY_USERS[@]}"; do
		IFS='|' read -r name email pw kind <<<"$entry"
		login "$email" "${pw}x"
		assertHttp 401 '{"detail":"Incorrect email or password"}'
	done
}

test_python_users_are_listed() {
	http GET /users/
	assertHttp 200 '{"users":[{"id":1,"username":"alice","email":"alice@example.com"},{"id":2,"username":"bob","email":"bob@example.com"},{"id":3,"username":"carol","email":"carol@example.com"},{"id":4,"username":"dênis","email":"denis@example.com"}]}'
	http GET /users/4
	assertHttp 200 '{"id":4,"username":"dênis","email":"denis@example.com"}'
}

test_python_user_updates_with_our_token() {
	login carol@example.com testtest
	assertEquals 200 "$STATUS"
	http PUT /users/3 -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-d '{"username":"carol","email":"carol@example.com","password":"carol-new"}'
	assertHttp 200 '{"id":3,"username":"carol","email":"carol@example.com"}'
	# The new hash is ours, verifies with argon2-cffi, and logs in.
	local hash
	hash=$(sql "SELECT password FROM users WHERE id = 3")
	assertTrue "argon2-cffi verifies the rewritten hash" \
		"py '$hash' carol-new <<<'import sys, argon2; argon2.PasswordHasher().verify(sys.argv[1], sys.argv[2])'"
	login carol@example.com carol-new
	assertEquals 200 "$STATUS"
	login carol@example.com testtest
	assertHttp 401 '{"detail":"Incorrect email or password"}'
}

# --- our hashes, read by argon2-cffi ------------------------------------------

test_our_hash_verifies_with_argon2_cffi() {
	register erin erin@example.com 'pa ss-ção'
	assertEquals "register: $BODY" 201 "$STATUS"
	local id hash
	id=$(echo "$BODY" | jq -r .id)
	hash=$(sql "SELECT password FROM users WHERE id = $id")
	assertEquals "pwdlib's parameters" '$argon2id$v=19$m=65536,t=3,p=4$' "${hash:0:31}"
	assertTrue "argon2-cffi verifies it: $hash" \
		"py '$hash' 'pa ss-ção' <<<'import sys, argon2; assert argon2.PasswordHasher().verify(sys.argv[1], sys.argv[2])'"
	assertFalse "argon2-cffi refuses a wrong password" \
		"py '$hash' 'pa ss-cao' 2>/dev/null <<<'import sys, argon2; argon2.PasswordHasher().verify(sys.argv[1], sys.argv[2])'"
	# 16-byte salt, 32-byte hash, unpadded base64, and argon2-cffi does not
	# ask for a rehash with pwdlib's parameters.
	assertEquals "salt and hash lengths" "16 32 False" "$(py "$hash" <<'PY'
import sys, base64, argon2
h = sys.argv[1]
parts = h.split('$')
def b64(s): return base64.b64decode(s + '=' * (-len(s) % 4), validate=True)
ph = argon2.PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16)
try:
    print(len(b64(parts[4])), len(b64(parts[5])), ph.check_needs_rehash(h))
except Exception as e:
    print('not a PHC string:', repr(h), e)
PY
)"
	assertNotContains "no base64 padding in salt or hash" "$(echo "$hash" | cut -d'$' -f5-)" "="
}

test_two_hashes_of_one_password_differ() {
	register frank frank@example.com samepass
	assertEquals 201 "$STATUS"
	register grace grace@example.com samepass
	assertEquals 201 "$STATUS"
	assertNotEquals "a fresh salt each time" \
		"$(sql "SELECT password FROM users WHERE username='frank'")" \
		"$(sql "SELECT password FROM users WHERE username='grace'")"
}

# --- tokens, both ways with PyJWT --------------------------------------------

test_our_token_decodes_with_pyjwt() {
	local t0 t1 out
	t0=$(date +%s)
	login alice@example.com secret
	t1=$(date +%s)
	assertEquals 200 "$STATUS"
	out=$(py "$TOKEN" <<'PY'
import sys, jwt
claims = jwt.decode(sys.argv[1], 'test-secret-key', algorithms=['HS256'])
print(claims['sub'], type(claims['exp']).__name__, claims['exp'], sorted(claims))
PY
)
	assertEquals "PyJWT decodes it: $TOKEN" 0 $?
	local sub exp_type exp claims
	read -r sub exp_type exp claims <<<"$out"
	assertEquals "sub is the email" alice@example.com "$sub"
	assertEquals "exp is an integer" int "$exp_type"
	assertTrue "exp is 30 min after the login ($exp; the login at $t0..$t1)" "[ $exp -ge $((t0 + 1800)) ] && [ $exp -le $((t1 + 1800)) ]"
	assertEquals "the claims" "['auth_time', 'exp', 'iat', 'pwh', 'sub']" "$claims"
	assertEquals "header, byte for byte" '{"alg":"HS256","typ":"JWT"}' \
		"$(py "$TOKEN" <<<"import sys, base64; s = sys.argv[1].split('.')[0]; print(base64.urlsafe_b64decode(s + '=' * (-len(s) % 4)).decode())")"
	assertEquals "PyJWT reads the same header" "{'alg': 'HS256', 'typ': 'JWT'}" \
		"$(py "$TOKEN" <<<"import sys, jwt; print(jwt.get_unverified_header(sys.argv[1]))")"
	assertFalse "PyJWT refuses it with another key" \
		"py '$TOKEN' 2>/dev/null <<<\"import sys, jwt; jwt.decode(sys.argv[1], 'other-key', algorithms=['HS256'])\""
}

test_refreshed_token_decodes_with_pyjwt() {
	login bob@example.com mynewpassword
	assertEquals 200 "$STATUS"
	http POST /auth/refresh_token -H "Authorization: Bearer $TOKEN"
	assertEquals 200 "$STATUS"
	local tok
	tok=$(echo "$BODY" | jq -r .access_token)
	assertEquals "bob@example.com int" "$(py "$tok" <<'PY'
import sys, jwt
c = jwt.decode(sys.argv[1], 'test-secret-key', algorithms=['HS256'])
print(c['sub'], type(c['exp']).__name__)
PY
)"
}

test_pyjwt_token_is_accepted() {
	local tok id
	tok=$(py <<'PY'
import time, jwt
print(jwt.encode({'sub': 'denis@example.com', 'exp': int(time.time()) + 600}, 'test-secret-key', algorithm='HS256'))
PY
)
	assertNotNull "PyJWT made a token" "$tok"
	id=$(sql "SELECT id FROM users WHERE email = 'denis@example.com'")
	http PUT "/users/$id" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
		-d '{"username":"dênis","email":"denis@example.com","password":"s3nh@ çã+&=%20/?"}'
	assertHttp 200 "{\"id\":$id,\"username\":\"dênis\",\"email\":\"denis@example.com\"}"
	http POST /auth/refresh_token -H "Authorization: Bearer $tok"
	assertEquals "refresh with PyJWT's token" 200 "$STATUS"
}

test_pyjwt_token_with_extra_claims_is_accepted() {
	# Python callers may add registered claims PyJWT checks (iat, nbf) or others.
	local tok
	tok=$(py <<'PY'
import time, jwt
now = int(time.time())
print(jwt.encode({'sub': 'alice@example.com', 'exp': now + 600, 'iat': now - 1, 'nbf': now - 5, 'scope': 'x'},
                 'test-secret-key', algorithm='HS256'))
PY
)
	http POST /auth/refresh_token -H "Authorization: Bearer $tok"
	assertEquals "$BODY" 200 "$STATUS"
}

test_pyjwt_token_with_a_float_exp_is_accepted() {
	# PyJWT (and so the FastAPI application) takes a non-integer exp: int(exp).
	local tok
	tok=$(py <<'PY'
import time, jwt
print(jwt.encode({'sub': 'alice@example.com', 'exp': time.time() + 600.5}, 'test-secret-key', algorithm='HS256'))
PY
)
	assertTrue "PyJWT itself accepts it" \
		"py '$tok' <<<\"import sys, jwt; jwt.decode(sys.argv[1], 'test-secret-key', algorithms=['HS256'])\""
	http POST /auth/refresh_token -H "Authorization: Bearer $tok"
	assertEquals "$BODY" 200 "$STATUS"
}

test_pyjwt_token_expired_or_wrongly_signed_is_refused() {
	local tok
	tok=$(py <<'PY'
import time, jwt
print(jwt.encode({'sub': 'alice@example.com', 'exp': int(time.time()) - 60}, 'test-secret-key', algorithm='HS256'))
PY
)
	http POST /auth/refresh_token -H "Authorization: Bearer $tok"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	assertEquals "Bearer" "$(header WWW-Authenticate)"
	tok=$(py <<'PY'
import time, jwt
print(jwt.encode({'sub': 'alice@example.com', 'exp': int(time.time()) + 600}, 'other-secret-key', algorithm='HS256'))
PY
)
	http POST /auth/refresh_token -H "Authorization: Bearer $tok"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
	tok=$(py <<'PY'
import time, jwt
print(jwt.encode({'sub': 'alice@example.com', 'exp': int(time.time()) + 600}, 'test-secret-key', algorithm='HS512'))
PY
)
	http POST /auth/refresh_token -H "Authorization: Bearer $tok"
	assertHttp 401 '{"detail":"Could not validate credentials"}'
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2
