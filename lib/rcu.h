/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * One RCU API for Peregrine. Two QSBR domains sit behind it:
 *  - liburcu QSBR for Peregrine's own tables (next hops, VRF array, port state...): the control
 *    thread publishes with rcu_assign_pointer() and frees old versions with rcu_defer_free();
 *  - DPDK's rte_rcu_qsbr for DPDK tables that reclaim memory themselves (rte_lpm tbl8 groups,
 *    rte_hash key slots), attached with rcu_dpdk_qsbr().
 * Workers report one quiescent state per loop with rcu_worker_quiescent(), which feeds both.
 * Threads: rcu_worker_* are called by workers; everything else only by the control thread.
 */

#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>
#include <rte_rcu_qsbr.h>

/* Number of reader slots in the DPDK QSBR variable (workers plus test threads). */
#define PG_RCU_MAX_READERS 64

int rcu_init(void);
void rcu_fini(void);
struct rte_rcu_qsbr *rcu_dpdk_qsbr(void);

void rcu_worker_register(unsigned reader_id);
void rcu_worker_unregister(unsigned reader_id);

extern struct rte_rcu_qsbr *pg_rcu_dpdk;

static inline void rcu_worker_quiescent(unsigned reader_id)
{
	urcu_qsbr_quiescent_state();
	rte_rcu_qsbr_quiescent(pg_rcu_dpdk, reader_id);
}

/* Worker about to sleep: leave both domains so grace periods do not wait for it; online again
 * (which also counts as the start of a new read-side section) before touching any table. */
static inline void rcu_worker_offline(unsigned reader_id)
{
	rte_rcu_qsbr_thread_offline(pg_rcu_dpdk, reader_id);
	urcu_qsbr_thread_offline();
}

static inline void rcu_worker_online(unsigned reader_id)
{
	urcu_qsbr_thread_online();
	rte_rcu_qsbr_thread_online(pg_rcu_dpdk, reader_id);
}

/* Control thread: free p with fn(p) once every reader has passed a quiescent state. */
int rcu_defer_free(void (*fn)(void *), void *p);
/* Control thread: wait for a grace period in both domains. */
void rcu_synchronize(void);
/* Control thread: if anything is deferred, wait for a grace period and run the frees. */
unsigned rcu_reclaim(void);
/* Number of objects waiting for a grace period. */
unsigned rcu_pending(void);
