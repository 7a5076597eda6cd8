/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "apply.h"
#include "bgp.h"
#include "bgp_conf.h"
#include "fib.h"
#include "log.h"
#include "mgmt.h"
#include "neigh.h"
#include "reload.h"
#include "util.h"

static const char *file;
static struct config_opts opts;
static struct pg_config *live;

void reload_init(const char *path, const struct config_opts *o, struct pg_config *cfg)
{
	file = path;
	opts = *o;
	live = cfg;
}

/* The effective configuration as text, without what reload applies live. */
static char *print_fixed(const struct pg_config *c)
{
	struct pg_config x = *c;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	x.n_routes = 0;
	x.routes = NULL;
	x.n_neighbors = 0;
	x.neighbors = NULL;
	x.bgp.n_networks = 0;
	x.bgp.networks = NULL;
	x.bgp.n_neighbors = 0;
	x.bgp.neighbors = NULL;
	x.log_level = 0;
	memset(x.file, 0, sizeof(x.file));
	f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	config_print(&x, f);
	fclose(f);
	return text;
}

/* The first line where a and b differ, cut to fit. */
static void first_diff(const char *a, const char *b, char *out, size_t n)
{
	const char *la = a, *lb = b;

	while (*a && *a == *b) {
		if (*a == '\n') {
			la = a + 1;
			lb = b + 1;
		}
		a++;
		b++;
	}
	int ea = (int)strcspn(la, "\n"), eb = (int)strcspn(lb, "\n");
	snprintf(out, n, "now '%.*s', the file says '%.*s'", ea, la, eb, lb);
}

static bool route_same(const struct cfg_route *a, const struct cfg_route *b)
{
	if (a->vrf != b->vrf || a->n_nh != b->n_nh || !prefix_equal(&a->prefix, &b->prefix))
		return false;
	for (unsigned i = 0; i < a->n_nh; i++) {
		const struct cfg_nexthop *x = &a->nh[i], *y = &b->nh[i];
		if (x->kind != y->kind || !ip_equal(&x->ip, &y->ip) || x->vni != y->vni ||
		    memcmp(&x->rmac, &y->rmac, sizeof(x->rmac)) || x->port != y->port)
			return false;
	}
	return true;
}

static const struct cfg_route *route_in(const struct pg_config *c, const struct cfg_route *r)
{
	for (unsigned i = 0; i < c->n_routes; i++)
		if (c->routes[i].vrf == r->vrf && prefix_equal(&c->routes[i].prefix, &r->prefix))
			return &c->routes[i];
	return NULL;
}

static const struct cfg_neighbor *neigh_in(const struct pg_config *c, const struct cfg_neighbor *n)
{
	for (unsigned i = 0; i < c->n_neighbors; i++)
		if (c->neighbors[i].port == n->port && ip_equal(&c->neighbors[i].ip, &n->ip) &&
		    !memcmp(&c->neighbors[i].mac, &n->mac, sizeof(n->mac)))
			return &c->neighbors[i];
	return NULL;
}

static bool network_in(const struct pg_config *c, const struct pg_prefix *p)
{
	for (unsigned i = 0; i < c->bgp.n_networks; i++)
		if (prefix_equal(&c->bgp.networks[i], p))
			return true;
	return false;
}

static const struct cfg_bgp_neighbor *peer_in(const struct pg_config *c,
					      const struct cfg_bgp_neighbor *n)
{
	for (unsigned i = 0; i < c->bgp.n_neighbors; i++)
		if (ip_equal(&c->bgp.neighbors[i].addr, &n->addr))
			return &c->bgp.neighbors[i];
	return NULL;
}

/* Everything of a neighbor but its line: the same printed configuration (config_print() covers
 * every key, its round trip is tested), in the same fixed part (policy names, bgp.asn). */
static bool peer_same(const struct pg_config *ca, const struct cfg_bgp_neighbor *a,
		      const struct pg_config *cb, const struct cfg_bgp_neighbor *b)
{
	char *ta = NULL, *tb = NULL;
	size_t la = 0, lb = 0;
	FILE *fa = open_memstream(&ta, &la), *fb = open_memstream(&tb, &lb);
	bool same = false;

	if (fa && fb && config_print_bgp_neighbor(ca, a, fa) == 0 &&
	    config_print_bgp_neighbor(cb, b, fb) == 0) {
		fflush(fa);
		fflush(fb);
		same = la == lb && !memcmp(ta, tb, la);
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	free(ta);
	free(tb);
	return same;
}

/* BGP neighbors: a removed one stops (Cease, peer de-configured), a new one starts, a changed
 * one restarts with its new settings; the others are not touched. */
static void peers_diff(const struct pg_config *nc, struct reload_result *res)
{
	char b[PG_IP_FMT_LEN];
	struct bgp_peer_conf pc;

	if (!bgp_running())
		return;
	for (unsigned i = 0; i < live->bgp.n_neighbors; i++) {
		const struct cfg_bgp_neighbor *n = &live->bgp.neighbors[i], *x = peer_in(nc, n);
		if (x && peer_same(live, n, nc, x))
			continue;
		if (bgp_peer_remove(&n->addr) < 0)
			res->peer_errors++;
		else if (!x)
			res->peers_removed++;
		LOG_NOTICE("reload: BGP neighbor %s %s", fmt_ip(&n->addr, b),
			   x ? "changed" : "removed");
	}
	for (unsigned i = 0; i < nc->bgp.n_neighbors; i++) {
		const struct cfg_bgp_neighbor *n = &nc->bgp.neighbors[i], *old = peer_in(live, n);
		if (old && peer_same(live, old, nc, n))
			continue;
		bgp_conf_neighbor(n, &pc);
		int rc = bgp_peer_add(&pc);
		if (rc < 0) {
			LOG_ERR("reload: BGP neighbor %s: %s", fmt_ip(&n->addr, b), strerror(-rc));
			res->peer_errors++;
		} else if (old) {
			res->peers_changed++;
		} else {
			res->peers_added++;
			LOG_NOTICE("reload: BGP neighbor %s added", fmt_ip(&n->addr, b));
		}
	}
}

/* Apply what differs between the live configuration and nc (same fixed part). */
static void apply_diff(struct pg_config *nc, struct reload_result *res)
{
	char b[PG_PREFIX_FMT_LEN];

	for (unsigned i = 0; i < live->n_routes; i++) {
		const struct cfg_route *r = &live->routes[i];
		if (route_in(nc, r))
			continue;
		const struct fib_route *fr = fib_route_find(r->vrf, &r->prefix);
		if (fr && fr->origin == ROUTE_STATIC && apply_route_del(r->vrf, &r->prefix) == 0)
			res->routes_removed++;
		LOG_NOTICE("reload: route %s removed", fmt_prefix(&r->prefix, b));
	}
	for (unsigned i = 0; i < nc->n_routes; i++) {
		const struct cfg_route *r = &nc->routes[i], *old = route_in(live, r);
		if (old && route_same(old, r))
			continue;
		if (apply_static_route(nc, r) < 0) {
			res->route_errors++;
			continue;
		}
		if (old)
			res->routes_changed++;
		else
			res->routes_added++;
		LOG_NOTICE("reload: route %s %s", fmt_prefix(&r->prefix, b),
			   old ? "changed" : "added");
	}
	for (unsigned i = 0; i < live->n_neighbors; i++)
		if (!neigh_in(nc, &live->neighbors[i])) {
			neigh_static_del((uint16_t)live->neighbors[i].port, &live->neighbors[i].ip);
			res->neighbors_removed++;
		}
	for (unsigned i = 0; i < nc->n_neighbors; i++)
		if (!neigh_in(live, &nc->neighbors[i])) {
			neigh_static_add((uint16_t)nc->neighbors[i].port, &nc->neighbors[i].ip,
					 &nc->neighbors[i].mac);
			res->neighbors_added++;
		}
	for (unsigned i = 0; bgp_running() && i < live->bgp.n_networks; i++)
		if (!network_in(nc, &live->bgp.networks[i]) &&
		    bgp_network_set(&live->bgp.networks[i], false) == 0)
			res->networks_removed++;
	for (unsigned i = 0; bgp_running() && i < nc->bgp.n_networks; i++)
		if (!network_in(live, &nc->bgp.networks[i]) &&
		    bgp_network_set(&nc->bgp.networks[i], true) == 0)
			res->networks_added++;
	peers_diff(nc, res);
	if (nc->log_level != live->log_level) {
		pg_log_threshold = (enum pg_log_level)nc->log_level;
		res->log_level_changed = true;
	}
	fib_commit();
}

int reload_run(struct reload_result *res, char *err, size_t errlen)
{
	struct pg_config nc;
	char *a, *b;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!live)
		return -EAGAIN;
	if (config_load_opts(file, &opts, &nc, err, errlen) < 0) {
		config_free(&nc);
		return -EINVAL;
	}
	/* A port the file gives no addresses took its interface's from the kernel at start (and
	 * would again): the same addresses, not a difference. */
	for (unsigned i = 0; i < nc.n_ports && i < live->n_ports; i++) {
		struct cfg_port *np = &nc.ports[i];
		const struct cfg_port *lp = &live->ports[i];
		if (np->n_addrs == 0 && lp->n_addrs && !strcmp(np->name, lp->name) &&
		    !strcmp(np->device, lp->device)) {
			np->n_addrs = lp->n_addrs;
			memcpy(np->addrs, lp->addrs, sizeof(np->addrs));
		}
	}
	a = print_fixed(live);
	b = print_fixed(&nc);
	if (!a || !b) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
	} else if (strcmp(a, b) != 0) {
		char d[320];
		first_diff(a, b, d, sizeof(d));
		snprintf(
		    err, errlen,
		    "%s: only routes, neighbors, bgp.networks, bgp.neighbors and logLevel change "
		    "live; this needs a restart (%s). Nothing was changed",
		    file, d);
		rc = -ENOTSUP;
	} else {
		apply_diff(&nc, res);
		/* The live configuration takes the new lists (nothing else changed). */
		struct cfg_route *r = live->routes;
		struct cfg_neighbor *n = live->neighbors;
		struct pg_prefix *net = live->bgp.networks;
		struct cfg_bgp_neighbor *bn = live->bgp.neighbors;
		unsigned n_bn = live->bgp.n_neighbors;
		live->routes = nc.routes;
		live->n_routes = nc.n_routes;
		live->neighbors = nc.neighbors;
		live->n_neighbors = nc.n_neighbors;
		live->bgp.networks = nc.bgp.networks;
		live->bgp.n_networks = nc.bgp.n_networks;
		live->bgp.neighbors = nc.bgp.neighbors;
		live->bgp.n_neighbors = nc.bgp.n_neighbors;
		live->log_level = nc.log_level;
		nc.routes = r;
		nc.neighbors = n;
		nc.bgp.networks = net;
		nc.bgp.neighbors = bn;
		nc.bgp.n_neighbors = n_bn;
		rc = 0;
	}
	free(a);
	free(b);
	config_free(&nc);
	return rc;
}

static struct json_object *cmd_reload(int argc, char **argv, char *err, size_t errlen)
{
	struct reload_result r;
	struct json_object *o;

	(void)argv;
	if (argc) {
		snprintf(err, errlen, "usage: reload");
		return NULL;
	}
	if (reload_run(&r, err, errlen) < 0)
		return NULL;
	o = json_object_new_object();
#define J(k, v) json_object_object_add(o, k, json_object_new_int64((int64_t)(v)))
	J("routes_added", r.routes_added);
	J("routes_removed", r.routes_removed);
	J("routes_changed", r.routes_changed);
	J("route_errors", r.route_errors);
	J("neighbors_added", r.neighbors_added);
	J("neighbors_removed", r.neighbors_removed);
	J("networks_added", r.networks_added);
	J("networks_removed", r.networks_removed);
	J("bgp_peers_added", r.peers_added);
	J("bgp_peers_removed", r.peers_removed);
	J("bgp_peers_changed", r.peers_changed);
	J("bgp_peer_errors", r.peer_errors);
#undef J
	json_object_object_add(o, "log_level_changed",
			       json_object_new_boolean(r.log_level_changed));
	return o;
}

void reload_cli_register(void)
{
	mgmt_register("reload",
		      "reload: read the configuration file again and apply what changed (routes, "
		      "neighbors, bgp.networks, bgp.neighbors, logLevel)",
		      cmd_reload);
}
