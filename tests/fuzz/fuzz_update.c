/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: UPDATE bodies. The first input byte picks the receive options (bit 0: 4-octet
 * AS, bit 1: eBGP, bits 2-4: the negotiated families), the rest is the body given to
 * bgp_update_parse(). Unless the result is a reset, every NLRI view is walked and formatted (the
 * views the parser validated must walk without error), the extended communities and the AS path
 * are decoded, and the attributes are re-encoded with bgp_attrs_write() and parsed again: that
 * must succeed with the same values. The routes found are also re-announced and withdrawn with
 * the message writers, whose output must parse. Run by scripts/fuzz.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_update.h"

#define MAX_ROUTES 64

static struct bgp_update u, u2;
static uint8_t out[BGP_EXT_MAX_LEN + 100];
static struct bgp_nlri routes[MAX_ROUTES];

static bool validated(const struct bgp_rx_opts *o, unsigned af)
{
	return af < BGP_AF_MAX && (o->af_mask & BGP_AF_BIT(af));
}

/* Walk and format a view; the number of routes kept in routes[] (when keep). */
static unsigned walk(struct bcur c, unsigned af, const struct bgp_rx_opts *o, bool keep)
{
	struct bgp_nlri n;
	struct bgp_notif nf;
	char txt[BGP_NLRI_FMT_LEN];
	unsigned kept = 0;
	int r;

	if (af >= BGP_AF_MAX)
		return 0;
	while ((r = bgp_nlri_next(&c, (enum bgp_af)af, &n, &nf)) > 0) {
		bgp_nlri_fmt(&n, txt, sizeof(txt));
		if (keep && kept < MAX_ROUTES)
			routes[kept++] = n;
	}
	if (r < 0 && validated(o, af))
		abort(); /* bgp_update_parse() said every NLRI was well formed */
	return kept;
}

static void same_attrs(const struct bgp_attrs *a, const struct bgp_attrs *b, bool as4)
{
	uint64_t mp = 1ull << BGP_ATTR_MP_REACH | 1ull << BGP_ATTR_MP_UNREACH;

	if ((a->present & ~mp) != (b->present & ~mp) || a->origin != b->origin ||
	    a->med != b->med || a->local_pref != b->local_pref || a->nexthop != b->nexthop ||
	    a->originator_id != b->originator_id || a->n_unknown != b->n_unknown)
		abort();
	if (a->n_communities != b->n_communities || a->n_ext_communities != b->n_ext_communities ||
	    a->n_large_communities != b->n_large_communities ||
	    a->n_cluster_list != b->n_cluster_list)
		abort();
	if ((a->n_communities && memcmp(a->communities, b->communities, a->n_communities * 4u)) ||
	    (a->n_ext_communities &&
	     memcmp(a->ext_communities, b->ext_communities, a->n_ext_communities * 8u)) ||
	    (a->n_large_communities &&
	     memcmp(a->large_communities, b->large_communities, a->n_large_communities * 12u)) ||
	    (a->n_cluster_list && memcmp(a->cluster_list, b->cluster_list, a->n_cluster_list * 4u)))
		abort();
	if (a->pmsi_flags != b->pmsi_flags || a->pmsi_type != b->pmsi_type ||
	    a->pmsi_label != b->pmsi_label)
		abort();
	/* A 2-octet peer's path can differ (AGGREGATOR with a 2-octet AS makes the receiver ignore
	 * AS4_PATH: RFC 6793 §4.2.3); a 4-octet peer's cannot. */
	if (as4 && (a->aggregator_as != b->aggregator_as || a->aggregator_id != b->aggregator_id ||
		    a->aspath_len != b->aspath_len ||
		    (a->aspath_len && memcmp(a->aspath, b->aspath, a->aspath_len))))
		abort();
}

/* bgp_attrs_write(), then parse an UPDATE holding just those attributes. */
static void attrs_round_trip(const struct bgp_rx_opts *o)
{
	struct bgp_tx_opts tx = {.as4 = o->as4};
	struct bbuf b = bbuf_make(out, sizeof(out));
	size_t at;

	bbuf_u16(&b, 0);
	at = bbuf_reserve16(&b);
	bgp_attrs_write(&b, &u.attrs, &tx);
	bbuf_patch16(&b, at);
	if (b.err)
		abort();
	if (bgp_update_parse(out, b.len, o, &u2) != BGP_UPD_OK)
		abort();
	same_attrs(&u.attrs, &u2.attrs, o->as4);
}

/* The message writers on the routes of the message; their output must parse. */
static void writers(const struct bgp_rx_opts *o, unsigned af, unsigned n)
{
	struct bgp_tx_opts tx = {.as4 = o->as4, .ext_msg = n & 1};
	struct pg_ip nh = {.family = AF_INET, .v4 = 0x0100000a}, nh6 = {.family = AF_INET6};
	struct bbuf b = bbuf_make(out, sizeof(out));
	int k;

	if (!n || !validated(o, af))
		return;
	nh6.v6[0] = 0x20;
	nh6.v6[15] = 1;
	k = bgp_update_write_announce(&b, (enum bgp_af)af, &u.attrs, af == BGP_AF_IPV6 ? &nh6 : &nh,
				      NULL, routes, n, &tx);
	if (k < 1 || (unsigned)k > n || b.len < BGP_HDR_LEN ||
	    bgp_update_parse(out + BGP_HDR_LEN, b.len - BGP_HDR_LEN, o, &u2) == BGP_UPD_RESET)
		abort();
	b = bbuf_make(out, sizeof(out));
	k = bgp_update_write_withdraw(&b, (enum bgp_af)af, routes, n, &tx);
	if (k < 1 || (unsigned)k > n || b.len < BGP_HDR_LEN ||
	    bgp_update_parse(out + BGP_HDR_LEN, b.len - BGP_HDR_LEN, o, &u2) != BGP_UPD_OK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_rx_opts o;
	struct bgp_evpn_ecs ecs;
	char txt[4096];
	struct bcur c;
	unsigned n;

	if (size < 1)
		return 0;
	o = (struct bgp_rx_opts){
	    .as4 = data[0] & 1, .ebgp = data[0] >> 1 & 1, .af_mask = data[0] >> 2 & 7};
	if (bgp_update_parse(data + 1, size - 1, &o, &u) == BGP_UPD_RESET) {
		if (u.notif.code != BGP_ERR_UPDATE)
			abort();
		return 0;
	}

	walk(u.withdrawn, BGP_AF_IPV4, &o, false);
	n = walk(u.nlri, BGP_AF_IPV4, &o, true);
	writers(&o, BGP_AF_IPV4, n);
	if (bgp_attr_has(&u.attrs, BGP_ATTR_MP_REACH)) {
		n = walk(u.attrs.mp_reach_nlri, u.attrs.mp_reach_af, &o, true);
		writers(&o, u.attrs.mp_reach_af, n);
	}
	if (bgp_attr_has(&u.attrs, BGP_ATTR_MP_UNREACH))
		walk(u.attrs.mp_unreach_nlri, u.attrs.mp_unreach_af, &o, false);

	bgp_evpn_ecs_get(&u.attrs, &ecs);
	c = bcur_make(out, 0);
	if (u.attrs.ext_communities)
		c = bcur_make(u.attrs.ext_communities, u.attrs.n_ext_communities * 8u);
	for (const uint8_t *p; (p = bcur_take(&c, 8)) != NULL;) {
		uint64_t ec = 0;

		for (int i = 0; i < 8; i++)
			ec = ec << 8 | p[i];
		bgp_ec_fmt(ec, txt, BGP_EC_FMT_LEN);
	}
	bgp_aspath_fmt(u.attrs.aspath, u.attrs.aspath_len, txt, sizeof(txt));
	bgp_aspath_fmt(u.attrs.aspath, u.attrs.aspath_len, txt, 7);
	if (bgp_aspath_first(u.attrs.aspath, u.attrs.aspath_len) &&
	    !bgp_aspath_contains(u.attrs.aspath, u.attrs.aspath_len,
				 bgp_aspath_first(u.attrs.aspath, u.attrs.aspath_len)))
		abort();
	if (bgp_aspath_length(u.attrs.aspath, u.attrs.aspath_len) > u.attrs.aspath_len)
		abort();

	attrs_round_trip(&o);
	return 0;
}
