/* docs.c -- FastAPI's interactive documentation: the OpenAPI document, the
 * Swagger UI page and its OAuth2 redirect page, and the ReDoc page.
 *
 * /openapi.json is docs/openapi.json, embedded into the binary when this file
 * is compiled (the .incbin below; mk/docs.mk makes this object depend on the
 * file and passes its absolute path as FZ_OPENAPI_JSON) and sent compact.
 * The file is kept by hand, pretty-printed, equal to what FastAPI generates
 * for the course's application; tests/api/test_docs.sh validates it against
 * the OpenAPI 3.1 schema and checks that it names exactly the routes of
 * router.c. Like FastAPI's own, these four routes are not in it.
 *
 * The pages load Swagger UI and ReDoc from /docs/static/ and /redoc/static/,
 * which nginx serves from docs/node_modules (npm ci in docs/, see
 * mk/docs.mk): nothing is fetched from a CDN. */
#include <string.h>

#include "routes/routes.h"
#include "compat/json_write.h"

#ifndef FZ_OPENAPI_JSON
#define FZ_OPENAPI_JSON "docs/openapi.json"
#endif

/* The file's bytes, NUL-terminated (JSON text holds no NUL). */
__asm__(".pushsection .rodata\n"
	"fz_openapi_json:\n"
	".incbin \"" FZ_OPENAPI_JSON "\"\n"
	".byte 0\n"
	".popsection\n");
extern const char fz_openapi_json[];

#define HTML_TYPE "text/html; charset=utf-8"

/* GET /openapi.json: 200, the OpenAPI 3.1 document, written compact by the
 * same writer as every other answer (json.dumps' separators); 500. */
void docs_openapi(struct ctx *c)
{
	struct json_error err;
	struct json_doc *doc = json_parse(fz_openapi_json, strlen(fz_openapi_json), &err);
	if (doc)
		json_write(http_json(c->res, 200), json_root(doc));
	else /* the build embeds a file test_docs.sh validates: out of memory */
		http_internal_error(c->res, c->req, "out of memory reading the OpenAPI document");
	json_free(doc);
}

static void reply_html(struct ctx *c, const char *html)
{
	c->res->status = 200;
	c->res->content_type = HTML_TYPE;
	buf_reset(&c->res->body);
	buf_adds(&c->res->body, html);
}

/* GET /docs: 200, the page of FastAPI's get_swagger_ui_html() with its
 * default parameters, the assets served locally. */
void docs_swagger_ui(struct ctx *c)
{
	reply_html(c, "<!DOCTYPE html>\n"
		      "<html>\n"
		      "<head>\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n"
		      "<link type=\"text/css\" rel=\"stylesheet\" href=\"/docs/static/swagger-ui.css\">\n"
		      "<link rel=\"shortcut icon\" href=\"/docs/static/favicon-32x32.png\">\n"
		      "<title>FastAPI - Swagger UI</title>\n"
		      "</head>\n"
		      "<body>\n"
		      "<div id=\"swagger-ui\">\n"
		      "</div>\n"
		      "<script src=\"/docs/static/swagger-ui-bundle.js\"></script>\n"
		      "<script>\n"
		      "const ui = SwaggerUIBundle({\n"
		      "    url: '/openapi.json',\n"
		      "    \"dom_id\": \"#swagger-ui\",\n"
		      "    \"layout\": \"BaseLayout\",\n"
		      "    \"deepLinking\": true,\n"
		      "    \"showExtensions\": true,\n"
		      "    \"showCommonExtensions\": true,\n"
		      "    oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect',\n"
		      "    presets: [\n"
		      "        SwaggerUIBundle.presets.apis,\n"
		      "        SwaggerUIBundle.SwaggerUIStandalonePreset\n"
		      "    ],\n"
		      "})\n"
		      "</script>\n"
		      "</body>\n"
		      "</html>\n");
}

/* GET /docs/oauth2-redirect: 200, the page an OAuth2 authorization server
 * sends the browser back to (authorization code and implicit flows; the
 * password flow of this API does not use it). It hands the answer to the
 * Swagger UI window that opened it, as swagger-ui's oauth2-redirect.html
 * does, and closes. */
void docs_oauth2_redirect(struct ctx *c)
{
	reply_html(c,
		   "<!doctype html>\n"
		   "<html lang=\"en-US\">\n"
		   "<head>\n"
		   "<title>Swagger UI: OAuth2 Redirect</title>\n"
		   "</head>\n"
		   "<body>\n"
		   "<script>\n"
		   "'use strict';\n"
		   "function run() {\n"
		   "  var oauth2 = window.opener && window.opener.swaggerUIRedirectOauth2;\n"
		   "  if (!oauth2) {\n"
		   "    document.body.textContent = 'No Swagger UI window is waiting for this answer.';\n"
		   "    return;\n"
		   "  }\n"
		   "  var inHash = /code|token|error/.test(window.location.hash);\n"
		   "  var raw = inHash ? window.location.hash.substring(1).replace('?', '&')\n"
		   "                   : window.location.search.substring(1);\n"
		   "  var qp = {};\n"
		   "  new URLSearchParams(raw).forEach(function (value, key) { qp[key] = value; });\n"
		   "  var isValid = qp.state === oauth2.state;\n"
		   "  var flow = oauth2.auth.schema.get('flow');\n"
		   "  var codeFlow = flow === 'accessCode' || flow === 'authorizationCode' ||\n"
		   "                 flow === 'authorization_code';\n"
		   "  var noCode = 'no accessCode received from the server.';\n"
		   "  if (codeFlow && !oauth2.auth.code) {\n"
		   "    if (!isValid) {\n"
		   "      oauth2.errCb({authId: oauth2.auth.name, source: 'auth', level: 'warning',\n"
		   "        message: 'Authorization may be unsafe, passed state was changed in server. ' +\n"
		   "          \"The passed state wasn't returned from auth server.\"});\n"
		   "    }\n"
		   "    if (qp.code) {\n"
		   "      delete oauth2.state;\n"
		   "      oauth2.auth.code = qp.code;\n"
		   "      oauth2.callback({auth: oauth2.auth, redirectUrl: oauth2.redirectUrl});\n"
		   "    } else {\n"
		   "      var message = '[Authorization failed]: ' + noCode;\n"
		   "      if (qp.error) {\n"
		   "        message = '[' + qp.error + ']: ' +\n"
		   "          (qp.error_description ? qp.error_description + '. ' : noCode + ' ') +\n"
		   "          (qp.error_uri ? 'More info: ' + qp.error_uri : '');\n"
		   "      }\n"
		   "      oauth2.errCb({authId: oauth2.auth.name, source: 'auth', level: 'error', message: "
		   "message});\n"
		   "    }\n"
		   "  } else {\n"
		   "    oauth2.callback({auth: oauth2.auth, token: qp, isValid: isValid,\n"
		   "      redirectUrl: oauth2.redirectUrl});\n"
		   "  }\n"
		   "  window.close();\n"
		   "}\n"
		   "if (document.readyState !== 'loading') {\n"
		   "  run();\n"
		   "} else {\n"
		   "  document.addEventListener('DOMContentLoaded', run);\n"
		   "}\n"
		   "</script>\n"
		   "</body>\n"
		   "</html>\n");
}

/* GET /redoc: 200, the page of FastAPI's get_redoc_html(), the script served
 * locally and without Google Fonts (no request leaves the site). */
void docs_redoc(struct ctx *c)
{
	reply_html(
		c,
		"<!DOCTYPE html>\n"
		"<html>\n"
		"<head>\n"
		"<title>FastAPI - ReDoc</title>\n"
		"<meta charset=\"utf-8\"/>\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<link rel=\"shortcut icon\" href=\"/docs/static/favicon-32x32.png\">\n"
		"<style>\n"
		"  body {\n"
		"    margin: 0;\n"
		"    padding: 0;\n"
		"  }\n"
		"</style>\n"
		"</head>\n"
		"<body>\n"
		"<noscript>\n"
		"    ReDoc requires Javascript to function. Please enable it to browse the documentation.\n"
		"</noscript>\n"
		"<redoc spec-url=\"/openapi.json\"></redoc>\n"
		"<script src=\"/redoc/static/redoc.standalone.js\"> </script>\n"
		"</body>\n"
		"</html>\n");
}
