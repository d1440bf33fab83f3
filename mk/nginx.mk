# mk/nginx.mk -- make nginx-map: rewrites the routing map of nginx/upstream.conf
# (from its "# Written by `fast_zero nginx-map`" line to the closing brace)
# with what the route table says now. scripts/nginx-conf writes the same map
# for make run and the tests; tests/api/test_app.sh fails when the copy in
# nginx/upstream.conf is not the table's.
.PHONY: nginx-map
nginx-map: fast_zero
	@./fast_zero nginx-map >build/nginx-map
	@awk -v map=build/nginx-map '/^# Written by `fast_zero nginx-map`/ { \
		while ((getline line < map) > 0) print line; skip = 1; next } \
		skip { if (/^}/) skip = 0; next } { print }' nginx/upstream.conf >build/upstream.conf
	@mv build/upstream.conf nginx/upstream.conf
	@rm -f build/nginx-map
