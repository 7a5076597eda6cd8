/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Frames in and out of the real pipeline for the dataplane tests: an mbuf from bytes, and what
 * every port transmitted (net_ring ports read back their own TX with rte_eth_rx_burst).
 */
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dp.h"

static inline struct rte_mbuf *mbuf_from(const uint8_t *buf, unsigned len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);

	if (!m) {
		fprintf(stderr, "mbuf pool empty\n");
		abort();
	}
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	memcpy(p, buf, len);
	return m;
}

/* What the ports transmitted (at most 8 frames kept, in port order). */
struct out {
	unsigned n;
	struct rte_mbuf *m[8];
	uint16_t port[8];
};

static inline void out_free(struct out *o)
{
	for (unsigned i = 0; i < o->n; i++)
		rte_pktmbuf_free(o->m[i]);
	o->n = 0;
}

static inline void collect(struct out *o)
{
	o->n = 0;
	for (uint16_t p = 0; p < dp.n_ports; p++) {
		struct rte_mbuf *got[8];
		if (dp.ports[p]->virt)
			continue;
		uint16_t n = rte_eth_rx_burst(dp.ports[p]->port_id, 0, got, 8);
		for (uint16_t i = 0; i < n; i++) {
			if (o->n < 8) {
				o->port[o->n] = p;
				o->m[o->n++] = got[i];
			} else {
				rte_pktmbuf_free(got[i]);
			}
		}
	}
}
