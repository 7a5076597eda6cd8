/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration -> tables. One writer API (fib_*, nh_*, vni_*, tun_*) used by config now and by
 * BGP later. Runs on the control thread.
 */
#include <errno.h>
#include <string.h>

#include "apply.h"
#include "fib.h"
#include "log.h"
#include "util.h"
#include "neigh.h"
#include "nexthop.h"
#include "vni.h"

static int route_install(uint16_t vrf, const struct pg_prefix *p, uint32_t nh,
			 enum route_origin origin)
{
	uint32_t old;
	int ret = fib_route_add(vrf, p, nh, origin, &old);

	if (ret < 0) {
		nh_put(nh);
		return ret;
	}
	if (old && old != nh)
		fib_release_after_commit(old); /* workers may use it until the commit */
	else if (old == nh)
		nh_put(nh); /* the route already held this reference */
	return 0;
}

/* Inside a batch, tunnel next hops are re-resolved once at its end instead of per route. */
static bool batching, refresh_pending;
static void (*route_hook)(const struct pg_prefix *p);

void apply_set_route_hook(void (*fn)(const struct pg_prefix *p))
{
	route_hook = fn;
}

static void tunnels_refresh(void)
{
	if (batching)
		refresh_pending = true;
	else
		nh_tunnels_refresh();
}

void apply_batch_begin(void)
{
	batching = true;
}

void apply_batch_end(void)
{
	batching = false;
	if (refresh_pending)
		nh_tunnels_refresh();
	refresh_pending = false;
}

int apply_route_add(uint16_t vrf, const struct pg_prefix *p, uint32_t nh, enum route_origin origin)
{
	int ret = route_install(vrf, p, nh, origin);

	if (ret == 0 && vrf == PG_VRF_DEFAULT) {
		tunnels_refresh();
		if (route_hook)
			route_hook(p);
	}
	return ret;
}

int apply_route_del(uint16_t vrf, const struct pg_prefix *p)
{
	uint32_t old;
	int ret = fib_route_del(vrf, p, &old);

	if (ret < 0)
		return ret;
	fib_release_after_commit(old);
	if (vrf == PG_VRF_DEFAULT) {
		tunnels_refresh();
		if (route_hook)
			route_hook(p);
	}
	return 0;
}

/* Local /32 (/128) and connected subnet routes for one interface address. */
static int apply_address(uint16_t port, uint16_t vrf, const struct pg_prefix *a)
{
	struct pg_prefix host = {.ip = a->ip, .len = a->ip.family == AF_INET ? 32 : 128};
	struct pg_prefix net = *a;
	uint32_t id;
	int ret;

	prefix_mask(&net);
	if (net.len < host.len) {
		ret = nh_connected_get(vrf, port, &id);
		if (ret < 0)
			return ret;
		ret = route_install(vrf, &net, id, ROUTE_CONNECTED);
		if (ret < 0)
			return ret;
	}
	ret = nh_local_get(vrf, port, &id);
	if (ret < 0)
		return ret;
	ret = route_install(vrf, &host, id, ROUTE_LOCAL);
	if (ret < 0 || a->ip.family != AF_INET || net.len >= 31)
		return ret;
	/* The subnet's directed broadcast is ours too (the kernel behind the TAP answers). */
	struct pg_prefix bcast = {.ip = net.ip, .len = 32};
	bcast.ip.v4 |= rte_cpu_to_be_32(~0u >> net.len);
	ret = nh_local_get(vrf, port, &id);
	if (ret < 0)
		return ret;
	return route_install(vrf, &bcast, id, ROUTE_LOCAL);
}

static int nexthop_from_cfg(const struct pg_config *cfg, uint16_t vrf, const struct cfg_nexthop *c,
			    uint32_t *id)
{
	switch (c->kind) {
	case CFG_NH_VIA:
		return nh_via_get(vrf, &c->ip, c->port, id);
	case CFG_NH_VXLAN:
		return nh_vxlan_get(vrf, &c->ip, c->vni, &c->rmac, id);
	case CFG_NH_IPIP:
		return nh_ipip_get(vrf, &c->ip, id);
	case CFG_NH_BLACKHOLE:
		*id = nh_blackhole_id();
		nh_ref(*id);
		return 0;
	}
	return -EINVAL;
}

int apply_static_route(const struct pg_config *cfg, const struct cfg_route *r)
{
	uint32_t ids[PG_ECMP_MAX], id;
	char buf[PG_PREFIX_FMT_LEN];
	int ret = 0;

	for (unsigned i = 0; i < r->n_nh; i++) {
		ret = nexthop_from_cfg(cfg, r->vrf, &r->nh[i], &ids[i]);
		if (ret < 0) {
			LOG_ERR("%s:%d: route %s: next hop %u: %s%s", cfg->file, r->nh[i].line,
				fmt_prefix(&r->prefix, buf), i,
				ret == -ENETUNREACH ? "gateway is not on a connected subnet"
						    : strerror(-ret),
				"");
			while (i-- > 0)
				nh_put(ids[i]);
			return ret;
		}
	}
	if (r->n_nh == 1) {
		id = ids[0];
	} else {
		ret = nh_ecmp_get(r->vrf, ids, r->n_nh, &id);
		for (unsigned i = 0; i < r->n_nh; i++)
			nh_put(ids[i]); /* the group holds its own references */
		if (ret < 0) {
			LOG_ERR("%s:%d: route %s: ECMP group: %s", cfg->file, r->line,
				fmt_prefix(&r->prefix, buf), strerror(-ret));
			return ret;
		}
	}
	ret = apply_route_add(r->vrf, &r->prefix, id, ROUTE_STATIC);
	if (ret < 0)
		LOG_ERR("%s:%d: route %s: %s", cfg->file, r->line, fmt_prefix(&r->prefix, buf),
			strerror(-ret));
	return ret;
}

int apply_tables(const struct pg_config *cfg)
{
	char buf[PG_PREFIX_FMT_LEN];
	int ret;

	/* IPv4: every VRF may hold maxRoutes4 (its route hash grows with its routes); tbl8 groups
	 * and IPv6 (rte_fib6 allocates for its maximum) a 16th outside the default VRF (see
	 * docs/architecture.md). */
	for (unsigned v = 0; v < cfg->n_vrfs; v++) {
		unsigned max4 = cfg->dp.max_routes4;
		unsigned tbl8 =
		    v == 0 ? cfg->dp.tbl8_groups : PG_MAX(cfg->dp.tbl8_groups / 16, 256u);
		unsigned max6 =
		    v == 0 ? cfg->dp.max_routes6 : PG_MAX(cfg->dp.max_routes6 / 16, 1024u);
		ret = fib_vrf_create((uint16_t)v, cfg->vrfs[v].name, max4, tbl8, max6);
		if (ret < 0)
			return ret;
	}
	if (cfg->has_vtep)
		atomic_store(&dp.vtep4, cfg->vtep.v4);
	atomic_store(&dp.vxlan_port, rte_cpu_to_be_16(cfg_vxlan_port(cfg)));
	for (unsigned i = 0; i < cfg->n_l3vnis; i++) {
		const struct cfg_l3vni *l = &cfg->l3vnis[i];
		struct pg_mac rmac = l->rmac;
		if (!l->has_rmac)
			config_default_rmac(l->vni, &rmac);
		ret = vni_add(l->vni, l->vrf, &rmac);
		if (ret < 0) {
			LOG_ERR("%s:%d: l3vni %u: %s", cfg->file, l->line, l->vni, strerror(-ret));
			return ret;
		}
	}
	for (unsigned p = 0; p < cfg->n_ports; p++) {
		const struct cfg_port *cp = &cfg->ports[p];
		for (unsigned a = 0; a < cp->n_addrs; a++) {
			ret = apply_address((uint16_t)p, cp->vrf, &cp->addrs[a]);
			if (ret < 0) {
				LOG_ERR("%s:%d: port %s: address: %s", cfg->file, cp->line,
					cp->name, strerror(-ret));
				return ret;
			}
		}
	}
	/* Loopbacks: local in the default VRF; their packets go to the kernel through the
	 * exception path of whichever port they came in on. */
	for (unsigned i = 0; i < cfg->n_loopbacks; i++) {
		struct pg_prefix host = {.ip = cfg->loopbacks[i],
					 .len = cfg->loopbacks[i].family == AF_INET ? 32 : 128};
		uint16_t port = 0;
		uint32_t id;
		while (port < cfg->n_ports && cfg->ports[port].vrf != PG_VRF_DEFAULT)
			port++;
		ret = nh_local_get(PG_VRF_DEFAULT, port < cfg->n_ports ? port : 0, &id);
		if (ret == 0)
			ret = route_install(PG_VRF_DEFAULT, &host, id, ROUTE_LOCAL);
		if (ret < 0) {
			LOG_ERR("loopback %s: %s", fmt_prefix(&host, buf), strerror(-ret));
			return ret;
		}
	}
	for (unsigned i = 0; i < cfg->n_neighbors; i++) {
		const struct cfg_neighbor *n = &cfg->neighbors[i];
		neigh_static_add((uint16_t)n->port, &n->ip, &n->mac);
	}
	for (unsigned i = 0; i < cfg->n_tunnels; i++) {
		const struct cfg_tunnel *t = &cfg->tunnels[i];
		ret = tun_ref(t->remote.v4, t->type == CFG_TUNNEL_VXLAN ? TUN_F_VXLAN : TUN_F_IPIP,
			      t->vrf, t->type == CFG_TUNNEL_IPIP);
		if (ret < 0)
			return ret;
	}
	for (unsigned i = 0; i < cfg->n_routes; i++) {
		ret = apply_static_route(cfg, &cfg->routes[i]);
		if (ret < 0)
			return ret;
	}
	nh_tunnels_refresh();
	return fib_commit();
}
