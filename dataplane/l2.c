/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "l2.h"
#include "log.h"

struct rte_hash *pg_fdb;
struct rte_hash *pg_arp_cache;
struct rte_hash *pg_nd_cache;
uint32_t *pg_fdb_seen;
struct dp_bd *pg_bds[PG_MAX_BDS];

static struct rte_ring *learn[PG_MAX_WORKERS];
static unsigned fdb_cap;
static unsigned l2_seq;

static uint32_t fdb_hash(const void *key, uint32_t len, uint32_t init)
{
	uint64_t k;
	(void)len;
	memcpy(&k, key, 8);
	return rte_hash_crc_8byte(k, init);
}

/* A table the workers read lock-free while the control thread writes; a deleted entry's slot is
 * reused only after every worker has passed a quiescent state. */
static struct rte_hash *lf_hash_create(const char *what, unsigned entries, uint32_t key_len)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
	    .name = name,
	    .entries = entries,
	    .key_len = key_len,
	    .hash_func = key_len == sizeof(uint64_t) ? fdb_hash : rte_hash_crc,
	    .socket_id = SOCKET_ID_ANY,
	    .extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash_rcu_config rc = {
	    .v = rcu_dpdk_qsbr(),
	    .mode = RTE_HASH_QSBR_MODE_DQ,
	};
	struct rte_hash *h;

	snprintf(name, sizeof(name), "%s%u", what, l2_seq++);
	h = rte_hash_create(&hp);
	if (!h) {
		LOG_ERR("%s of %u entries: %s", what, entries, rte_strerror(rte_errno));
		return NULL;
	}
	if (rc.v && rte_hash_rcu_qsbr_add(h, &rc) != 0) {
		LOG_ERR("%s: RCU: %s", what, rte_strerror(rte_errno));
		rte_hash_free(h);
		return NULL;
	}
	return h;
}

int l2_init(unsigned fdb_size)
{
	char name[RTE_HASH_NAMESIZE];

	fdb_cap = fdb_size ? fdb_size : FDB_DEFAULT_SIZE;
	pg_fdb = lf_hash_create("fdb", fdb_cap, sizeof(uint64_t));
	pg_arp_cache = lf_hash_create("arpc", fdb_cap, sizeof(uint64_t));
	pg_nd_cache = lf_hash_create("ndc", fdb_cap, sizeof(struct nd_key));
	if (!pg_fdb || !pg_arp_cache || !pg_nd_cache) {
		l2_fini();
		return -ENOMEM;
	}
	/* Key slots run up to entries (plus the per-core cache slack the library keeps). */
	pg_fdb_seen = rte_zmalloc("fdb_seen", (size_t)(fdb_cap + 1024) * sizeof(uint32_t), 0);
	if (!pg_fdb_seen) {
		l2_fini();
		return -ENOMEM;
	}
	for (unsigned w = 0; w < PG_MAX_WORKERS; w++) {
		snprintf(name, sizeof(name), "l2learn%u_%u", w, l2_seq);
		learn[w] = rte_ring_create_elem(name, sizeof(struct l2_learn), L2_LEARN_RING_SIZE,
						SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!learn[w]) {
			l2_fini();
			return -ENOMEM;
		}
	}
	return 0;
}

void l2_fini(void)
{
	for (unsigned i = 0; i < PG_MAX_BDS; i++) {
		rte_free(pg_bds[i]);
		pg_bds[i] = NULL;
	}
	for (unsigned w = 0; w < PG_MAX_WORKERS; w++) {
		rte_ring_free(learn[w]);
		learn[w] = NULL;
	}
	rte_hash_free(pg_fdb);
	pg_fdb = NULL;
	rte_hash_free(pg_arp_cache);
	pg_arp_cache = NULL;
	rte_hash_free(pg_nd_cache);
	pg_nd_cache = NULL;
	rte_free(pg_fdb_seen);
	pg_fdb_seen = NULL;
}

static void bd_free(void *p)
{
	rte_free(p);
}

int l2_bd_set(const struct dp_bd *bd)
{
	struct dp_bd *n, *old;

	if (bd->id >= PG_MAX_BDS)
		return -EINVAL;
	n = rte_malloc("bd", sizeof(*n), RTE_CACHE_LINE_SIZE);
	if (!n)
		return -ENOMEM;
	*n = *bd;
	old = pg_bds[bd->id];
	rcu_assign_pointer(pg_bds[bd->id], n);
	if (old)
		rcu_defer_free(bd_free, old);
	return 0;
}

void l2_bd_del(uint16_t id)
{
	struct dp_bd *old;

	if (id >= PG_MAX_BDS || !(old = pg_bds[id]))
		return;
	rcu_assign_pointer(pg_bds[id], NULL);
	rcu_defer_free(bd_free, old);
}

const struct dp_bd *l2_bd_ctl(uint16_t id)
{
	return id < PG_MAX_BDS ? pg_bds[id] : NULL;
}

int fdb_set(uint16_t bd, const struct rte_ether_addr *mac, uint64_t val)
{
	uint64_t k = fdb_key(bd, mac);
	int pos = rte_hash_add_key_data(pg_fdb, &k, (void *)(uintptr_t)val);

	if (pos < 0)
		return pos;
	pos = rte_hash_lookup(pg_fdb, &k);
	if (pos >= 0)
		__atomic_store_n(&pg_fdb_seen[pos], l2_now_s(), __ATOMIC_RELAXED);
	return 0;
}

int fdb_del(uint16_t bd, const struct rte_ether_addr *mac)
{
	uint64_t k = fdb_key(bd, mac);
	int pos = rte_hash_del_key(pg_fdb, &k);

	return pos < 0 ? pos : 0;
}

int fdb_walk(int (*cb)(uint16_t bd, const struct rte_ether_addr *mac, uint64_t val, uint32_t idle_s,
		       void *arg),
	     void *arg)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	uint32_t now = l2_now_s();
	int32_t pos;

	while ((pos = rte_hash_iterate(pg_fdb, &key, &data, &it)) >= 0) {
		uint64_t k;
		struct rte_ether_addr mac;
		memcpy(&k, key, 8);
		for (unsigned i = 0; i < 6; i++)
			mac.addr_bytes[i] = (uint8_t)(k >> (8 * (5 - i)));
		uint32_t seen = __atomic_load_n(&pg_fdb_seen[pos], __ATOMIC_RELAXED);
		int rc = cb((uint16_t)(k >> 48), &mac, (uint64_t)(uintptr_t)data,
			    seen ? now - seen : UINT32_MAX, arg);
		if (rc)
			return rc;
	}
	return 0;
}

unsigned fdb_count(void)
{
	return pg_fdb ? (unsigned)rte_hash_count(pg_fdb) : 0;
}

int arp_cache_set(uint16_t bd, uint32_t ip_be, const struct rte_ether_addr *mac)
{
	uint64_t k = (uint64_t)bd << 32 | ip_be, v = 0;

	memcpy(&v, mac, 6);
	return rte_hash_add_key_data(pg_arp_cache, &k, (void *)(uintptr_t)v);
}

int arp_cache_del(uint16_t bd, uint32_t ip_be)
{
	uint64_t k = (uint64_t)bd << 32 | ip_be;
	int pos = rte_hash_del_key(pg_arp_cache, &k);

	return pos < 0 ? pos : 0;
}

int arp_cache_walk(int (*cb)(uint16_t bd, uint32_t ip_be, const struct rte_ether_addr *mac,
			     void *arg),
		   void *arg)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	while (rte_hash_iterate(pg_arp_cache, &key, &data, &it) >= 0) {
		uint64_t k, v = (uint64_t)(uintptr_t)data;
		struct rte_ether_addr mac;
		memcpy(&k, key, 8);
		memcpy(&mac, &v, 6);
		int rc = cb((uint16_t)(k >> 32), (uint32_t)k, &mac, arg);
		if (rc)
			return rc;
	}
	return 0;
}

unsigned arp_cache_count(void)
{
	return (pg_arp_cache ? (unsigned)rte_hash_count(pg_arp_cache) : 0) +
	       (pg_nd_cache ? (unsigned)rte_hash_count(pg_nd_cache) : 0);
}

int nd_cache_set(uint16_t bd, const uint8_t *ip6, const struct rte_ether_addr *mac)
{
	struct nd_key k = nd_key(bd, ip6);
	uint64_t v = 0;

	memcpy(&v, mac, 6);
	return rte_hash_add_key_data(pg_nd_cache, &k, (void *)(uintptr_t)v);
}

int nd_cache_del(uint16_t bd, const uint8_t *ip6)
{
	struct nd_key k = nd_key(bd, ip6);
	int pos = rte_hash_del_key(pg_nd_cache, &k);

	return pos < 0 ? pos : 0;
}

int nd_cache_walk(int (*cb)(uint16_t bd, const uint8_t *ip6, const struct rte_ether_addr *mac,
			    void *arg),
		  void *arg)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	while (rte_hash_iterate(pg_nd_cache, &key, &data, &it) >= 0) {
		const struct nd_key *k = key;
		uint64_t v = (uint64_t)(uintptr_t)data;
		struct rte_ether_addr mac;
		memcpy(&mac, &v, 6);
		int rc = cb((uint16_t)k->bd, k->ip, &mac, arg);
		if (rc)
			return rc;
	}
	return 0;
}

struct rte_ring *l2_learn_ring(unsigned worker)
{
	return worker < PG_MAX_WORKERS ? learn[worker] : NULL;
}

unsigned l2_learn_drain(void (*fn)(const struct l2_learn *, void *), void *arg)
{
	struct l2_learn ev[64];
	unsigned total = 0;

	for (unsigned w = 0; w < PG_MAX_WORKERS; w++) {
		unsigned n;
		if (!learn[w])
			continue;
		while (
		    (n = rte_ring_sc_dequeue_burst_elem(learn[w], ev, sizeof(ev[0]), 64, NULL))) {
			for (unsigned i = 0; i < n; i++)
				fn(&ev[i], arg);
			total += n;
		}
	}
	return total;
}
