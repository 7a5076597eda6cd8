/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "fib.h"
#include "log.h"
#include "util.h"

struct route_key {
	uint16_t vrf;
	uint8_t family;
	uint8_t len;
	uint8_t addr[16];
};

struct fib6_op {
	uint16_t vrf;
	uint8_t len;
	uint8_t del;
	uint32_t nh;
	uint8_t addr[16];
};

/* Control thread only. */
static struct rte_hash *rib;
static unsigned rib_capacity;
static unsigned route_counts[PG_MAX_VRFS][2];
static struct fib6_op *log6;
static unsigned log6_n, log6_cap;
static unsigned fib_seq;

static const char *const origin_names[ROUTE_ORIGIN_MAX] = {"local", "connected", "neighbor",
							      "static", "bgp"};

const char *route_origin_name(enum route_origin o)
{
	return o < ROUTE_ORIGIN_MAX ? origin_names[o] : "?";
}

int fib_init(unsigned capacity)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = capacity,
		.key_len = sizeof(struct route_key),
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	snprintf(name, sizeof(name), "rib%u", fib_seq++);
	rib = rte_hash_create(&hp);
	if (!rib) {
		LOG_ERR("route table of %u entries: %s", capacity, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	rib_capacity = capacity;
	memset(route_counts, 0, sizeof(route_counts));
	return 0;
}

static void route_key_make(struct route_key *k, uint16_t vrf, const struct pg_prefix *p)
{
	memset(k, 0, sizeof(*k));
	k->vrf = vrf;
	k->family = p->ip.family;
	k->len = p->len;
	if (p->ip.family == AF_INET)
		memcpy(k->addr, &p->ip.v4, 4);
	else
		memcpy(k->addr, p->ip.v6, 16);
}

void fib_fini(void)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	for (unsigned v = 0; v < PG_MAX_VRFS; v++)
		fib_vrf_destroy((uint16_t)v);
	if (rib) {
		while (rte_hash_iterate(rib, &key, &data, &it) >= 0)
			free(data);
		rte_hash_free(rib);
		rib = NULL;
	}
	free(log6);
	log6 = NULL;
	log6_n = log6_cap = 0;
}

static struct rte_fib6 *fib6_table_create(uint16_t id, unsigned max6, int copy)
{
	char name[64];
	struct rte_fib6_conf c = {
		.type = RTE_FIB6_TRIE,
		.default_nh = 0,
		.max_routes = (int)max6,
		.trie = {.nh_sz = RTE_FIB6_TRIE_4B, .num_tbl8 = max6 / 8 < 1024 ? 1024 : max6 / 8},
	};

	snprintf(name, sizeof(name), "f6_%u_%d_%u", id, copy, fib_seq++);
	return rte_fib6_create(name, SOCKET_ID_ANY, &c);
}

int fib_vrf_create(uint16_t id, const char *name, unsigned max4, unsigned tbl8, unsigned max6)
{
	char lname[RTE_LPM_NAMESIZE];
	struct rte_lpm_config lc = {.max_rules = max4, .number_tbl8s = tbl8};
	struct rte_lpm_rcu_config rc = {.v = rcu_dpdk_qsbr(), .mode = RTE_LPM_QSBR_MODE_DQ};
	struct dp_vrf *v;

	if (id >= PG_MAX_VRFS)
		return -EINVAL;
	if (dp.vrfs[id])
		return -EEXIST;
	v = rte_zmalloc("vrf", sizeof(*v), RTE_CACHE_LINE_SIZE);
	if (!v)
		return -ENOMEM;
	v->id = id;
	pg_strlcpy(v->name, name, sizeof(v->name));
	snprintf(lname, sizeof(lname), "lpm%u_%u", id, fib_seq++);
	v->fib4 = rte_lpm_create(lname, SOCKET_ID_ANY, &lc);
	if (!v->fib4) {
		LOG_ERR("VRF %s: IPv4 FIB (%u routes, %u tbl8 groups): %s", name, max4, tbl8,
			rte_strerror(rte_errno));
		goto fail;
	}
	if (rte_lpm_rcu_qsbr_add(v->fib4, &rc) != 0) {
		LOG_ERR("VRF %s: attaching RCU to the IPv4 FIB failed", name);
		goto fail;
	}
	/* The IPv6 tables (2 x 64 MiB of tbl24 at least) are created with the first IPv6 route. */
	v->fib6 = rte_zmalloc("fib6", sizeof(*v->fib6), 0);
	if (!v->fib6)
		goto fail;
	v->fib6->max_routes = max6;
	rcu_assign_pointer(dp.vrfs[id], v);
	return 0;
fail:
	if (v->fib6) {
		rte_fib6_free(v->fib6->copy[0]);
		rte_fib6_free(v->fib6->copy[1]);
		rte_free(v->fib6);
	}
	rte_lpm_free(v->fib4);
	rte_free(v);
	return -ENOMEM;
}

static void vrf_free(void *p)
{
	struct dp_vrf *v = p;

	rte_lpm_free(v->fib4);
	rte_fib6_free(v->fib6->copy[0]);
	rte_fib6_free(v->fib6->copy[1]);
	rte_free(v->fib6);
	rte_free(v);
}

void fib_vrf_destroy(uint16_t id)
{
	struct dp_vrf *v;

	if (id >= PG_MAX_VRFS || !dp.vrfs[id])
		return;
	v = dp.vrfs[id];
	rcu_assign_pointer(dp.vrfs[id], NULL);
	rcu_defer_free(vrf_free, v);
}

static int fib6_tables_create(struct dp_vrf *v)
{
	for (int c = 0; c < 2; c++) {
		v->fib6->copy[c] = fib6_table_create(v->id, v->fib6->max_routes, c);
		if (!v->fib6->copy[c]) {
			LOG_ERR("VRF %s: IPv6 FIB (%u routes): %s", v->name, v->fib6->max_routes,
				rte_strerror(rte_errno));
			rte_fib6_free(v->fib6->copy[0]);
			v->fib6->copy[0] = NULL;
			return -ENOMEM;
		}
	}
	rcu_assign_pointer(v->fib6->active, v->fib6->copy[0]);
	return 0;
}

static int log6_append(uint16_t vrf, const struct pg_prefix *p, uint32_t nh, int del)
{
	if (log6_n == log6_cap) {
		unsigned cap = log6_cap ? log6_cap * 2 : 1024;
		struct fib6_op *n = realloc(log6, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		log6 = n;
		log6_cap = cap;
	}
	struct fib6_op *op = &log6[log6_n++];
	op->vrf = vrf;
	op->len = p->len;
	op->del = (uint8_t)del;
	op->nh = nh;
	memcpy(op->addr, p->ip.v6, 16);
	return 0;
}

static int fib_table_write(uint16_t vrf, const struct pg_prefix *p, uint32_t nh, int del)
{
	struct dp_vrf *v = dp.vrfs[vrf];

	if (p->ip.family == AF_INET6) {
		if (!v->fib6->active) {
			int ret = del ? -ENOENT : fib6_tables_create(v);
			if (ret < 0)
				return ret;
		}
		return log6_append(vrf, p, nh, del);
	}
	if (del)
		return rte_lpm_delete(v->fib4, rte_be_to_cpu_32(p->ip.v4), p->len);
	return rte_lpm_add(v->fib4, rte_be_to_cpu_32(p->ip.v4), p->len, nh);
}

int fib_route_add(uint16_t vrf, const struct pg_prefix *p, uint32_t nh, enum route_origin origin,
		  uint32_t *old_nh)
{
	struct route_key k;
	struct fib_route *r = NULL;
	int ret;

	*old_nh = 0;
	if (vrf >= PG_MAX_VRFS || !dp.vrfs[vrf] || nh == 0 || nh >= dp.max_nh)
		return -EINVAL;
	route_key_make(&k, vrf, p);
	if (rte_hash_lookup_data(rib, &k, (void **)&r) >= 0) {
		*old_nh = r->nh;
		if (r->nh == nh && r->origin == origin)
			return 0;
	} else {
		unsigned fam = p->ip.family == AF_INET6;
		unsigned max = fam ? dp.fib6_max_routes : dp.fib4_max_routes;
		if (route_counts[vrf][fam] >= max)
			return -ENOSPC;
		r = malloc(sizeof(*r));
		if (!r)
			return -ENOMEM;
		r->vrf = vrf;
		r->prefix = *p;
		if (rte_hash_add_key_data(rib, &k, r) < 0) {
			free(r);
			return -ENOSPC;
		}
		route_counts[vrf][fam]++;
	}
	ret = fib_table_write(vrf, p, nh, 0);
	if (ret < 0) {
		LOG_WARN("FIB write failed: %s", strerror(-ret));
		if (*old_nh == 0) {
			rte_hash_del_key(rib, &k);
			route_counts[vrf][p->ip.family == AF_INET6]--;
			free(r);
		}
		return ret;
	}
	r->nh = nh;
	r->origin = (uint8_t)origin;
	return 0;
}

int fib_route_del(uint16_t vrf, const struct pg_prefix *p, uint32_t *old_nh)
{
	struct route_key k;
	struct fib_route *r;
	int ret;

	*old_nh = 0;
	if (vrf >= PG_MAX_VRFS || !dp.vrfs[vrf])
		return -EINVAL;
	route_key_make(&k, vrf, p);
	if (rte_hash_lookup_data(rib, &k, (void **)&r) < 0)
		return -ENOENT;
	ret = fib_table_write(vrf, p, 0, 1);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	*old_nh = r->nh;
	rte_hash_del_key(rib, &k);
	route_counts[vrf][p->ip.family == AF_INET6]--;
	free(r);
	return 0;
}

const struct fib_route *fib_route_find(uint16_t vrf, const struct pg_prefix *p)
{
	struct route_key k;
	struct fib_route *r;

	route_key_make(&k, vrf, p);
	if (rte_hash_lookup_data(rib, &k, (void **)&r) < 0)
		return NULL;
	return r;
}

uint32_t fib_lookup_ctl(uint16_t vrf, const struct pg_ip *ip)
{
	struct dp_vrf *v = vrf < PG_MAX_VRFS ? dp.vrfs[vrf] : NULL;

	if (!v)
		return 0;
	if (ip->family == AF_INET) {
		uint32_t nh;
		if (rte_lpm_lookup(v->fib4, rte_be_to_cpu_32(ip->v4), &nh) != 0)
			return 0;
		return nh;
	}
	uint8_t a[1][16];
	uint64_t nh = 0;
	if (!v->fib6->active)
		return 0;
	memcpy(a[0], ip->v6, 16);
	rte_fib6_lookup_bulk(v->fib6->active, a, &nh, 1);
	return (uint32_t)nh;
}

int fib_route_walk(uint16_t vrf, int family, int (*cb)(const struct fib_route *, void *), void *arg)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	int ret;

	while (rte_hash_iterate(rib, &key, &data, &it) >= 0) {
		const struct fib_route *r = data;
		if (vrf != UINT16_MAX && r->vrf != vrf)
			continue;
		if (family && r->prefix.ip.family != family)
			continue;
		ret = cb(r, arg);
		if (ret)
			return ret;
	}
	return 0;
}

unsigned fib_route_count(uint16_t vrf, int family)
{
	unsigned n = 0;

	for (unsigned v = 0; v < PG_MAX_VRFS; v++) {
		if (vrf != UINT16_MAX && v != vrf)
			continue;
		if (family != AF_INET6)
			n += route_counts[v][0];
		if (family != AF_INET)
			n += route_counts[v][1];
	}
	return n;
}

/* Apply the log to every touched VRF's standby (not active) copy. */
static void log6_replay(void)
{
	for (unsigned i = 0; i < log6_n; i++) {
		struct fib6_op *op = &log6[i];
		struct dp_vrf *v = dp.vrfs[op->vrf];
		struct rte_fib6 *f;
		int ret;

		if (!v || !v->fib6->active)
			continue;
		f = v->fib6->copy[0] == v->fib6->active ? v->fib6->copy[1] : v->fib6->copy[0];
		if (op->del)
			ret = rte_fib6_delete(f, op->addr, op->len);
		else
			ret = rte_fib6_add(f, op->addr, op->len, op->nh);
		if (ret < 0 && !(op->del && ret == -ENOENT))
			LOG_WARN("IPv6 FIB update in VRF %u failed: %s", op->vrf, strerror(-ret));
	}
}

int fib_commit(void)
{
	bool touched[PG_MAX_VRFS] = {false};

	if (log6_n == 0)
		return 0;
	/* 1. apply to the standby copies, 2. swap, 3. wait, 4. apply to the new standby copies. */
	log6_replay();
	for (unsigned i = 0; i < log6_n; i++)
		touched[log6[i].vrf] = true;
	for (unsigned v = 0; v < PG_MAX_VRFS; v++) {
		struct dp_vrf *vrf = dp.vrfs[v];
		if (!touched[v] || !vrf || !vrf->fib6->active)
			continue;
		struct rte_fib6 *next = vrf->fib6->copy[0] == vrf->fib6->active ? vrf->fib6->copy[1]
										 : vrf->fib6->copy[0];
		rcu_assign_pointer(vrf->fib6->active, next);
	}
	rcu_synchronize();
	log6_replay();
	log6_n = 0;
	return 0;
}
