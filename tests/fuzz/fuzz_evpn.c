/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the input is a run of EVPN NLRI (RFC 7432, 9136). Every route
 * bgp_nlri_next() accepts is written back with bgp_nlri_write() and parsed again: the second
 * parse must accept it, consume exactly what was written and give the same route. Run by
 * scripts/fuzz.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_update.h"

static bool ip_same(const struct pg_ip *a, const struct pg_ip *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4 == b->v4;
	if (a->family == AF_INET6)
		return memcmp(a->v6, b->v6, 16) == 0;
	return true;
}

static bool evpn_same(const struct bgp_evpn *a, const struct bgp_evpn *b)
{
	if (a->type != b->type || memcmp(a->rd.b, b->rd.b, 8) || memcmp(a->esi, b->esi, 10) ||
	    a->etag != b->etag || memcmp(a->mac.b, b->mac.b, 6) || !ip_same(&a->ip, &b->ip) ||
	    a->plen != b->plen || !ip_same(&a->gw, &b->gw) || a->n_labels != b->n_labels)
		return false;
	for (unsigned i = 0; i < a->n_labels && i < 2; i++)
		if (a->label[i] != b->label[i])
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bcur c = bcur_make(data, size);
	struct bgp_nlri n, m;
	struct bgp_notif nf;
	char txt[BGP_NLRI_FMT_LEN];
	uint8_t buf[300];
	int r;

	while ((r = bgp_nlri_next(&c, BGP_AF_EVPN, &n, &nf)) > 0) {
		struct bbuf b = bbuf_make(buf, sizeof(buf));
		struct bcur c2;

		bgp_nlri_fmt(&n, txt, sizeof(txt));
		if (n.af != BGP_AF_EVPN)
			abort();
		bgp_nlri_write(&b, &n);
		if (b.err)
			abort();
		c2 = bcur_make(buf, b.len);
		if (bgp_nlri_next(&c2, BGP_AF_EVPN, &m, &nf) != 1 || !bcur_empty(&c2) ||
		    !evpn_same(&n.evpn, &m.evpn))
			abort();
		/* a known route type is written exactly as its canonical encoding was read */
		if (n.evpn.type >= BGP_EVPN_AD && n.evpn.type <= BGP_EVPN_PREFIX &&
		    n.evpn.type != BGP_EVPN_PREFIX && b.len > 1 && (size_t)(c.p - data) >= b.len &&
		    memcmp(c.p - b.len, buf, b.len) != 0)
			abort();
	}
	if (r < 0 && (nf.code != BGP_ERR_UPDATE || nf.subcode != BGP_ERR_UPD_ATTR_LIST))
		abort();
	return 0;
}
