#!/bin/bash
# tests/valgrind.sh -- `make valgrind`: the pool runs under valgrind memcheck
# while a request sequence touches every route and every kind of answer;
# then every process's report must show no error and no leak.
cd "$(dirname "$0")/.." || exit 1
. tests/lib/stack.sh
VG_DIR=$(mktemp -d)
export FZ_WRAP="valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible
	--errors-for-leak-kinds=definite,indirect,possible --track-fds=no --child-silent-after-fork=no
	--log-file=$VG_DIR/vg.%p"
STACK_WAIT_STEPS=1200 stack_start WORKERS=2 || exit 1
json=(-H 'Content-Type: application/json')
requests=0
step() {
	http "$@"
	requests=$((requests + 1))
	echo "$STATUS $1 $2"
}
step GET /
step GET /exercicio-html
step GET /nope
step PATCH /users/1
step POST /users/ "${json[@]}" -d '{"username":"vg","email":"vg@Example.com","password":"pw"}'
step POST /users/ "${json[@]}" -d '{"username":"vg","email":"other@example.com","password":"pw"}'
step POST /users/ "${json[@]}" -d '{"username":1,"email":"bad","password":[1,{"a":null}]}'
step POST /users/ "${json[@]}" -d '{"username": '
step POST /users/ -d 'not json at all'
step POST /users/ "${json[@]}" --data-binary $'\xff\xfe'
step GET '/users/?offset=-1&limit=abc'
step GET '/users/?limit=10'
step GET /users/1
step GET /users/999
step POST /auth/token -d 'username=vg@example.com&password=wrong'
step POST /auth/token -d 'grant_type=nope'
step POST /auth/token -d 'username=vg@example.com&password=pw'
token=$(echo "$BODY" | jq -r .access_token)
step POST /auth/refresh_token -H "Authorization: Bearer $token"
step PUT /users/1 -H "Authorization: Bearer garbage" "${json[@]}" -d '{}'
step PUT /users/2 -H "Authorization: Bearer $token" "${json[@]}" -d '{"username":"x","email":"x@example.com","password":"p"}'
step PUT /users/1 -H "Authorization: Bearer $token" "${json[@]}" -d '{"username":"vg2","email":"vg@example.com","password":"pw2"}'
step DELETE /users/1 -H "Authorization: Bearer $token"
step GET /health
# Lists streamed in parts, kept and served again, and walked in the
# low-priority thread.
sqlite3 "$DB" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
	INSERT INTO users (id, username, password, email) SELECT 100 + i, 'u' || i, 'x', 'u' || i || '@example.com' FROM n"
step GET '/users/?limit=2000'
step GET '/users/?limit=5'
step GET '/users/?limit=5'
step GET '/users/?offset=15000&limit=3'
step GET '/users/?limit=100000'
stack_stop
echo "requests: $requests"
failed=0
for f in "$VG_DIR"/vg.*; do
	if [ -s "$f" ]; then
		echo "== $f" && cat "$f"
		failed=1
	fi
done
echo "valgrind reports: $(ls "$VG_DIR" | wc -l) processes, $([ $failed = 0 ] && echo clean || echo 'with errors')"
rm -rf "$VG_DIR"
exit $failed
