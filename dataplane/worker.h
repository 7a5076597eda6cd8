/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Worker lcores: run to completion over bursts. rx -> classify/validate -> bulk FIB lookup per VRF
 * -> local (decapsulate VXLAN/IPIP and look up again, or punt) / next hop (rewrite, encapsulate)
 * -> per-port TX buffers. No syscalls, allocation or logging here; every drop is counted.
 */

#include <stdint.h>

#include "dp.h"

struct dp_rxq {
	uint16_t port; /* our port index */
	uint16_t queue;
};

struct dp_tx_buf {
	uint16_t n;
	uint32_t bytes; /* of the buffered packets, summed as they are queued */
	struct rte_mbuf *m[PG_BURST];
};

struct dp_policer {
	uint64_t tokens;
	uint64_t last_tsc;
};

/* Built by the control thread before launch; afterwards owned by its worker. */
struct dp_worker {
	unsigned id; /* also the RCU reader id */
	unsigned lcore;
	unsigned n_rxq;
	struct dp_rxq rxq[PG_MAX_PORTS];
	uint16_t txq[PG_MAX_PORTS]; /* TX queue used on each port */
	unsigned n_inject;
	uint16_t inject_port[PG_MAX_PORTS]; /* ports whose inject ring this worker drains */
	struct dp_stats *st;
	uint64_t tsc_hz;
	struct dp_policer pol[PUNT_CLASS_MAX];
	struct dp_tx_buf tx[PG_MAX_PORTS];
	/* Frames for an L2VNI's gateway port, routed once the current burst is done. */
	uint16_t n_irb;
	uint16_t irb_in[PG_BURST];
	struct rte_mbuf *irb_m[PG_BURST];
	/* Benchmarks only (peregrine-bench --poll-cycles), NULL otherwise: called by worker_main()
	 * after every poll that received packets, with their number and the poll's TSC cycles. */
	void (*poll_hook)(void *arg, unsigned n, uint64_t cycles);
	void *poll_hook_arg;
} __rte_cache_aligned;

/* lcore entry point: loops until dp.running is false. */
int worker_main(void *arg);
/* One iteration of the loop (tests and benchmarks drive it directly). Returns packets received. */
unsigned worker_poll_once(struct dp_worker *w);
/* Process packets received on port index in (exposed for tests). */
void dp_process_burst(struct dp_worker *w, uint16_t in, struct rte_mbuf **pkts, uint16_t n);
void dp_tx_flush(struct dp_worker *w);
