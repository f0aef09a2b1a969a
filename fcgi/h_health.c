/*
 * GET /healthz (no auth): is the store usable, and is a dispatcher ticking?
 * The dispatcher writes its heartbeat at least every second; one older than
 * HEALTH_TICK_MAX_MS means it is not running (or is stuck).
 */
#include "config.h"

#include "dqtime.h"
#include "handlers.h"

#define HEALTH_TICK_MAX_MS	5000

void
h_healthz(struct req *q, struct resp *r)
{
	char when[DQ_TIME_LEN + 1];
	int64_t tick = 0;
	int store_ok, alive;

	store_ok = store_ping(q->st) == DQ_OK;
	if (store_ok && store_meta_get(q->st, "dispatcher_tick", &tick) != DQ_OK)
		tick = 0;
	alive = tick > 0 && q->now - tick < HEALTH_TICK_MAX_MS;
	if (!store_ok || !alive)
		resp_header(r, "Retry-After", "5");
	resp_json(r, store_ok && alive ? 200 : 503,
	    json_pack("{s:s, s:s, s:{s:b, s:s?}}",
	    "status", store_ok && alive ? "ok" : "degraded",
	    "store", store_ok ? "ok" : "unavailable",
	    "dispatcher", "alive", alive, "last_tick_at",
	    tick ? dqtime_format(tick, when, sizeof(when)) : NULL));
}
