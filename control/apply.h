/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "config.h"
#include "fib.h"

/* Build every table from a validated configuration (ports must already be added). */
int apply_tables(const struct pg_config *cfg);
/* Install (or replace) one static route of cfg. 0 or -errno (logged with file:line). */
int apply_static_route(const struct pg_config *cfg, const struct cfg_route *r);
/* Route writes that keep next hop references and tunnel resolution right. nh: a reference the
 * route takes over. */
int apply_route_add(uint16_t vrf, const struct pg_prefix *p, uint32_t nh, enum route_origin origin);
int apply_route_del(uint16_t vrf, const struct pg_prefix *p);
/* Many route writes in a row (BGP): tunnel next hops are re-resolved once, at the end. */
void apply_batch_begin(void);
void apply_batch_end(void);
/* Called after every change of a default-VRF route (BGP's next-hop tracking). */
void apply_set_route_hook(void (*fn)(const struct pg_prefix *p));
