#!/bin/bash
# test_docs.sh -- FastAPI's interactive docs: /openapi.json is valid OpenAPI
# 3.1 and names exactly the routes of src/routes/router.c; /docs, its OAuth2 redirect
# page and /redoc are FastAPI's pages, loading Swagger UI and ReDoc from the
# files nginx serves out of docs/node_modules (no CDN); and a headless Chromium
# authorizes in /docs and runs "Try it out" (tests/browser/docs.test.mjs).
#
# docs/node_modules (npm ci through docs/package-lock.json) is made by
# `make docs-assets`, run here too; Chromium is Debian's, installed by
# scripts/deps when missing. Only where it cannot be installed is the browser
# test skipped, saying why.
SUITE_NAME=docs
. "$(dirname "$0")/../lib/stack.sh"

DOCS=$ROOT/docs
VALIDATOR=$DOCS/node_modules/.bin/validate-api
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

oneTimeSetUp() {
	# A make of its own: not the jobserver of a `make test` this may run under.
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$ROOT" docs-assets >&2 ||
		return 1
	stack_start
}
oneTimeTearDown() { stack_stop; }

# "METHOD /path" lines, sorted, for the routes of the route table
# (`fast_zero routes`) that /openapi.json documents (not the hidden ones),
# with a "{name}" segment written {} and no trailing slash.
router_routes() {
	"$FZ_BIN" routes | awk '$4 != "hidden" { gsub(/\{[^}]*\}/, "{}", $2); print $1, $2 }' | sort
}

# The same for the paths and methods of the OpenAPI document in file $1.
openapi_routes() {
	jq -r '.paths | to_entries[] | .key as $p | .value | keys[] | "\(ascii_upcase) \($p)"' "$1" |
		sed 's/{[^}]*}/{}/g; s#\([^ ]\)/$#\1#' | sort
}

# Fetches static file $1 into $STACK_DIR/asset; sets STATUS and HEADERS.
asset() {
	HEADERS=$STACK_DIR/last_headers
	STATUS=$(curl -s -o "$STACK_DIR/asset" -D "$HEADERS" -w '%{http_code}' "$BASE_URL$1")
}

# The local files page $1 loads (src= and href= values).
page_assets() {
	grep -o '\(src\|href\)="[^"]*"' <<<"$1" | sed 's/^[a-z]*="//; s/"$//'
}

test_openapi_json_is_the_document_compact() {
	http GET /openapi.json
	assertEquals 200 "$STATUS"
	assertEquals "application/json" "$(header Content-Type)"
	assertEquals "docs/openapi.json, compact" "$(jq -c . "$DOCS/openapi.json")" "$BODY"
	assertEquals "one line" 1 "$(printf '%s\n' "$BODY" | wc -l)"
}

test_openapi_json_is_valid_openapi_3_1() {
	http GET /openapi.json
	printf '%s' "$BODY" >"$STACK_DIR/openapi.json"
	assertEquals "openapi" "3.1.0" "$(jq -r .openapi "$STACK_DIR/openapi.json")"
	out=$("$VALIDATOR" "$STACK_DIR/openapi.json" 2>&1)
	assertTrue "valid against the OpenAPI 3.1 schema: $out" $?
	assertEquals "validator's verdict" true "$(jq -r .valid <<<"$out" 2>/dev/null)"
}

test_openapi_names_every_route_and_no_other() {
	http GET /openapi.json
	printf '%s' "$BODY" >"$STACK_DIR/openapi.json"
	expected=$(router_routes)
	assertNotNull "routes read from fast_zero routes" "$expected"
	assertEquals "methods and paths: the route table vs /openapi.json" "$expected" \
		"$(openapi_routes "$STACK_DIR/openapi.json")"
}

test_openapi_leaves_its_own_routes_out() {
	http GET /openapi.json
	assertEquals "[]" "$(jq -c '[.paths | keys[] | select(test("^/(docs|redoc|openapi\\.json)"))]' <<<"$BODY")"
}

test_openapi_is_fastapis_for_the_course_app() {
	http GET /openapi.json
	assertEquals "info" '{"title":"FastAPI","version":"0.1.0"}' "$(jq -c .info <<<"$BODY")"
	assertEquals "schemas" \
		'["Body_login_for_access_token_auth_token_post","HTTPError","HTTPValidationError","Message","TodoList","TodoPublic","TodoSchema","TodoState","TodoUpdate","Token","UserList","UserPublic","UserSchema","ValidationError"]' \
		"$(jq -c '.components.schemas | keys' <<<"$BODY")"
	assertEquals "security scheme" \
		'{"OAuth2PasswordBearer":{"type":"oauth2","flows":{"password":{"scopes":{},"tokenUrl":"auth/token"}}}}' \
		"$(jq -c .components.securitySchemes <<<"$BODY")"
	assertEquals "EmailStr, of at most 254 characters (ours)" '{"type":"string","format":"email","maxLength":254,"title":"Email"}' \
		"$(jq -c .components.schemas.UserSchema.properties.email <<<"$BODY")"
	assertEquals "ValidationError fields" '["loc","msg","type","input","ctx"]' \
		"$(jq -c '.components.schemas.ValidationError.properties | keys_unsorted' <<<"$BODY")"
	# operationId, summary and tags of each operation, as FastAPI derives them.
	assertEquals "operations" "$(
		cat <<'OPS'
DELETE /todos/{todo_id} delete_todo_todos__todo_id__delete "Delete Todo" todos
DELETE /users/{user_id} delete_user_users__user_id__delete "Delete User" users
GET / read_root__get "Read Root" -
GET /exercicio-html exercicio_aula_02_exercicio_html_get "Exercicio Aula 02" -
GET /health health_health_get "Health" -
GET /todos/ list_todos_todos__get "List Todos" todos
GET /users/ read_users_users__get "Read Users" users
GET /users/{user_id} read_user_users__user_id__get "Read User" users
PATCH /todos/{todo_id} patch_todo_todos__todo_id__patch "Patch Todo" todos
POST /auth/refresh_token refresh_access_token_auth_refresh_token_post "Refresh Access Token" auth
POST /auth/token login_for_access_token_auth_token_post "Login For Access Token" auth
POST /todos/ create_todo_todos__post "Create Todo" todos
POST /users/ create_user_users__post "Create User" users
PUT /users/{user_id} update_user_users__user_id__put "Update User" users
OPS
	)" "$(jq -r '.paths | to_entries[] | .key as $p | .value | to_entries[] |
		"\(.key | ascii_upcase) \($p) \(.value.operationId) \"\(.value.summary)\" \(.value.tags // ["-"] | join(","))"' \
		<<<"$BODY" | sort)"
	# Bearer routes (API.md) carry the security requirement, and only they.
	assertEquals "secured operations" \
		'["DELETE /todos/{todo_id}","DELETE /users/{user_id}","GET /todos/","PATCH /todos/{todo_id}","POST /auth/refresh_token","POST /todos/","PUT /users/{user_id}"]' \
		"$(jq -c '[.paths | to_entries[] | .key as $p | .value | to_entries[] |
			select(.value.security == [{"OAuth2PasswordBearer": []}]) | "\(.key | ascii_upcase) \($p)"] | sort' <<<"$BODY")"
	assertEquals "the token form" \
		'{"content":{"application/x-www-form-urlencoded":{"schema":{"$ref":"#/components/schemas/Body_login_for_access_token_auth_token_post"}}},"required":true}' \
		"$(jq -c '.paths["/auth/token"].post.requestBody' <<<"$BODY")"
}

test_docs_is_swagger_ui_from_local_files() {
	http GET /docs
	assertEquals 200 "$STATUS"
	assertEquals "text/html; charset=utf-8" "$(header Content-Type)"
	assertContains "$BODY" "<title>FastAPI - Swagger UI</title>"
	assertContains "$BODY" "url: '/openapi.json',"
	assertContains "$BODY" '"dom_id": "#swagger-ui",'
	assertContains "$BODY" '"layout": "BaseLayout",'
	assertContains "$BODY" '"deepLinking": true,'
	assertContains "$BODY" "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect',"
	assertContains "$BODY" "SwaggerUIBundle.SwaggerUIStandalonePreset"
	assertNotContains "no address elsewhere" "$BODY" "//"
	assets=$(page_assets "$BODY")
	assertEquals "assets" "$(printf '%s\n' /docs/static/swagger-ui.css /docs/static/favicon-32x32.png \
		/docs/static/swagger-ui-bundle.js)" "$assets"
}

test_docs_assets_load_through_nginx() {
	http GET /docs
	for a in $(page_assets "$BODY"); do
		asset "$a"
		assertEquals "status of $a" 200 "$STATUS"
		case $a in
		*.css) type=text/css src=$DOCS/node_modules/swagger-ui-dist/swagger-ui.css ;;
		*.js) type=application/javascript src=$DOCS/node_modules/swagger-ui-dist/swagger-ui-bundle.js ;;
		*.png) type=image/png src=$DOCS/node_modules/swagger-ui-dist/favicon-32x32.png ;;
		esac
		assertEquals "type of $a" "$type" "$(header Content-Type)"
		assertTrue "$a is $src" "cmp -s '$src' '$STACK_DIR/asset'"
		assertEquals "nosniff on $a" nosniff "$(header X-Content-Type-Options)"
	done
}

test_docs_other_spelling_is_answered_directly() {
	http GET /docs/
	assertEquals 200 "$STATUS"
	assertContains "$BODY" "<title>FastAPI - Swagger UI</title>"
}

test_docs_static_serves_nothing_else() {
	for p in /docs/static/ /docs/static/index.html /docs/static/package.json /docs/static/swagger-ui.js.map; do
		http GET "$p"
		assertHttp 404 '{"detail":"Not Found"}'
	done
	http POST /docs/static/swagger-ui.css
	assertHttp 405 '{"detail":"Method Not Allowed"}'
	assertEquals "application/json" "$(header Content-Type)"
}

test_oauth2_redirect_page() {
	http GET /docs/oauth2-redirect
	assertEquals 200 "$STATUS"
	assertEquals "text/html; charset=utf-8" "$(header Content-Type)"
	assertContains "$BODY" "<title>Swagger UI: OAuth2 Redirect</title>"
	assertContains "$BODY" "window.opener.swaggerUIRedirectOauth2"
}

test_redoc_from_local_files() {
	http GET /redoc
	assertEquals 200 "$STATUS"
	assertEquals "text/html; charset=utf-8" "$(header Content-Type)"
	assertContains "$BODY" "<title>FastAPI - ReDoc</title>"
	assertContains "$BODY" '<redoc spec-url="/openapi.json"></redoc>'
	assertNotContains "no address elsewhere" "$BODY" "//"
	asset /redoc/static/redoc.standalone.js
	assertEquals 200 "$STATUS"
	assertEquals "application/javascript" "$(header Content-Type)"
	assertTrue "the redoc bundle" "cmp -s '$DOCS/node_modules/redoc/bundles/redoc.standalone.js' '$STACK_DIR/asset'"
}

test_docs_routes_are_get_only() {
	for p in /openapi.json /docs /docs/oauth2-redirect /redoc; do
		http POST "$p"
		assertHttp 405 '{"detail":"Method Not Allowed"}'
		assertEquals "Allow of $p" GET "$(header Allow)"
	done
}

test_browser_authorizes_and_tries_it_out() {
	if [ ! -x "$CHROMIUM" ]; then
		"$ROOT/scripts/deps" chromium >&2 </dev/null ||
			echo "# scripts/deps could not install chromium" >&2
	fi
	if [ ! -x "$CHROMIUM" ]; then
		echo "# SKIPPED browser test: $CHROMIUM is missing and Debian's chromium could not be installed here"
		startSkipping
		assertEquals "tests/browser/docs.test.mjs" 0 1 # recorded as skipped
		endSkipping
		return
	fi
	http POST /users/ -H 'Content-Type: application/json' \
		-d '{"username":"swagger","email":"swagger@example.com","password":"s3cret pass"}'
	assertEquals "user created" 201 "$STATUS"
	out=$(CHROMIUM=$CHROMIUM node "$ROOT/tests/browser/docs.test.mjs" "$BASE_URL" swagger@example.com "s3cret pass" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	assertEquals "tests/browser/docs.test.mjs: $out" 0 "$rc"
}

. "$(dirname "$0")/../lib/report.sh"
. shunit2
