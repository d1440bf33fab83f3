/* app.c -- the course's first routes: the greeting and the HTML exercise. */
#include "routes.h"

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
