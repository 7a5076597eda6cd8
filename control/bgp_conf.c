/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "bgp_conf.h"
#include "util.h"

uint8_t bgp_conf_as_type(enum cfg_peer_type t)
{
	return t == CFG_PEER_EXTERNAL	? BGP_PEER_EXTERNAL
	       : t == CFG_PEER_INTERNAL ? BGP_PEER_INTERNAL
					: BGP_PEER_AS;
}

void bgp_conf_chain(struct bgp_chain *to, const struct cfg_chain *from)
{
	to->n = from->n;
	for (unsigned i = 0; i < from->n && i < BGP_POL_CHAIN_MAX; i++)
		to->idx[i] = from->idx[i];
}

void bgp_conf_neighbor(const struct cfg_bgp_neighbor *n, struct bgp_peer_conf *p)
{
	memset(p, 0, sizeof(*p));
	p->line = n->line;
	p->addr = n->addr;
	p->remote_as = n->asn;
	p->as_type = bgp_conf_as_type(n->type);
	p->port = n->port;
	p->local_as = n->local_asn;
	p->passive = n->passive;
	p->shutdown = n->shutdown;
	p->update_source = n->update_source;
	p->ttl = n->ttl;
	p->allowas_in = n->allowas_in;
	pg_strlcpy(p->password, n->password, sizeof(p->password));
	p->hold_time = n->hold_time;
	p->keepalive = n->keepalive;
	p->connect_retry = n->connect_retry;
	p->af_mask = n->families; /* same bit order as enum bgp_af */
	pg_strlcpy(p->description, n->description, sizeof(p->description));
	bgp_conf_chain(&p->import_pol, &n->import_pol);
	bgp_conf_chain(&p->export_pol, &n->export_pol);
	p->default_originate = n->default_originate;
	p->as_override = n->as_override;
}
