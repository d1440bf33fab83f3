/* routes.h -- every handler the route table in router.c points at. Each
 * handler's comment, at its definition, lists the statuses it can answer. */
#ifndef FZ_ROUTES_H
#define FZ_ROUTES_H

#include "../app.h"

handler_fn app_root, app_exercicio_html;

#endif
