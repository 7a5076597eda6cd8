/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <rte_malloc.h>

#include "bgp.h"
#include "dp_setup.h"
#include "l2.h"
#include "l2ctl.h"
#include "log.h"
#include "mgmt.h"
#include "nexthop.h"
#include "vni.h"

#define J_STR(o, k, v) json_object_object_add(o, k, json_object_new_string(v))
#define J_INT(o, k, v) json_object_object_add(o, k, json_object_new_int64((int64_t)(v)))

/* Control state of one bridge domain; bd is the copy last published. */
struct bd_ctl {
	bool used;
	uint32_t l3vni;	   /* routed: the L3VNI of its gateway's VRF (0: none) */
	unsigned ageing_s; /* 0: never */
	struct dp_bd bd;
	struct pg_ip flood_vtep[L2_FLOOD_MAX]; /* parallel to bd.flood_nh */
	bool flood_static[L2_FLOOD_MAX];       /* configured: EVPN does not remove it */
};

/* Hosts the gateway resolved. Those whose MAC is local (learned on a port of the bridge domain)
 * are announced as type-2 MAC/IP; a host behind another VTEP is that VTEP's to announce. */
struct gw_host {
	struct gw_host *next;
	uint16_t bd;
	bool announced;
	struct pg_ip ip;
	struct pg_mac mac;
};
#define GW_HOST_BUCKETS 1024

static void gw_hosts_mac(uint16_t bd, const struct pg_mac *mac, bool local);

static struct {
	bool ready;
	struct gw_host *hosts[GW_HOST_BUCKETS];
	unsigned n_bds;
	struct bd_ctl *bds;
	uint64_t last_age_ms;
	uint64_t learned, moved, aged, fdb_full, remote_set, remote_moved_away;
} l2c;

static struct bd_ctl *bd_ctl(uint16_t bd)
{
	return l2c.ready && bd < l2c.n_bds && l2c.bds[bd].used ? &l2c.bds[bd] : NULL;
}

static void mac_of_key(uint64_t k, struct pg_mac *m)
{
	for (unsigned i = 0; i < 6; i++)
		m->b[i] = (uint8_t)(k >> (8 * (5 - i)));
}

static int flood_add(struct bd_ctl *b, const struct pg_ip *vtep, bool configured);

/* The configured flood list and MACs of L2VNI l (bridge domain bd). */
static int static_entries(const struct cfg_l2vni *l, uint16_t bd)
{
	struct bd_ctl *b = &l2c.bds[bd];
	struct pg_mac none = {0};
	int ret;

	for (unsigned k = 0; k < l->n_flood; k++) {
		struct pg_ip v = {.family = AF_INET, .v4 = l->flood[k]};
		if ((ret = flood_add(b, &v, true)) < 0)
			return ret;
	}
	for (unsigned k = 0; k < l->n_macs; k++) {
		const struct cfg_l2mac *m = &l->macs[k];
		struct rte_ether_addr mac;
		uint64_t val = FDB_F_STATIC | FDB_F_CONFIG;
		uint32_t id;
		memcpy(&mac, &m->mac, 6);
		if (m->port >= 0) {
			val |= (uint16_t)m->port;
		} else {
			struct pg_ip v = {.family = AF_INET, .v4 = m->vtep};
			if ((ret = nh_vxlan_get(PG_VRF_DEFAULT, &v, b->bd.vni, &none, &id)) < 0)
				return ret;
			val |= FDB_F_REMOTE | id;
		}
		if ((ret = fdb_set(bd, &mac, val)) < 0) {
			if (val & FDB_F_REMOTE)
				nh_put((uint32_t)val);
			return ret;
		}
	}
	return 0;
}

int l2ctl_setup(const struct pg_config *cfg)
{
	int ret;

	if (cfg->n_l2vnis == 0)
		return 0;
	if (cfg->n_l2vnis > PG_MAX_BDS)
		return -ENOSPC;
	ret = l2_init(FDB_DEFAULT_SIZE);
	if (ret < 0)
		return ret;
	l2c.bds = calloc(cfg->n_l2vnis, sizeof(*l2c.bds));
	if (!l2c.bds) {
		l2_fini();
		return -ENOMEM;
	}
	l2c.n_bds = cfg->n_l2vnis;
	l2c.ready = true;
	for (unsigned i = 0; i < cfg->n_l2vnis; i++) {
		const struct cfg_l2vni *l = &cfg->l2vnis[i];
		struct bd_ctl *b = &l2c.bds[i];
		struct pg_mac none = {0};

		ret = vni_add(l->vni, (uint16_t)(VNI_L2 | i), &none);
		if (ret < 0) {
			LOG_ERR("%s:%d: l2vni %u: %s", cfg->file, l->line, l->vni, strerror(-ret));
			return ret;
		}
		b->used = true;
		b->ageing_s = l->mac_ageing;
		b->bd.vni = l->vni;
		b->bd.id = (uint16_t)i;
		b->bd.irb_port = l->irb_port >= 0 ? (uint16_t)l->irb_port : PG_PORT_NONE;
		for (unsigned k = 0; l->has_vrf && k < cfg->n_l3vnis; k++)
			if (cfg->l3vnis[k].vrf == l->vrf)
				b->l3vni = cfg->l3vnis[k].vni;
		memcpy(&b->bd.gw_mac, &l->gw_mac, 6);
		b->bd.l2_nh_vni = l->vni;
		b->bd.n_ports = (uint16_t)l->n_ports;
		memcpy(b->bd.ports, l->ports, l->n_ports * sizeof(l->ports[0]));
		ret = l2_bd_set(&b->bd);
		if (ret < 0)
			return ret;
		if ((ret = static_entries(l, (uint16_t)i)) < 0) {
			LOG_ERR("%s:%d: l2vni %u: static MACs / flood list: %s", cfg->file, l->line,
				l->vni, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* The FDB's references on next hops go with it. */
static int fini_cb(uint16_t bd, const struct rte_ether_addr *mac, uint64_t val, uint32_t idle_s,
		   void *arg)
{
	(void)bd, (void)mac, (void)idle_s, (void)arg;
	if (val & FDB_F_REMOTE)
		nh_put((uint32_t)val);
	return 0;
}

void l2ctl_fini(void)
{
	if (!l2c.ready)
		return;
	fdb_walk(fini_cb, NULL);
	for (unsigned i = 0; i < GW_HOST_BUCKETS; i++)
		while (l2c.hosts[i]) {
			struct gw_host *h = l2c.hosts[i];
			l2c.hosts[i] = h->next;
			free(h);
		}
	for (unsigned i = 0; i < l2c.n_bds; i++)
		for (unsigned k = 0; k < l2c.bds[i].bd.n_flood; k++)
			nh_put(l2c.bds[i].bd.flood_nh[k]);
	l2_fini();
	free(l2c.bds);
	memset(&l2c, 0, sizeof(l2c));
}

/* ---- local learning and ageing ---- */

static void learn_one(const struct l2_learn *ev, void *arg)
{
	uint16_t bd = (uint16_t)(ev->key >> 48);
	struct bd_ctl *b = bd_ctl(bd);
	struct rte_ether_addr mac;
	struct pg_mac m;
	uint64_t val;
	uint32_t seq = 0;

	(void)arg;
	if (!b)
		return;
	mac_of_key(ev->key, &m);
	memcpy(&mac, &m, 6);
	int pos = fdb_lookup(bd, &mac, &val);
	if (pos >= 0 && (val & FDB_F_STATIC))
		return; /* pinned (configured, or sticky at a remote VTEP) */
	if (pos >= 0 && !(val & FDB_F_REMOTE)) {
		if ((uint16_t)val == ev->port)
			return; /* an event queued before the entry existed */
		/* From one local port to another: nothing changes for the fabric. */
		if (fdb_set(bd, &mac, (val & ~0xffffull) | ev->port) == 0)
			l2c.moved++;
		return;
	}
	if (pos >= 0)
		seq = FDB_SEQ(val) + 1 <= FDB_SEQ_MAX ? FDB_SEQ(val) + 1 : FDB_SEQ_MAX;
	if (fdb_set(bd, &mac, FDB_MK_SEQ(seq) | ev->port) < 0) {
		if (l2c.fdb_full++ == 0)
			LOG_WARN("l2vni %u: FDB full, MACs are not learned (flooded instead)",
				 b->bd.vni);
		return;
	}
	if (pos >= 0) {
		nh_put((uint32_t)val); /* it was behind a VTEP: the MAC moved here */
		l2c.moved++;
	}
	l2c.learned++;
	int rc = bgp_originate_mac(b->bd.vni, &m, seq);
	if (rc < 0 && rc != -ENOENT && rc != -ENOTCONN)
		LOG_WARN("l2vni %u: type-2 announcement: %s", b->bd.vni, strerror(-rc));
	if (b->l3vni)
		gw_hosts_mac(bd, &m, true);
}

#define AGE_BATCH 4096

struct age_ctx {
	unsigned n;
	uint64_t key[AGE_BATCH];
};

static int age_cb(uint16_t bd, const struct rte_ether_addr *mac, uint64_t val, uint32_t idle_s,
		  void *arg)
{
	struct age_ctx *a = arg;
	struct bd_ctl *b = bd_ctl(bd);

	if (!b || (val & (FDB_F_REMOTE | FDB_F_STATIC)) || !b->ageing_s || idle_s <= b->ageing_s)
		return 0;
	a->key[a->n++] = fdb_key(bd, mac);
	return a->n == AGE_BATCH;
}

static void age(void)
{
	static struct age_ctx a;

	a.n = 0;
	fdb_walk(age_cb, &a);
	for (unsigned i = 0; i < a.n; i++) {
		uint16_t bd = (uint16_t)(a.key[i] >> 48);
		struct rte_ether_addr mac;
		struct pg_mac m;
		mac_of_key(a.key[i], &m);
		memcpy(&mac, &m, 6);
		if (fdb_del(bd, &mac) == 0) {
			l2c.aged++;
			bgp_withdraw_mac(l2c.bds[bd].bd.vni, &m);
			if (l2c.bds[bd].l3vni)
				gw_hosts_mac(bd, &m, false);
		}
	}
}

void l2ctl_poll(uint64_t now_ms)
{
	if (!l2c.ready)
		return;
	l2_learn_drain(learn_one, NULL);
	if (now_ms - l2c.last_age_ms >= 1000) {
		l2c.last_age_ms = now_ms;
		age();
	}
}

static int announce_cb(uint16_t bd, const struct rte_ether_addr *mac, uint64_t val, uint32_t idle_s,
		       void *arg)
{
	struct pg_mac m;

	(void)idle_s, (void)arg;
	if (!(val & FDB_F_REMOTE) && bd_ctl(bd)) {
		memcpy(&m, mac, 6);
		bgp_originate_mac(l2c.bds[bd].bd.vni, &m, FDB_SEQ(val));
	}
	return 0;
}

void l2ctl_bgp_sync(void)
{
	if (l2c.ready)
		fdb_walk(announce_cb, NULL);
}

/* ---- hosts behind a gateway (symmetric IRB) ---- */

static struct gw_host **gw_host_slot(uint16_t bd, const struct pg_ip *ip)
{
	uint32_t a =
	    ip->family == AF_INET ? ip->v4 : (uint32_t)ip->v6[15] | (uint32_t)ip->v6[14] << 8;
	uint32_t h = bd * 0x9e3779b1u ^ a;
	struct gw_host **pp = &l2c.hosts[(h ^ h >> 16) % GW_HOST_BUCKETS];

	while (*pp && !((*pp)->bd == bd && ip_equal(&(*pp)->ip, ip)))
		pp = &(*pp)->next;
	return pp;
}

/* Announce or withdraw h as the FDB says: only while its MAC is local. */
static void gw_host_sync(struct gw_host *h, bool local)
{
	const struct bd_ctl *b = &l2c.bds[h->bd];

	if (local == h->announced)
		return;
	h->announced = local;
	if (!local) {
		bgp_withdraw_mac_ip(b->bd.vni, &h->mac, &h->ip, b->l3vni);
		return;
	}
	int rc = bgp_originate_mac_ip(b->bd.vni, &h->mac, &h->ip, b->l3vni);
	if (rc < 0 && rc != -ENOENT && rc != -ENOTCONN)
		LOG_WARN("l2vni %u: type-2 MAC/IP announcement: %s", b->bd.vni, strerror(-rc));
}

/* mac became local (learned here) or stopped being local (aged, moved to a VTEP). */
static void gw_hosts_mac(uint16_t bd, const struct pg_mac *mac, bool local)
{
	for (unsigned i = 0; i < GW_HOST_BUCKETS; i++)
		for (struct gw_host *h = l2c.hosts[i]; h; h = h->next)
			if (h->bd == bd && memcmp(&h->mac, mac, 6) == 0)
				gw_host_sync(h, local);
}

static bool mac_is_local(uint16_t bd, const struct pg_mac *m)
{
	struct rte_ether_addr mac;
	uint64_t val;

	memcpy(&mac, m, 6);
	return fdb_lookup(bd, &mac, &val) >= 0 && !(val & FDB_F_REMOTE);
}

void l2ctl_gateway_host(uint16_t port, const struct pg_ip *ip, const struct pg_mac *mac)
{
	const struct dp_port *p = port < dp.n_ports ? dp.ports[port] : NULL;
	struct bd_ctl *b = p ? bd_ctl(p->irb_bd) : NULL;

	if (!b || !b->l3vni)
		return;
	struct gw_host **pp = gw_host_slot(p->irb_bd, ip), *h = *pp;
	if (h && mac && memcmp(&h->mac, mac, 6) == 0)
		return;
	if (h) {
		gw_host_sync(h, false);
		*pp = h->next;
		free(h);
	}
	if (!mac || !(h = calloc(1, sizeof(*h))))
		return;
	h->bd = p->irb_bd;
	h->ip = *ip;
	h->mac = *mac;
	h->next = *pp;
	*pp = h;
	gw_host_sync(h, mac_is_local(h->bd, mac));
}

/* ---- from EVPN ---- */

int l2ctl_remote_mac_set(uint16_t bd, const struct pg_mac *m, const struct pg_ip *vtep,
			 uint32_t seq, bool sticky)
{
	struct bd_ctl *b = bd_ctl(bd);
	struct rte_ether_addr mac;
	struct pg_mac none = {0};
	uint64_t val = 0;
	uint32_t id;
	int ret;

	if (!b)
		return -ENOENT;
	memcpy(&mac, m, 6);
	int pos = fdb_lookup(bd, &mac, &val);
	if (pos >= 0 && (val & FDB_F_CONFIG))
		return 0; /* configured: stays */
	bool was_local = pos >= 0 && !(val & FDB_F_REMOTE);
	/* Ours until a remote route has a higher sequence (or is sticky and ours is not). */
	if (was_local && !(sticky && !(val & FDB_F_STATIC)) && seq <= FDB_SEQ(val))
		return 0;
	ret = nh_vxlan_get(PG_VRF_DEFAULT, vtep, b->bd.vni, &none, &id);
	if (ret < 0)
		return ret;
	seq = seq <= FDB_SEQ_MAX ? seq : FDB_SEQ_MAX;
	ret = fdb_set(bd, &mac, FDB_F_REMOTE | (sticky ? FDB_F_STATIC : 0) | FDB_MK_SEQ(seq) | id);
	if (ret < 0) {
		nh_put(id);
		return ret;
	}
	l2c.remote_set++;
	if (pos >= 0 && (val & FDB_F_REMOTE))
		nh_put((uint32_t)val);
	if (was_local) {
		l2c.remote_moved_away++;
		bgp_withdraw_mac(b->bd.vni, m);
		if (b->l3vni)
			gw_hosts_mac(bd, m, false);
	}
	return 0;
}

int l2ctl_remote_mac_del(uint16_t bd, const struct pg_mac *m)
{
	struct rte_ether_addr mac;
	uint64_t val;

	if (!bd_ctl(bd))
		return -ENOENT;
	memcpy(&mac, m, 6);
	if (fdb_lookup(bd, &mac, &val) < 0 || !(val & FDB_F_REMOTE) || (val & FDB_F_CONFIG))
		return 0; /* learned here since (ours), or configured */
	fdb_del(bd, &mac);
	nh_put((uint32_t)val);
	return 0;
}

static unsigned flood_find(const struct bd_ctl *b, const struct pg_ip *vtep)
{
	unsigned i;

	for (i = 0; i < b->bd.n_flood; i++)
		if (ip_equal(&b->flood_vtep[i], vtep))
			break;
	return i;
}

static int flood_add(struct bd_ctl *b, const struct pg_ip *vtep, bool configured)
{
	struct pg_mac none = {0};
	unsigned i = flood_find(b, vtep);
	uint32_t id;
	int ret;

	if (i < b->bd.n_flood) {
		b->flood_static[i] |= configured;
		return 0;
	}
	if (b->bd.n_flood == L2_FLOOD_MAX)
		return -ENOSPC;
	ret = nh_vxlan_get(PG_VRF_DEFAULT, vtep, b->bd.vni, &none, &id);
	if (ret < 0)
		return ret;
	b->flood_vtep[b->bd.n_flood] = *vtep;
	b->flood_static[b->bd.n_flood] = configured;
	b->bd.flood_nh[b->bd.n_flood++] = id;
	ret = l2_bd_set(&b->bd);
	if (ret < 0) {
		b->bd.n_flood--;
		nh_put(id);
	}
	return ret;
}

int l2ctl_flood_set(uint16_t bd, const struct pg_ip *vtep, bool add)
{
	struct bd_ctl *b = bd_ctl(bd);
	unsigned i;
	uint32_t id;
	int ret;

	if (!b)
		return -ENOENT;
	if (add)
		return flood_add(b, vtep, false);
	i = flood_find(b, vtep);
	if (i == b->bd.n_flood || b->flood_static[i])
		return 0; /* unknown, or configured: stays */
	id = b->bd.flood_nh[i];
	b->bd.n_flood--;
	b->flood_vtep[i] = b->flood_vtep[b->bd.n_flood];
	b->flood_static[i] = b->flood_static[b->bd.n_flood];
	b->bd.flood_nh[i] = b->bd.flood_nh[b->bd.n_flood];
	ret = l2_bd_set(&b->bd);
	nh_put(id);
	return ret;
}

int l2ctl_arp_set(uint16_t bd, const struct pg_ip *ip, const struct pg_mac *m)
{
	struct rte_ether_addr mac;
	bool v4 = ip->family == AF_INET;

	if (!bd_ctl(bd))
		return -ENOENT;
	if (!m) { /* absent already: fine */
		if (v4)
			arp_cache_del(bd, ip->v4);
		else
			nd_cache_del(bd, ip->v6);
		return 0;
	}
	memcpy(&mac, m, 6);
	return v4 ? arp_cache_set(bd, ip->v4, &mac) : nd_cache_set(bd, ip->v6, &mac);
}

/* ---- CLI ---- */

struct fdb_show {
	struct json_object *arr;
	int vni; /* -1: all */
};

static int fdb_show_cb(uint16_t bd, const struct rte_ether_addr *mac, uint64_t val, uint32_t idle_s,
		       void *arg)
{
	struct fdb_show *s = arg;
	struct bd_ctl *b = bd_ctl(bd);
	char t[PG_MAC_FMT_LEN], a[PG_IP_FMT_LEN];
	struct pg_mac m;

	if (!b || (s->vni >= 0 && (uint32_t)s->vni != b->bd.vni))
		return 0;
	memcpy(&m, mac, 6);
	struct json_object *o = json_object_new_object();
	J_INT(o, "vni", b->bd.vni);
	J_STR(o, "mac", fmt_mac(&m, t));
	if (val & FDB_F_REMOTE) {
		const struct nh_info *ni = nh_info_get((uint32_t)val);
		struct pg_ip ip = {.family = AF_INET};
		if (ni)
			memcpy(&ip.v4, ni->key.ip, 4);
		J_STR(o, "type", "remote");
		J_STR(o, "vtep", ni ? fmt_ip(&ip, a) : "?");
	} else {
		uint16_t p = (uint16_t)val;
		J_STR(o, "type", "local");
		J_STR(o, "port", p < dp.n_ports ? dp.ports[p]->name : "?");
		J_INT(o, "idle_s", idle_s);
	}
	J_INT(o, "seq", FDB_SEQ(val));
	json_object_object_add(o, "sticky", json_object_new_boolean(val & FDB_F_STATIC));
	json_object_object_add(o, "configured", json_object_new_boolean(val & FDB_F_CONFIG));
	json_object_array_add(s->arr, o);
	return 0;
}

/* "[vni N]" of the show commands: *vni = N, or -1 without. */
static int vni_filter(int argc, char **argv, int *vni, const char *cmd, char *err, size_t errlen)
{
	char *end;

	*vni = -1;
	if (argc == 2 && strcmp(argv[0], "vni") == 0) {
		unsigned long v = strtoul(argv[1], &end, 10);
		if (*end || v == 0 || v > 16777215) {
			snprintf(err, errlen, "%s vni N: N is a VNI (1-16777215), got '%s'", cmd,
				 argv[1]);
			return -1;
		}
		*vni = (int)v;
	} else if (argc) {
		snprintf(err, errlen, "usage: %s [vni N]", cmd);
		return -1;
	}
	return 0;
}

static struct json_object *cmd_fdb(int argc, char **argv, char *err, size_t errlen)
{
	struct fdb_show s = {.vni = -1};

	if (vni_filter(argc, argv, &s.vni, "show fdb", err, errlen) < 0)
		return NULL;
	struct json_object *res = json_object_new_object();
	s.arr = json_object_new_array();
	if (l2c.ready)
		fdb_walk(fdb_show_cb, &s);
	json_object_object_add(res, "fdb", s.arr);
	J_INT(res, "total", fdb_count());
	return res;
}

static struct json_object *cmd_l2vni(int argc, char **argv, char *err, size_t errlen)
{
	struct json_object *res = json_object_new_object(), *arr = json_object_new_array();
	char a[PG_IP_FMT_LEN], m[PG_MAC_FMT_LEN];

	(void)argc, (void)argv, (void)err, (void)errlen;
	for (unsigned i = 0; l2c.ready && i < l2c.n_bds; i++) {
		const struct bd_ctl *b = &l2c.bds[i];
		struct json_object *o = json_object_new_object(), *ports = json_object_new_array(),
				   *flood = json_object_new_array();
		J_INT(o, "vni", b->bd.vni);
		J_INT(o, "bridge_domain", i);
		for (unsigned k = 0; k < b->bd.n_ports; k++)
			json_object_array_add(
			    ports, json_object_new_string(dp.ports[b->bd.ports[k]]->name));
		json_object_object_add(o, "ports", ports);
		for (unsigned k = 0; k < b->bd.n_flood; k++)
			json_object_array_add(flood,
					      json_object_new_string(fmt_ip(&b->flood_vtep[k], a)));
		json_object_object_add(o, "flood_vteps", flood);
		J_STR(o, "gateway_mac", fmt_mac((const struct pg_mac *)&b->bd.gw_mac, m));
		J_INT(o, "mac_ageing_s", b->ageing_s);
		json_object_array_add(arr, o);
	}
	json_object_object_add(res, "l2vnis", arr);
	struct json_object *c = json_object_new_object();
	J_INT(c, "learned", l2c.learned);
	J_INT(c, "moved", l2c.moved);
	J_INT(c, "aged", l2c.aged);
	J_INT(c, "fdb_full", l2c.fdb_full);
	J_INT(c, "remote_set", l2c.remote_set);
	J_INT(c, "moved_to_remote", l2c.remote_moved_away);
	struct dp_stats *st = rte_zmalloc(NULL, sizeof(*st), 0);
	if (st) {
		dp_stats_sum(st);
		J_INT(c, "learn_events_lost", st->l2_learn_lost);
		J_INT(c, "arp_suppressed", st->l2_arp_suppressed);
		rte_free(st);
	}
	json_object_object_add(res, "counters", c);
	return res;
}

static int host_show(uint16_t bd, const struct pg_ip *ip, const struct rte_ether_addr *mac,
		     struct fdb_show *s);

static int arp_show_cb(uint16_t bd, uint32_t ip_be, const struct rte_ether_addr *mac, void *arg)
{
	struct pg_ip ip = {.family = AF_INET, .v4 = ip_be};
	return host_show(bd, &ip, mac, arg);
}

static int nd_show_cb(uint16_t bd, const uint8_t *ip6, const struct rte_ether_addr *mac, void *arg)
{
	struct pg_ip ip = {.family = AF_INET6};
	memcpy(ip.v6, ip6, 16);
	return host_show(bd, &ip, mac, arg);
}

static int host_show(uint16_t bd, const struct pg_ip *ip, const struct rte_ether_addr *mac,
		     struct fdb_show *s)
{
	struct bd_ctl *b = bd_ctl(bd);
	char t[PG_MAC_FMT_LEN], a[PG_IP_FMT_LEN];

	if (!b || (s->vni >= 0 && (uint32_t)s->vni != b->bd.vni))
		return 0;
	struct json_object *o = json_object_new_object();
	J_INT(o, "vni", b->bd.vni);
	J_STR(o, "ip", fmt_ip(ip, a));
	J_STR(o, "mac", fmt_mac((const struct pg_mac *)mac, t));
	json_object_array_add(s->arr, o);
	return 0;
}

static struct json_object *cmd_arp_cache(int argc, char **argv, char *err, size_t errlen)
{
	struct fdb_show s = {.vni = -1};

	if (vni_filter(argc, argv, &s.vni, "show arp-cache", err, errlen) < 0)
		return NULL;
	struct json_object *res = json_object_new_object();
	s.arr = json_object_new_array();
	if (l2c.ready) {
		arp_cache_walk(arp_show_cb, &s);
		nd_cache_walk(nd_show_cb, &s);
	}
	json_object_object_add(res, "arp_cache", s.arr);
	J_INT(res, "total", arp_cache_count());
	return res;
}

void l2ctl_cli_register(void)
{
	mgmt_register("show arp-cache",
		      "show arp-cache [vni N]: IPv4/IPv6 hosts of the L2VNIs known from EVPN "
		      "(ARP/ND suppression)",
		      cmd_arp_cache);
	mgmt_register("show fdb", "show fdb [vni N]: MAC table of the L2VNIs", cmd_fdb);
	mgmt_register("show l2vni", "show l2vni: bridge domains, ports, flood lists", cmd_l2vni);
}
