/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* The speaker's peer configuration from the YAML model's (start and live reload). */

#include "bgp.h"
#include "config.h"

/* How the speaker checks a peer's AS, from the configuration's peer type. */
uint8_t bgp_conf_as_type(enum cfg_peer_type t);
void bgp_conf_chain(struct bgp_chain *to, const struct cfg_chain *from);
/* spec.bgp.neighbors[] entry n as a peer of the speaker (p zeroed first). */
void bgp_conf_neighbor(const struct cfg_bgp_neighbor *n, struct bgp_peer_conf *p);
