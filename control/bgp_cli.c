/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP management commands: show bgp summary | neighbor [ADDR] | ipv4 | ipv6 | evpn [route-type N]
 * [detail] | memory. JSON built from the speaker's and the RIB's views; the text form comes from
 * the generic renderer (tables for arrays of objects).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bgp.h"
#include "bgp_cli.h"
#include "bgp_fib.h"
#include "bgp_rib.h"
#include "config.h"
#include "ctl.h"
#include "mgmt.h"
#include "util.h"

#define J_STR(o, k, v)	json_object_object_add(o, k, json_object_new_string(v))
#define J_INT(o, k, v)	json_object_object_add(o, k, json_object_new_int64((int64_t)(v)))
#define J_BOOL(o, k, v) json_object_object_add(o, k, json_object_new_boolean(v))

static uint32_t cli_asn, cli_router_id;

static const char *ip4_str(uint32_t be, char *buf)
{
	return inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
}

/* "01:02:03" for under a day, "2d03h" beyond, like vtysh. */
static const char *uptime_str(uint64_t ms, char *buf, size_t len)
{
	uint64_t s = ms / 1000;

	if (s < 86400)
		snprintf(buf, len, "%02u:%02u:%02u", (unsigned)(s / 3600), (unsigned)(s / 60 % 60),
			 (unsigned)(s % 60));
	else
		snprintf(buf, len, "%ud%02uh", (unsigned)(s / 86400), (unsigned)(s / 3600 % 24));
	return buf;
}

static struct json_object *af_list(uint32_t mask)
{
	struct json_object *a = json_object_new_array();

	for (unsigned af = 0; af < BGP_AF_MAX; af++)
		if (mask & BGP_AF_BIT(af))
			json_object_array_add(a, json_object_new_string(bgp_af_name(af)));
	return a;
}

static uint64_t sum(const uint64_t *v, unsigned n)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < n; i++)
		s += v[i];
	return s;
}

static struct json_object *cmd_summary(int argc, char **argv, char *err, size_t errlen)
{
	struct json_object *res = json_object_new_object(), *peers = json_object_new_array();
	struct bgp_peer_info in;
	uint64_t now = bgp_now_ms();
	char b[64];

	if (argc) {
		snprintf(err, errlen, "unexpected '%s' (usage: show bgp summary)", argv[0]);
		json_object_put(res);
		json_object_put(peers);
		return NULL;
	}
	J_INT(res, "asn", cli_asn);
	J_STR(res, "router_id", ip4_str(cli_router_id, b));
	for (unsigned i = 0; bgp_peer_get(i, &in); i++) {
		struct json_object *o = json_object_new_object();
		uint32_t rcvd = 0;
		for (unsigned af = 0; af < BGP_AF_MAX; af++)
			rcvd += in.prefixes[af];
		J_STR(o, "neighbor", fmt_ip(&in.conf.addr, b));
		J_INT(o, "as", in.conf.remote_as);
		J_STR(o, "state", bgp_state_name(in.state));
		J_STR(o, "up_down", uptime_str(now - in.state_since_ms, b, sizeof(b)));
		J_INT(o, "msgs_rcvd", sum(in.msgs_in, 6));
		J_INT(o, "msgs_sent", sum(in.msgs_out, 6));
		J_INT(o, "prefixes_received", sum(in.prefixes_announced, BGP_AF_MAX));
		J_INT(o, "prefixes_accepted", rcvd);
		J_INT(o, "prefixes_sent", in.advertised);
		json_object_object_add(
		    o, "families",
		    af_list(in.state == BGP_ST_ESTABLISHED ? in.af_negotiated : in.conf.af_mask));
		J_STR(o, "description", in.conf.description);
		json_object_array_add(peers, o);
	}
	json_object_object_add(res, "peers", peers);
	return res;
}

static struct json_object *caps_json(const struct bgp_caps *c)
{
	char b[512];
	return json_object_new_string(bgp_caps_fmt(c, b, sizeof(b)));
}

static struct json_object *neighbor_json(const struct bgp_peer_info *in)
{
	struct json_object *o = json_object_new_object();
	uint64_t now = bgp_now_ms();
	char b[PG_IP_FMT_LEN + 8], t[32];

	J_STR(o, "neighbor", fmt_ip(&in->conf.addr, b));
	J_INT(o, "remote_as", in->conf.remote_as);
	J_INT(o, "local_as", in->local_as);
	J_STR(o, "type",
	      bgp_peer_conf_ibgp(in->conf.as_type, in->conf.remote_as, in->local_as) ? "internal"
										     : "external");
	J_STR(o, "description", in->conf.description);
	J_STR(o, "state", bgp_state_name(in->state));
	J_STR(o, "state_for", uptime_str(now - in->state_since_ms, t, sizeof(t)));
	J_INT(o, "established_count", in->established_count);
	J_BOOL(o, "passive", in->conf.passive);
	J_BOOL(o, "shutdown", in->conf.shutdown);
	J_BOOL(o, "password", in->has_password); /* whether one is set; never the key */
	J_INT(o, "allowas_in", in->conf.allowas_in);
	if (in->remote_id)
		J_STR(o, "remote_router_id", ip4_str(in->remote_id, b));
	if (in->local_addr.family) {
		fmt_ip(&in->local_addr, b);
		snprintf(b + strlen(b), sizeof(b) - strlen(b), ":%u", in->local_port);
		J_STR(o, "local", b);
		fmt_ip(&in->remote_addr, b);
		snprintf(b + strlen(b), sizeof(b) - strlen(b), ":%u", in->remote_port);
		J_STR(o, "remote", b);
	}
	J_INT(o, "hold_time_configured", in->conf.hold_time);
	if (in->state == BGP_ST_ESTABLISHED) {
		J_INT(o, "hold_time", in->hold);
		J_INT(o, "keepalive", in->keepalive);
		json_object_object_add(o, "families", af_list(in->af_negotiated));
		J_BOOL(o, "as4", in->as4);
		J_BOOL(o, "extended_message", in->ext_msg);
	}
	if (in->state >= BGP_ST_OPENSENT)
		json_object_object_add(o, "capabilities_sent", caps_json(&in->caps_sent));
	if (in->state >= BGP_ST_OPENCONFIRM)
		json_object_object_add(o, "capabilities_received", caps_json(&in->caps_rcvd));
	static const char *const mnames[6] = {"",	   "open",	   "update", "notification",
					      "keepalive", "route_refresh"};
	struct json_object *mi = json_object_new_object(), *mo = json_object_new_object();
	for (unsigned m = 1; m < 6; m++) {
		J_INT(mi, mnames[m], in->msgs_in[m]);
		J_INT(mo, mnames[m], in->msgs_out[m]);
	}
	json_object_object_add(o, "messages_received", mi);
	json_object_object_add(o, "messages_sent", mo);
	struct json_object *pf = json_object_new_array();
	for (unsigned af = 0; af < BGP_AF_MAX; af++) {
		struct json_object *x = json_object_new_object();
		J_STR(x, "family", bgp_af_name(af));
		J_INT(x, "announced", in->prefixes_announced[af]);
		J_INT(x, "withdrawn", in->prefixes_withdrawn[af]);
		J_INT(x, "accepted", in->prefixes[af]);
		J_BOOL(x, "end_of_rib", in->eor_rcvd[af]);
		json_object_array_add(pf, x);
	}
	json_object_object_add(o, "prefixes", pf);
	J_INT(o, "updates_treated_as_withdraw", in->updates_withdrawn_7606);
	J_INT(o, "updates_with_attributes_discarded", in->attrs_discarded_7606);
	J_INT(o, "updates_as_path_loop", in->updates_as_loop);
	J_INT(o, "updates_cluster_loop", in->updates_cluster_loop);
	J_INT(o, "updates_own_vtep", in->updates_self_nh);
	J_INT(o, "prefixes_import_rejected", in->prefixes_import_rejected);
	J_INT(o, "prefixes_export_rejected", in->prefixes_export_rejected);
	if (in->last_notif_sent[0]) {
		snprintf(t, sizeof(t), "%u/%u", in->last_notif_sent[0], in->last_notif_sent[1]);
		J_STR(o, "last_notification_sent", t);
	}
	if (in->last_notif_rcvd[0]) {
		snprintf(t, sizeof(t), "%u/%u", in->last_notif_rcvd[0], in->last_notif_rcvd[1]);
		J_STR(o, "last_notification_received", t);
	}
	J_STR(o, "last_error", in->last_error);
	return o;
}

static struct json_object *cmd_neighbor(int argc, char **argv, char *err, size_t errlen)
{
	struct bgp_peer_info in;
	struct pg_ip ip;

	if (argc > 1 || (argc == 1 && parse_ip(argv[0], &ip) < 0)) {
		snprintf(err, errlen, "usage: show bgp neighbor [ADDRESS]");
		return NULL;
	}
	if (argc == 0) {
		struct json_object *a = json_object_new_array();
		for (unsigned i = 0; bgp_peer_get(i, &in); i++)
			json_object_array_add(a, neighbor_json(&in));
		return a;
	}
	for (unsigned i = 0; bgp_peer_get(i, &in); i++)
		if (ip_equal(&in.conf.addr, &ip))
			return neighbor_json(&in);
	snprintf(err, errlen, "no neighbor %s", argv[0]);
	return NULL;
}

/* ---- routes ---- */

struct route_walk {
	struct json_object *arr;
	int type; /* EVPN route type filter, 0 = all */
	bool detail;
	unsigned n, max;
};

#define ROUTE_SHOW_MAX 10000

static struct json_object *path_json(const struct rib_path_view *p, bool detail)
{
	struct json_object *o = json_object_new_object();
	char b[512];
	static const char *const origins[] = {"igp", "egp", "incomplete"};

	J_STR(o, "nexthop", p->nexthop.family ? fmt_ip(&p->nexthop, b) : "-");
	J_STR(o, "from", p->peer ? fmt_ip(&p->peer_addr, b) : "local");
	J_BOOL(o, "best", p->best);
	J_BOOL(o, "multipath", p->multipath);
	if (p->stale)
		J_BOOL(o, "stale", true);
	J_STR(o, "as_path", bgp_aspath_fmt(p->aspath, p->aspath_len, b, sizeof(b)));
	J_STR(o, "origin", p->origin < 3 ? origins[p->origin] : "?");
	if (p->n_labels) {
		struct json_object *l = json_object_new_array();
		for (unsigned i = 0; i < p->n_labels && i < 2; i++)
			json_object_array_add(l, json_object_new_int64(p->label[i]));
		json_object_object_add(o, "vni", l);
	}
	if (!detail)
		return o;
	if (p->has_med)
		J_INT(o, "med", p->med);
	J_INT(o, "local_pref", p->local_pref);
	J_STR(o, "type", p->peer ? (p->ebgp ? "external" : "internal") : "local");
	if (p->peer_id)
		J_STR(o, "router_id", ip4_str(p->peer_id, b));
	struct json_object *c = json_object_new_array();
	for (unsigned i = 0; i < p->n_communities; i++) {
		const uint8_t *x = p->communities + 4 * i;
		snprintf(b, sizeof(b), "%u:%u", x[0] << 8 | x[1], x[2] << 8 | x[3]);
		json_object_array_add(c, json_object_new_string(b));
	}
	json_object_object_add(o, "communities", c);
	c = json_object_new_array();
	for (unsigned i = 0; i < p->n_ext_communities; i++) {
		uint64_t ec = 0;
		for (unsigned k = 0; k < 8; k++)
			ec = ec << 8 | p->ext_communities[8 * i + k];
		json_object_array_add(c, json_object_new_string(bgp_ec_fmt(ec, b, sizeof(b))));
	}
	json_object_object_add(o, "extended_communities", c);
	c = json_object_new_array();
	for (unsigned i = 0; i < p->n_large_communities; i++) {
		const uint8_t *x = p->large_communities + 12 * i;
		uint32_t v[3];
		for (unsigned k = 0; k < 3; k++)
			v[k] = (uint32_t)x[4 * k] << 24 | (uint32_t)x[4 * k + 1] << 16 |
			       (uint32_t)x[4 * k + 2] << 8 | x[4 * k + 3];
		snprintf(b, sizeof(b), "%u:%u:%u", v[0], v[1], v[2]);
		json_object_array_add(c, json_object_new_string(b));
	}
	json_object_object_add(o, "large_communities", c);
	J_INT(o, "age_s", p->age_ms / 1000);
	return o;
}

static int route_cb(const struct bgp_nlri *n, const struct rib_path_view *paths, unsigned n_paths,
		    void *arg)
{
	struct route_walk *w = arg;
	struct json_object *o, *pa;
	char b[BGP_NLRI_FMT_LEN];

	if (w->type && n->evpn.type != w->type)
		return 0;
	if (w->n++ >= w->max)
		return 1;
	o = json_object_new_object();
	J_STR(o, "prefix", bgp_nlri_fmt(n, b, sizeof(b)));
	if (paths[0].vrf) { /* a host session's route */
		const struct pg_config *c = ctl_cfg();
		J_STR(o, "vrf", paths[0].vrf < c->n_vrfs ? c->vrfs[paths[0].vrf].name : "?");
	}
	if (!w->detail) {
		/* One line per destination: its best path. */
		struct json_object *best = path_json(&paths[0], false);
		json_object_object_foreach(best, k, v)
		    json_object_object_add(o, k, json_object_get(v));
		json_object_put(best);
		J_INT(o, "paths", n_paths);
		json_object_array_add(w->arr, o);
		return 0;
	}
	pa = json_object_new_array();
	for (unsigned i = 0; i < n_paths; i++)
		json_object_array_add(pa, path_json(&paths[i], true));
	json_object_object_add(o, "paths", pa);
	json_object_array_add(w->arr, o);
	return 0;
}

static struct json_object *routes(enum bgp_af af, int argc, char **argv, char *err, size_t errlen)
{
	struct route_walk w = {.arr = json_object_new_array(), .max = ROUTE_SHOW_MAX};

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "detail") == 0) {
			w.detail = true;
		} else if (af == BGP_AF_EVPN && strcmp(argv[i], "route-type") == 0 &&
			   i + 1 < argc) {
			char *end;
			long t = strtol(argv[++i], &end, 10);
			if (*end || (t != 2 && t != 3 && t != 5)) {
				snprintf(err, errlen, "route-type: 2, 3 or 5");
				json_object_put(w.arr);
				return NULL;
			}
			w.type = (int)t;
		} else {
			snprintf(err, errlen, "unexpected '%s' (usage: %s[detail])", argv[i],
				 af == BGP_AF_EVPN ? "[route-type 2|3|5] " : "");
			json_object_put(w.arr);
			return NULL;
		}
	}
	rib_walk(af, route_cb, &w);
	return w.arr;
}

static struct json_object *cmd_ipv4(int argc, char **argv, char *err, size_t errlen)
{
	return routes(BGP_AF_IPV4, argc, argv, err, errlen);
}

static struct json_object *cmd_ipv6(int argc, char **argv, char *err, size_t errlen)
{
	return routes(BGP_AF_IPV6, argc, argv, err, errlen);
}

static struct json_object *cmd_evpn(int argc, char **argv, char *err, size_t errlen)
{
	return routes(BGP_AF_EVPN, argc, argv, err, errlen);
}

static struct json_object *cmd_memory(int argc, char **argv, char *err, size_t errlen)
{
	struct json_object *o = json_object_new_object();
	struct rib_stats s;
	uint64_t paths = 0, dests = 0;

	(void)argc;
	(void)argv;
	rib_stats_get(&s);
	for (unsigned af = 0; af < BGP_AF_MAX; af++) {
		struct json_object *x = json_object_new_object();
		J_INT(x, "destinations", s.dests[af]);
		J_INT(x, "paths", s.paths[af]);
		json_object_object_add(o, bgp_af_name(af), x);
		paths += s.paths[af];
		dests += s.dests[af];
	}
	J_INT(o, "attribute_sets", s.attr_sets);
	J_INT(o, "attribute_bytes", s.attr_bytes);
	J_INT(o, "rib_bytes", s.mem_bytes);
	J_INT(o, "rib_bytes_fixed", s.mem_fixed_bytes);
	J_INT(o, "rib_bytes_per_path",
	      paths && s.mem_bytes > s.mem_fixed_bytes ? (s.mem_bytes - s.mem_fixed_bytes) / paths
						       : 0);
	J_INT(o, "fib_installed", s.fib_installed);
	J_INT(o, "fib_install_failed", s.fib_install_failed);
	J_INT(o, "decisions", s.decisions);
	J_INT(o, "evpn_imported", s.imports);
	J_INT(o, "evpn_unusable", s.import_unusable);
	unsigned nht_nh;
	uint64_t nht_routes, nht_resyncs;
	bgp_fib_nht_stats(&nht_nh, &nht_routes, &nht_resyncs);
	J_INT(o, "nht_nexthops", nht_nh);
	J_INT(o, "nht_routes", nht_routes);
	J_INT(o, "nht_resyncs", nht_resyncs);
	(void)dests;
	return o;
}

/* clear bgp ADDRESS [soft [in|out]] */
static struct json_object *cmd_clear(int argc, char **argv, char *err, size_t errlen)
{
	struct json_object *o;
	struct pg_ip ip;
	const char *what = "reset";
	int rc;

	if (argc < 1 || argc > 3 || parse_ip(argv[0], &ip) < 0 ||
	    (argc >= 2 && strcmp(argv[1], "soft") != 0) ||
	    (argc == 3 && strcmp(argv[2], "in") != 0 && strcmp(argv[2], "out") != 0)) {
		snprintf(err, errlen, "usage: clear bgp ADDRESS [soft [in|out]]");
		return NULL;
	}
	if (argc == 1) {
		rc = bgp_peer_clear(&ip);
	} else if (argc == 2 || strcmp(argv[2], "in") == 0) {
		what = "soft in";
		rc = bgp_peer_soft_in(&ip);
		if (rc == 0 && argc == 2) {
			what = "soft in and out";
			rc = bgp_peer_soft_out(&ip);
		}
	} else {
		what = "soft out";
		rc = bgp_peer_soft_out(&ip);
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", argv[0],
			 rc == -ENOENT	     ? "no such neighbor"
			 : rc == -ENOTCONN   ? "session not established"
			 : rc == -EOPNOTSUPP ? "the neighbor has no route refresh capability"
					     : strerror(-rc));
		return NULL;
	}
	o = json_object_new_object();
	J_STR(o, "neighbor", argv[0]);
	J_STR(o, "done", what);
	return o;
}

void bgp_cli_register(uint32_t asn, uint32_t router_id)
{
	cli_asn = asn;
	cli_router_id = router_id;
	mgmt_register("show bgp summary", "show bgp summary: peers, state, prefixes", cmd_summary);
	mgmt_register("show bgp neighbor", "show bgp neighbor [ADDRESS]: session details",
		      cmd_neighbor);
	mgmt_register("show bgp ipv4", "show bgp ipv4 [detail]: IPv4 unicast RIB", cmd_ipv4);
	mgmt_register("show bgp ipv6", "show bgp ipv6 [detail]: IPv6 unicast RIB", cmd_ipv6);
	mgmt_register("show bgp evpn", "show bgp evpn [route-type 2|3|5] [detail]: EVPN RIB",
		      cmd_evpn);
	mgmt_register("show bgp memory", "show bgp memory: RIB size and bytes per path",
		      cmd_memory);
	mgmt_register("clear bgp",
		      "clear bgp ADDRESS [soft [in|out]]: reset the session, or ask for / send the "
		      "routes again",
		      cmd_clear);
}
