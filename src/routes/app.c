/* app.c -- the course's first routes (the greeting, the HTML exercise) and
 * the health check and the metrics a deployer's monitoring polls. */
#include "routes/metrics.h"
#include "base/scoreboard.h"
#include "routes/routes.h"

/* GET /: 200 {"message":"Olá Mundo!"} */
void app_root(struct ctx *c)
{
	buf_adds(http_json(c->res, 200), "{\"message\":\"Olá Mundo!\"}");
}

/* GET /exercicio-html: 200, the HTML page of lesson 02's exercise. */
void app_exercicio_html(struct ctx *c)
{
	c->res->status = 200;
	c->res->content_type = "text/html; charset=utf-8";
	buf_adds(&c->res->body, "\n    <html>\n      <head>\n        <title>Nosso olá mundo!</title>\n"
				"      </head>\n      <body>\n        <h1> Olá Mundo </h1>\n"
				"      </body>\n    </html>");
}

/* GET /health: 200 {"status":"ok"} when the database answers; 503. */
void app_health(struct ctx *c)
{
	enum store_status status = store_ping(c->app->store);
	if (status == STORE_OK)
		buf_adds(http_json(c->res, 200), "{\"status\":\"ok\"}");
	else
		reply_store_failure(c, status == STORE_ERROR ? STORE_UNAVAILABLE : status);
}

/* GET /metrics: 200 the pool's counters in Prometheus's text format (nginx
 * serves it only to the addresses its config allows); 404 when the worker
 * runs without the pool's scoreboard. */
void app_metrics(struct ctx *c)
{
	const struct scoreboard *sb = scoreboard_get();
	if (!sb) {
		http_error(c->res, 404, "Not Found");
		return;
	}
	struct buf *b = http_json(c->res, 200);
	c->res->content_type = METRICS_CONTENT_TYPE;
	metrics_write(b, sb);
}
