/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* Connect the BGP RIB to the fast-path tables (control/bgp_fib.c). */
void bgp_fib_attach(void);
/* Next-hop tracking: next hops watched (not on a connected subnet), routes waiting on them,
 * routes decided again because a route covering their next hop changed. */
void bgp_fib_nht_stats(unsigned *nexthops, uint64_t *routes, uint64_t *resyncs);
