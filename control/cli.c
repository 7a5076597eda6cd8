/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Management commands. Each handler builds JSON from the tables (control thread: it is the writer,
 * so it reads them without RCU); the text form is rendered generically by mgmt_render_text().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "ctl.h"
#include "dp.h"
#include "dp_setup.h"
#include "exc.h"
#include "fib.h"
#include "icmp.h"
#include "mgmt.h"
#include "neigh.h"
#include "nexthop.h"
#include "vni.h"
#include "worker.h"

#define J_STR(o, k, v) json_object_object_add(o, k, json_object_new_string(v))
#define J_INT(o, k, v) json_object_object_add(o, k, json_object_new_int64((int64_t)(v)))

static const char *vrf_name(uint16_t id)
{
	const struct pg_config *c = ctl_cfg();
	return id < c->n_vrfs ? c->vrfs[id].name : "?";
}

static int vrf_arg(int argc, char **argv, int *vrf, int *family, char *err, size_t errlen)
{
	*vrf = -1;
	*family = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "vrf") == 0 && i + 1 < argc) {
			*vrf = config_vrf_index(ctl_cfg(), argv[++i]);
			if (*vrf < 0) {
				snprintf(err, errlen, "unknown VRF '%s'", argv[i]);
				return -1;
			}
		} else if (strcmp(argv[i], "ipv4") == 0) {
			*family = AF_INET;
		} else if (strcmp(argv[i], "ipv6") == 0) {
			*family = AF_INET6;
		} else {
			snprintf(err, errlen, "unexpected '%s' (usage: [vrf NAME] [ipv4|ipv6])",
				 argv[i]);
			return -1;
		}
	}
	return 0;
}

static struct json_object *cmd_interfaces(int argc, char **argv, char *err, size_t errlen)
{
	struct json_object *arr = json_object_new_array(), *res = json_object_new_object();
	struct dp_stats *st = rte_zmalloc(NULL, sizeof(*st), 0);
	const struct pg_config *c = ctl_cfg();

	if (!st) {
		snprintf(err, errlen, "out of memory");
		json_object_put(arr);
		json_object_put(res);
		return NULL;
	}
	dp_stats_sum(st);
	for (unsigned i = 0; i < dp.n_ports; i++) {
		const struct dp_port *p = dp.ports[i];
		struct json_object *o = json_object_new_object(), *addrs = json_object_new_array();
		struct rte_eth_link link = {.link_status = p->virt};
		char mac[PG_MAC_FMT_LEN], b[PG_PREFIX_FMT_LEN];

		if (!p->virt)
			rte_eth_link_get_nowait(p->port_id, &link);
		J_STR(o, "name", p->name);
		J_STR(o, "device", p->device);
		J_STR(o, "driver", p->driver);
		J_INT(o, "port_id", p->port_id);
		J_STR(o, "mac", fmt_mac((const struct pg_mac *)&p->mac, mac));
		J_INT(o, "mtu", p->mtu);
		J_STR(o, "vrf", vrf_name(p->vrf));
		J_STR(o, "link", link.link_status ? "up" : "down");
		for (unsigned a = 0; a < c->ports[i].n_addrs; a++)
			json_object_array_add(
			    addrs, json_object_new_string(fmt_prefix(&c->ports[i].addrs[a], b)));
		json_object_object_add(o, "addresses", addrs);
		J_STR(o, "exception", p->xdp_exc ? "xdp" : p->tap_fd >= 0 ? "tap" : "none");
		J_STR(o, "tap", p->tap_fd >= 0 ? p->tap_name : "none");
		if (p->tap_fd >= 0 && p->tap_netns > 0) { /* nsenter --net=<this> reaches the TAP */
			snprintf(b, sizeof(b), "/proc/%d/fd/%d", (int)getpid(), p->tap_netns);
			J_STR(o, "tap_netns", b);
		}
		J_INT(o, "rx_packets", st->port[i].rx_pkts);
		J_INT(o, "rx_bytes", st->port[i].rx_bytes);
		J_INT(o, "tx_packets", st->port[i].tx_pkts);
		J_INT(o, "tx_bytes", st->port[i].tx_bytes);
		J_INT(o, "punted", st->port[i].punt);
		J_INT(o, "injected", st->port[i].inject);
		json_object_array_add(arr, o);
	}
	rte_free(st);
	json_object_object_add(res, "interfaces", arr);
	return res;
}

static void nh_describe(uint32_t id, char *buf, size_t len)
{
	const struct nh_info *i = nh_info_get(id);
	const struct nh *n = id < dp.max_nh ? dp.nh[id] : NULL;
	struct pg_ip ip = {.family = 0};
	char a[PG_IP_FMT_LEN], m[PG_MAC_FMT_LEN];

	if (!i || !n) {
		snprintf(buf, len, "?");
		return;
	}
	ip.family = i->key.family;
	if (ip.family == AF_INET)
		memcpy(&ip.v4, i->key.ip, 4);
	else if (ip.family == AF_INET6)
		memcpy(ip.v6, i->key.ip, 16);
	const char *port = i->key.port < dp.n_ports ? dp.ports[i->key.port]->name : "?";
	switch (i->key.type) {
	case NH_BLACKHOLE:
		snprintf(buf, len, "blackhole");
		break;
	case NH_LOCAL:
		snprintf(buf, len, "local (%s)", port);
		break;
	case NH_CONNECTED:
		snprintf(buf, len, "connected dev %s", port);
		break;
	case NH_DIRECT:
		snprintf(buf, len, "via %s dev %s%s", fmt_ip(&ip, a), port,
			 n->flags & NH_F_RESOLVED ? "" : " (unresolved)");
		break;
	case NH_VXLAN:
		snprintf(buf, len, "vxlan vtep %s vni %u rmac %s%s", fmt_ip(&ip, a), i->key.vni,
			 fmt_mac(&i->key.rmac, m), n->flags & NH_F_RESOLVED ? "" : " (unresolved)");
		break;
	case NH_IPIP:
		snprintf(buf, len, "ipip remote %s%s", fmt_ip(&ip, a),
			 n->flags & NH_F_RESOLVED ? "" : " (unresolved)");
		break;
	case NH_ECMP: {
		size_t off = (size_t)snprintf(buf, len, "ecmp");
		for (unsigned k = 0; k < i->key.n && off < len; k++)
			off += (size_t)snprintf(buf + off, len - off, " [%u]", i->key.member[k]);
		break;
	}
	default:
		snprintf(buf, len, "?");
	}
}

/* Copies: the route passed to a fib_route_walk callback lives only for the call. */
struct route_list {
	size_t n, cap;
	struct fib_route *r;
};

static int route_collect(const struct fib_route *r, void *arg)
{
	struct route_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct fib_route *n = realloc(l->r, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		l->r = n;
		l->cap = cap;
	}
	l->r[l->n++] = *r;
	return 0;
}

static int route_cmp(const void *a, const void *b)
{
	const struct fib_route *x = a, *y = b;

	if (x->vrf != y->vrf)
		return x->vrf - y->vrf;
	if (x->prefix.ip.family != y->prefix.ip.family)
		return x->prefix.ip.family - y->prefix.ip.family;
	int c = x->prefix.ip.family == AF_INET ? memcmp(&x->prefix.ip.v4, &y->prefix.ip.v4, 4)
					       : memcmp(x->prefix.ip.v6, y->prefix.ip.v6, 16);
	return c ? c : x->prefix.len - y->prefix.len;
}

#define ROUTE_SHOW_MAX 10000

static struct json_object *cmd_route(int argc, char **argv, char *err, size_t errlen)
{
	struct route_list l = {0};
	int vrf, family;

	if (vrf_arg(argc, argv, &vrf, &family, err, errlen) < 0)
		return NULL;
	if (fib_route_walk(vrf < 0 ? UINT16_MAX : (uint16_t)vrf, family, route_collect, &l) < 0) {
		free(l.r);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	qsort(l.r, l.n, sizeof(*l.r), route_cmp);
	struct json_object *res = json_object_new_object(), *arr = json_object_new_array();
	for (size_t i = 0; i < l.n && i < ROUTE_SHOW_MAX; i++) {
		const struct fib_route *r = &l.r[i];
		struct json_object *o = json_object_new_object();
		char p[PG_PREFIX_FMT_LEN], d[256];
		J_STR(o, "vrf", vrf_name(r->vrf));
		J_STR(o, "prefix", fmt_prefix(&r->prefix, p));
		J_STR(o, "origin", route_origin_name(r->origin));
		nh_describe(r->nh, d, sizeof(d));
		J_STR(o, "nexthop", d);
		J_INT(o, "nh_id", r->nh);
		json_object_array_add(arr, o);
	}
	json_object_object_add(res, "routes", arr);
	J_INT(res, "total", l.n);
	if (l.n > ROUTE_SHOW_MAX)
		J_INT(res, "shown", ROUTE_SHOW_MAX);
	free(l.r);
	return res;
}

static struct json_object *cmd_vni(int argc, char **argv, char *err, size_t errlen)
{
	struct json_object *res = json_object_new_object(), *arr = json_object_new_array();
	struct dp_stats *st = rte_zmalloc(NULL, sizeof(*st), 0);

	if (st)
		dp_stats_sum(st);
	for (unsigned s = 1; s < PG_MAX_VNIS; s++) {
		uint32_t vni = vni_of_slot(s);
		char m[PG_MAC_FMT_LEN];
		if (!vni)
			continue;
		struct json_object *o = json_object_new_object();
		uint16_t vrf = vni_vrf_of_slot(s);
		J_INT(o, "vni", vni);
		if (vrf & VNI_L2) {
			J_STR(o, "type", "L2");
			J_INT(o, "bridge_domain", vrf & ~VNI_L2);
		} else {
			J_STR(o, "type", "L3");
			J_STR(o, "vrf", vrf_name(vrf));
			J_STR(o, "router_mac", fmt_mac((const struct pg_mac *)&dp.vni_rmac[s], m));
		}
		J_INT(o, "decap_packets", st ? st->vni[s].decap_pkts : 0);
		J_INT(o, "decap_bytes", st ? st->vni[s].decap_bytes : 0);
		J_INT(o, "encap_packets", st ? st->vni[s].encap_pkts : 0);
		J_INT(o, "encap_bytes", st ? st->vni[s].encap_bytes : 0);
		json_object_array_add(arr, o);
	}
	rte_free(st);
	json_object_object_add(res, "vnis", arr);
	return res;
}

static int neigh_add_json(const struct neigh_view *v, void *arg)
{
	struct json_object *o = json_object_new_object();
	char a[PG_IP_FMT_LEN], m[PG_MAC_FMT_LEN];

	J_STR(o, "port", v->port < dp.n_ports ? dp.ports[v->port]->name : "?");
	J_STR(o, "ip", fmt_ip(&v->ip, a));
	J_STR(o, "mac", strcmp(v->state, "incomplete") == 0 ? "" : fmt_mac(&v->mac, m));
	J_STR(o, "state", v->state);
	J_INT(o, "age_ms", v->age_ms);
	J_INT(o, "held", v->held);
	json_object_array_add(arg, o);
	return 0;
}

static struct json_object *cmd_neighbors(int argc, char **argv, char *err, size_t errlen)
{
	struct json_object *res = json_object_new_object(), *arr = json_object_new_array();

	neigh_walk(neigh_add_json, arr);
	json_object_object_add(res, "neighbors", arr);
	return res;
}

static int nh_add_json(uint32_t id, const struct nh *n, const struct nh_info *i, void *arg)
{
	struct json_object *o = json_object_new_object();
	char d[256];

	J_INT(o, "id", id);
	J_STR(o, "type", nh_type_name(n->type));
	J_STR(o, "vrf", vrf_name(i->key.vrf));
	nh_describe(id, d, sizeof(d));
	J_STR(o, "detail", d);
	J_INT(o, "refs", i->refcnt);
	json_object_array_add(arg, o);
	return 0;
}

static struct json_object *cmd_nexthops(int argc, char **argv, char *err, size_t errlen)
{
	struct json_object *res = json_object_new_object(), *arr = json_object_new_array();

	nh_walk(nh_add_json, arr);
	json_object_object_add(res, "nexthops", arr);
	return res;
}

static int tun_add_json(uint32_t remote, uint32_t flags, uint16_t vrf, void *arg)
{
	struct json_object *o = json_object_new_object();
	struct pg_ip ip = {.family = AF_INET, .v4 = remote};
	char a[PG_IP_FMT_LEN];

	J_STR(o, "remote", fmt_ip(&ip, a));
	J_STR(o, "vxlan", flags & TUN_F_VXLAN ? "yes" : "no");
	J_STR(o, "ipip", flags & TUN_F_IPIP ? "yes" : "no");
	J_STR(o, "ipip_vrf", vrf_name(vrf));
	json_object_array_add(arg, o);
	return 0;
}

static struct json_object *cmd_tunnels(int argc, char **argv, char *err, size_t errlen)
{
	struct json_object *res = json_object_new_object(), *arr = json_object_new_array();

	tun_walk(tun_add_json, arr);
	json_object_object_add(res, "tunnels", arr);
	return res;
}

static struct json_object *cmd_stats(int argc, char **argv, char *err, size_t errlen)
{
	static const char *const class_names[PUNT_CLASS_MAX] = {"control", "resolve", "other"};
	struct dp_stats *st = rte_zmalloc(NULL, sizeof(*st), 0);
	bool all = argc > 0 && strcmp(argv[0], "all") == 0;

	if (argc > 1 || (argc == 1 && !all)) {
		snprintf(err, errlen, "usage: show stats [all]");
		rte_free(st);
		return NULL;
	}
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	dp_stats_sum(st);
	struct json_object *res = json_object_new_object(), *drops = json_object_new_array();
	uint64_t total = 0;
	for (unsigned r = 0; r < DROP_MAX; r++) {
		total += st->drop[r];
		if (!all && st->drop[r] == 0)
			continue;
		struct json_object *o = json_object_new_object();
		J_STR(o, "reason", drop_reason_name(r));
		J_INT(o, "packets", st->drop[r]);
		J_STR(o, "description", drop_reason_text(r));
		json_object_array_add(drops, o);
	}
	json_object_object_add(res, "drops", drops);
	J_INT(res, "drops_total", total);

	struct json_object *punt = json_object_new_object();
	for (unsigned c = 0; c < PUNT_CLASS_MAX; c++)
		J_INT(punt, class_names[c], st->punt_class[c]);
	json_object_object_add(res, "punted", punt);

	struct json_object *exc = json_object_new_object();
	J_INT(exc, "to_kernel", exc_stats.to_kernel);
	J_INT(exc, "from_kernel", exc_stats.from_kernel);
	J_INT(exc, "injected", exc_stats.injected);
	J_INT(exc, "inject_dropped", exc_stats.inject_dropped);
	J_INT(exc, "no_tap", exc_stats.no_tap);
	J_INT(exc, "tap_write_errors", exc_stats.tap_write_errors);
	json_object_object_add(res, "exception_path", exc);

	struct json_object *nb = json_object_new_object();
	J_INT(nb, "arp_requests_sent", neigh_stats.arp_sent);
	J_INT(nb, "ns_sent", neigh_stats.ns_sent);
	J_INT(nb, "learned", neigh_stats.learned);
	J_INT(nb, "held", neigh_stats.held);
	J_INT(nb, "held_released", neigh_stats.flushed);
	J_INT(nb, "held_dropped", neigh_stats.held_dropped);
	J_INT(nb, "failed", neigh_stats.failed);
	J_INT(nb, "kernel_requests", neigh_stats.kernel_requests);
	J_INT(nb, "kernel_learned", neigh_stats.kernel_learned);
	J_INT(nb, "kernel_errors", neigh_stats.kernel_errors);
	json_object_object_add(res, "neighbor", nb);

	struct json_object *ic = json_object_new_object();
	J_INT(ic, "errors_sent_ipv4", icmp_stats.sent4);
	J_INT(ic, "errors_sent_ipv6", icmp_stats.sent6);
	J_INT(ic, "errors_suppressed", icmp_stats.suppressed);
	json_object_object_add(res, "icmp", ic);

	struct json_object *tun = json_object_new_object();
	J_INT(tun, "ipip_decap", st->ipip_decap);
	J_INT(tun, "ipip_encap", st->ipip_encap);
	json_object_object_add(res, "ipip", tun);

	struct json_object *vrfs = json_object_new_array();
	for (unsigned v = 0; v < ctl_cfg()->n_vrfs; v++) {
		struct json_object *o = json_object_new_object();
		J_STR(o, "vrf", vrf_name((uint16_t)v));
		J_INT(o, "forwarded_packets", st->vrf[v].fwd_pkts);
		J_INT(o, "forwarded_bytes", st->vrf[v].fwd_bytes);
		J_INT(o, "routes_ipv4", fib_route_count((uint16_t)v, AF_INET));
		J_INT(o, "routes_ipv6", fib_route_count((uint16_t)v, AF_INET6));
		J_STR(o, "fib_ipv4", fib4_table_kind((uint16_t)v));
		json_object_array_add(vrfs, o);
	}
	json_object_object_add(res, "vrfs", vrfs);

	struct json_object *workers = json_object_new_array();
	for (unsigned w = 0; w < dp.n_workers; w++) {
		const struct dp_stats *ws = dp.stats[w];
		struct json_object *o = json_object_new_object();
		uint64_t rx = 0, tx = 0;
		for (unsigned i = 0; i < dp.n_ports; i++) {
			rx += ws->port[i].rx_pkts;
			tx += ws->port[i].tx_pkts;
		}
		J_INT(o, "worker", w);
		J_INT(o, "lcore", dp.workers[w]->lcore);
		J_INT(o, "rx_packets", rx);
		J_INT(o, "tx_packets", tx);
		J_INT(o, "loops", ws->loops);
		J_INT(o, "busy_loops", ws->busy_loops);
		J_INT(o, "busy_cycles", ws->busy_cycles);
		J_INT(o, "idle_sleeps", ws->idle_sleeps);
		J_INT(o, "idle_sleep_us", ws->idle_sleep_us);
		json_object_array_add(workers, o);
	}
	json_object_object_add(res, "workers", workers);
	rte_free(st);
	return res;
}

void cli_register(void)
{
	mgmt_register("show interfaces", "show interfaces: ports, addresses, counters",
		      cmd_interfaces);
	mgmt_register("show route", "show route [vrf NAME] [ipv4|ipv6]: FIB contents", cmd_route);
	mgmt_register("show vni", "show vni: VNIs with their VRF, router MAC and counters",
		      cmd_vni);
	mgmt_register("show neighbors", "show neighbors: ARP/ND entries", cmd_neighbors);
	mgmt_register("show nexthops", "show nexthops: next hop objects", cmd_nexthops);
	mgmt_register("show tunnels", "show tunnels: accepted tunnel endpoints", cmd_tunnels);
	mgmt_register("show stats", "show stats [all]: drops by reason, punts, VRF counters",
		      cmd_stats);
}
