/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include <rte_malloc.h>

#include "log.h"
#include "rcu.h"

struct rte_rcu_qsbr *pg_rcu_dpdk;

struct deferred {
	void (*fn)(void *);
	void *p;
};

/* Control thread only. */
static struct deferred *defer_q;
static unsigned defer_n, defer_cap;

int rcu_init(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(PG_RCU_MAX_READERS);

	if (pg_rcu_dpdk)
		return 0;
	pg_rcu_dpdk = rte_zmalloc("pg_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (!pg_rcu_dpdk)
		return -ENOMEM;
	if (rte_rcu_qsbr_init(pg_rcu_dpdk, PG_RCU_MAX_READERS) != 0) {
		rte_free(pg_rcu_dpdk);
		pg_rcu_dpdk = NULL;
		return -EINVAL;
	}
	return 0;
}

void rcu_fini(void)
{
	rcu_reclaim();
	free(defer_q);
	defer_q = NULL;
	defer_n = defer_cap = 0;
	rte_free(pg_rcu_dpdk);
	pg_rcu_dpdk = NULL;
}

struct rte_rcu_qsbr *rcu_dpdk_qsbr(void)
{
	return pg_rcu_dpdk;
}

void rcu_worker_register(unsigned reader_id)
{
	urcu_qsbr_register_thread();
	rte_rcu_qsbr_thread_register(pg_rcu_dpdk, reader_id);
	rte_rcu_qsbr_thread_online(pg_rcu_dpdk, reader_id);
}

void rcu_worker_unregister(unsigned reader_id)
{
	rte_rcu_qsbr_thread_offline(pg_rcu_dpdk, reader_id);
	rte_rcu_qsbr_thread_unregister(pg_rcu_dpdk, reader_id);
	urcu_qsbr_unregister_thread();
}

int rcu_defer_free(void (*fn)(void *), void *p)
{
	if (p == NULL)
		return 0;
	if (defer_n == defer_cap) {
		unsigned cap = defer_cap ? defer_cap * 2 : 256;
		struct deferred *q = realloc(defer_q, cap * sizeof(*q));
		if (!q) {
			/* Out of memory: fall back to a blocking grace period. */
			rcu_synchronize();
			fn(p);
			return 0;
		}
		defer_q = q;
		defer_cap = cap;
	}
	defer_q[defer_n++] = (struct deferred){fn, p};
	return 0;
}

/* Both grace periods at once: the DPDK one is started before waiting for liburcu's, so the
 * workers' next rcu_worker_quiescent() ends both (rte_rcu_qsbr_synchronize after liburcu's wait
 * made every commit wait for two worker loops, which on a busy host is two scheduler slices). */
void rcu_synchronize(void)
{
	uint64_t token = pg_rcu_dpdk ? rte_rcu_qsbr_start(pg_rcu_dpdk) : 0;

	urcu_qsbr_synchronize_rcu();
	if (pg_rcu_dpdk)
		rte_rcu_qsbr_check(pg_rcu_dpdk, token, true);
}

unsigned rcu_reclaim(void)
{
	unsigned n = defer_n;

	if (n == 0)
		return 0;
	urcu_qsbr_synchronize_rcu();
	for (unsigned i = 0; i < n; i++)
		defer_q[i].fn(defer_q[i].p);
	defer_n = 0;
	return n;
}

unsigned rcu_pending(void)
{
	return defer_n;
}
