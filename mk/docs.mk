# mk/docs.mk -- FastAPI's interactive docs: /openapi.json, /docs (Swagger UI),
# /docs/oauth2-redirect and /redoc (src/routes/docs.c).
#
#   make docs-assets    npm ci in docs/ whenever docs/package-lock.json changes:
#                       swagger-ui-dist and redoc, whose files nginx serves at
#                       /docs/static/ and /redoc/static/ (scripts/nginx-conf links them
#                       from docs/node_modules into the runtime folder),
#                       and the tools of tests/api/test_docs.sh
#                       (@seriousme/openapi-schema-validator, playwright-core).
#                       `make run`, `make test` (sanitize, coverage) and
#                       `make cluster` run it first; building the binary
#                       needs neither npm nor the network.
#   make install        also installs those files under $(SHAREDIR)/docs/,
#                       where a deployment's nginx finds them (install-docs).
#
# docs/openapi.json is embedded into the binary by src/routes/docs.c (.incbin):
# its object depends on the file and is given the file's absolute path.

DOCS_NPM_STAMP := docs/node_modules/.fz-npm-ci
# What a deployment serves, relative to docs/node_modules (licences included).
DOCS_SERVED := swagger-ui-dist/swagger-ui-bundle.js swagger-ui-dist/swagger-ui.css swagger-ui-dist/favicon-32x32.png \
	swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt swagger-ui-dist/LICENSE swagger-ui-dist/NOTICE \
	redoc/bundles/redoc.standalone.js redoc/bundles/redoc.standalone.js.LICENSE.txt redoc/LICENSE

.PHONY: docs-assets install-docs uninstall-docs

docs-assets: $(DOCS_NPM_STAMP)

# docs/.npmrc turns install scripts off (swagger-ui-dist's @scarf/scarf would
# report the install over the network) and leaves redoc's React peers out.
$(DOCS_NPM_STAMP): docs/package.json docs/package-lock.json docs/.npmrc
	@command -v npm >/dev/null || { echo "mk/docs.mk: npm is needed to fetch docs/'s packages" >&2; exit 1; }
	cd docs && npm ci --loglevel=error
	@touch $@

$(BUILD)/obj/routes/docs.o build/fuzz/obj/routes/docs.o: docs/openapi.json
$(BUILD)/obj/routes/docs.o: ALL_CFLAGS += -DFZ_OPENAPI_JSON='"$(CURDIR)/docs/openapi.json"'

install: install-docs
uninstall: uninstall-docs

install-docs: docs-assets
	@[ -n "$(SHAREDIR)" ] || { echo "mk/docs.mk: SHAREDIR is not set" >&2; exit 1; }
	for f in $(DOCS_SERVED); do \
		install -D -m 0644 docs/node_modules/$$f $(DESTDIR)$(SHAREDIR)/docs/$$f || exit 1; \
	done

uninstall-docs:
	@[ -n "$(SHAREDIR)" ] || { echo "mk/docs.mk: SHAREDIR is not set" >&2; exit 1; }
	rm -rf $(DESTDIR)$(SHAREDIR)/docs
