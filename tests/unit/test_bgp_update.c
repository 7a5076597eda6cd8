/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The BGP UPDATE codec (control/bgp/bgp_update.c) against golden byte vectors written by hand from
 * the RFC layouts (RFC 4271, 4760, 6793, 7432, 9136, 6514, 4360, 1997), in both directions; the
 * RFC 7606 error handling, one table row per malformation (action, notification subcode,
 * discarded attributes); text forms; the AS path helpers; and round trips through the encoders.
 * No EAL needed.
 */
#include <ctype.h>

#include "bgp_update.h"
#include "unit.h"

/* ---- hex vectors ---- */

#define MARKER "ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff "
#define ESI0   " 00 00 00 00 00 00 00 00 00 00 "
#define ZERO16 " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "

static int hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

/* "40 01 01 00" into out; aborts on a malformed literal (a bug in the test). */
static size_t hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s) {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) || n >= cap) {
			fprintf(stderr, "bad hex literal near '%.8s'\n", s);
			abort();
		}
		out[n++] = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
		s += 2;
	}
	return n;
}

/* IPv4 unicast announce: ORIGIN IGP, AS_PATH SEQUENCE 65001 65002, NEXT_HOP 192.0.2.1, MED 100,
 * COMMUNITIES 65001:100 NO_EXPORT; NLRI 10.0.1.0/24 and 10.0.2.1/32. */
static const char V_ANNOUNCE4[] = MARKER "00 4a 02"
					 "00 00"
					 "00 2a"
					 "40 01 01 00"
					 "40 02 0a 02 02 00 00 fd e9 00 00 fd ea"
					 "40 03 04 c0 00 02 01"
					 "80 04 04 00 00 00 64"
					 "c0 08 08 fd e9 00 64 ff ff ff 01"
					 "18 0a 00 01"
					 "20 0a 00 02 01";

/* IPv4 withdraw of the same two prefixes. */
static const char V_WITHDRAW4[] = MARKER "00 20 02"
					 "00 09 18 0a 00 01 20 0a 00 02 01"
					 "00 00";

/* End-of-RIB: IPv4 (empty UPDATE) and L2VPN EVPN (MP_UNREACH with AFI 25 / SAFI 70 only). */
static const char V_EOR4[] = MARKER "00 17 02 00 00 00 00";
static const char V_EOR_EVPN[] = MARKER "00 1d 02 00 00 00 06 80 0f 03 00 19 46";

/* IPv6 unicast: MP_REACH with a 32-byte next hop (2001:db8::1 + fe80::1), 2001:db8:1::/48 and
 * 2001:db8:2::/64. */
static const char V_ANNOUNCE6[] = MARKER "00 5c 02"
					 "00 00"
					 "00 45"
					 "40 01 01 00"
					 "40 02 06 02 01 00 00 fd e9"
					 "80 0e 35 00 02 01 20"
					 "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01"
					 "fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01"
					 "00"
					 "30 20 01 0d b8 00 01"
					 "40 20 01 0d b8 00 02 00 00";

/* EVPN type 2, MAC only: RD 10.0.0.1:5, MAC 02:00:00:00:00:01, VNI 10100; next hop 10.0.0.1;
 * RT 65001:10100 and encapsulation VXLAN. */
static const char V_EVPN_MAC[] = MARKER "00 66 02"
					"00 00"
					"00 4f"
					"40 01 01 00"
					"40 02 06 02 01 00 00 fd e9"
					"80 0e 2c 00 19 46 04 0a 00 00 01 00"
					"02 21 00 01 0a 00 00 01 00 05" ESI0 "00 00 00 00"
					"30 02 00 00 00 00 01 00 00 27 74"
					"c0 10 10 00 02 fd e9 00 00 27 74 03 0c 00 00 00 00 00 08";

/* EVPN type 2, MAC/IP with two labels (L2 VNI 10100, L3 VNI 5000), RD 65001:100; RTs 65001:10100
 * and 65001:5000, encapsulation VXLAN, router's MAC 02:00:00:00:00:aa (RFC 9135). */
static const char V_EVPN_MACIP[] = MARKER "00 7d 02"
					  "00 00"
					  "00 66"
					  "40 01 01 00"
					  "40 02 06 02 01 00 00 fd e9"
					  "80 0e 33 00 19 46 04 0a 00 00 01 00"
					  "02 28 00 00 fd e9 00 00 00 64" ESI0 "00 00 00 00"
					  "30 02 00 00 00 00 02 20 0a 01 00 02 00 27 74 00 13 88"
					  "c0 10 20 00 02 fd e9 00 00 27 74 00 02 fd e9 00 00 13 88"
					  "03 0c 00 00 00 00 00 08 06 03 02 00 00 00 00 aa";

/* EVPN type 3 (originating router 10.0.0.1) with a PMSI tunnel attribute: ingress replication
 * (type 6), label field = VNI 10100, endpoint 10.0.0.1. */
static const char V_EVPN_IMET[] = MARKER "00 62 02"
					 "00 00"
					 "00 4b"
					 "40 01 01 00"
					 "40 02 06 02 01 00 00 fd e9"
					 "80 0e 1c 00 19 46 04 0a 00 00 01 00"
					 "03 11 00 01 0a 00 00 01 00 05 00 00 00 00 20 0a 00 00 01"
					 "c0 10 10 00 02 fd e9 00 00 27 74 03 0c 00 00 00 00 00 08"
					 "c0 16 09 00 06 00 27 74 0a 00 00 01";

/* EVPN type 5 (RFC 9136): 10.2.3.0/24 and 2001:db8:5::/64, gateway 0, L3 VNI 5000. */
static const char V_EVPN_PREFIX[] =
    MARKER "00 ab 02"
	   "00 00"
	   "00 94"
	   "40 01 01 00"
	   "40 02 06 02 01 00 00 fd e9"
	   "80 0e 69 00 19 46 04 0a 00 00 01 00"
	   "05 22 00 01 0a 00 00 01 00 05" ESI0 "00 00 00 00"
	   "18 0a 02 03 00 00 00 00 00 00 13 88"
	   "05 3a 00 01 0a 00 00 01 00 05" ESI0 "00 00 00 00"
	   "40 20 01 0d b8 00 05 00 00 00 00 00 00 00 00 00 00" ZERO16 "00 13 88"
	   "c0 10 18 00 02 fd e9 00 00 13 88 03 0c 00 00 00 00 00 08"
	   "06 03 02 00 00 00 00 aa";

/* EVPN withdraw (MP_UNREACH) of the MAC route above and of 10.2.3.0/24, labels included. */
static const char V_EVPN_WITHDRAW[] = MARKER "00 64 02"
					     "00 00"
					     "00 4d"
					     "80 0f 4a 00 19 46"
					     "02 21 00 01 0a 00 00 01 00 05" ESI0 "00 00 00 00"
					     "30 02 00 00 00 00 01 00 00 27 74"
					     "05 22 00 01 0a 00 00 01 00 05" ESI0 "00 00 00 00"
					     "18 0a 02 03 00 00 00 00 00 00 13 88";

/* From a 2-octet peer: AS_PATH [65001 AS_TRANS] + AS4_PATH [4200000000]. */
static const char B_AS2_PATH[] = "00 00 00 1d"
				 "40 01 01 00"
				 "40 02 06 02 02 fd e9 5b a0"
				 "40 03 04 c0 00 02 01"
				 "c0 11 06 02 01 fa 56 ea 00"
				 "18 0a 00 01";

/* The valid attributes most malformed cases start from (4-octet AS_PATH [65001]). */
#define A_ORIGIN "40 01 01 00 "
#define A_ASPATH "40 02 06 02 01 00 00 fd e9 "
#define A_NH	 "40 03 04 c0 00 02 01 "
#define A_BASE	 A_ORIGIN A_ASPATH A_NH
#define N_BASE	 "18 0a 00 01"

static const struct bgp_rx_opts RX_EBGP = {.as4 = true, .ebgp = true, .af_mask = 7};
static const struct bgp_rx_opts RX_IBGP = {.as4 = true, .ebgp = false, .af_mask = 7};
static const struct bgp_rx_opts RX_AS2 = {.as4 = false, .ebgp = true, .af_mask = 7};
static const struct bgp_tx_opts TX4 = {.as4 = true};
static const struct bgp_tx_opts TX2 = {.as4 = false};

/* ---- helpers ---- */

static struct bgp_update upd, upd2; /* 8 KB each */

/* A whole message in hex: checks its header and parses its body (buf must outlive u). */
static enum bgp_upd_action parse_msg(const char *msg, uint8_t *buf, size_t cap,
				     const struct bgp_rx_opts *o, struct bgp_update *u)
{
	size_t n = hex(msg, buf, cap);

	CHECK(n >= BGP_HDR_LEN && (size_t)(buf[16] << 8 | buf[17]) == n && buf[18] == 2,
	      "vector header: %zu bytes, length field %u", n, buf[16] << 8 | buf[17]);
	return bgp_update_parse(buf + BGP_HDR_LEN, n - BGP_HDR_LEN, o, u);
}

/* Every NLRI of a view into out (at most max); the count, or -1 when one is malformed. */
static int walk(struct bcur c, enum bgp_af af, struct bgp_nlri *out, int max)
{
	struct bgp_nlri tmp;
	int n = 0, r;

	while ((r = bgp_nlri_next(&c, af, n < max ? &out[n] : &tmp, NULL)) > 0)
		n++;
	return r < 0 ? -1 : n;
}

/* The encoder's output against a vector. */
static void check_bytes(const struct bbuf *b, const char *want, const char *what)
{
	uint8_t w[1024];
	size_t n = hex(want, w, sizeof(w));

	CHECK(!b->err, "%s: write failed", what);
	CHECK(b->len == n, "%s: wrote %zu bytes, expected %zu", what, b->len, n);
	CHECK_MEM(b->p, w, b->len < n ? b->len : n, what);
}

/* An UPDATE body: no withdrawn routes, the attributes, then the IPv4 NLRI (lengths computed). */
static size_t body(const char *attrs, const char *nlri, uint8_t *buf, size_t cap)
{
	size_t alen = attrs ? hex(attrs, buf + 4, cap - 4) : 0, n = 4 + alen;

	buf[0] = buf[1] = 0;
	buf[2] = (uint8_t)(alen >> 8);
	buf[3] = (uint8_t)alen;
	if (nlri)
		n += hex(nlri, buf + n, cap - n);
	return n;
}

static struct bgp_nlri pfx(const char *s)
{
	struct bgp_nlri n = {0};

	n.prefix = unit_prefix(s);
	n.af = n.prefix.ip.family == AF_INET ? BGP_AF_IPV4 : BGP_AF_IPV6;
	return n;
}

static struct bgp_rd rd(const char *s)
{
	struct bgp_rd r;

	if (bgp_rd_parse(s, &r) < 0) {
		fprintf(stderr, "bad RD literal %s\n", s);
		abort();
	}
	return r;
}

static struct bgp_nlri evpn(uint8_t type, const char *rds)
{
	struct bgp_nlri n = {0};

	n.af = BGP_AF_EVPN;
	n.evpn.type = type;
	n.evpn.rd = rd(rds);
	return n;
}

static char *fmt(const struct bgp_nlri *n)
{
	static char buf[BGP_NLRI_FMT_LEN];

	return bgp_nlri_fmt(n, buf, sizeof(buf));
}

static char *aspath_str(const struct bgp_attrs *a)
{
	static char buf[256];

	return bgp_aspath_fmt(a->aspath, a->aspath_len, buf, sizeof(buf));
}

/* The attributes both structs carry (MP_REACH/MP_UNREACH aside) hold the same values. */
static void check_attrs_equal(const struct bgp_attrs *a, const struct bgp_attrs *b,
			      const char *what)
{
	uint64_t mp = 1ull << BGP_ATTR_MP_REACH | 1ull << BGP_ATTR_MP_UNREACH;

	CHECK((a->present & ~mp) == (b->present & ~mp), "%s: present 0x%llx vs 0x%llx", what,
	      (unsigned long long)a->present, (unsigned long long)b->present);
	CHECK(a->origin == b->origin && a->med == b->med && a->local_pref == b->local_pref &&
		  a->nexthop == b->nexthop,
	      "%s: origin/med/local_pref/next hop differ", what);
	CHECK(a->aggregator_as == b->aggregator_as && a->aggregator_id == b->aggregator_id &&
		  a->originator_id == b->originator_id,
	      "%s: aggregator/originator differ", what);
	CHECK(a->aspath_len == b->aspath_len &&
		  (!a->aspath_len || memcmp(a->aspath, b->aspath, a->aspath_len) == 0),
	      "%s: AS path '%s' vs ...", what, aspath_str(a));
#define SAME_LIST(f, n, sz)                                                            \
	CHECK(a->n == b->n && (!a->n || memcmp(a->f, b->f, (size_t)a->n * (sz)) == 0), \
	      "%s: " #f " differ (%u vs %u)", what, a->n, b->n)
	SAME_LIST(communities, n_communities, 4);
	SAME_LIST(ext_communities, n_ext_communities, 8);
	SAME_LIST(large_communities, n_large_communities, 12);
	SAME_LIST(cluster_list, n_cluster_list, 4);
#undef SAME_LIST
	CHECK(a->pmsi_flags == b->pmsi_flags && a->pmsi_type == b->pmsi_type &&
		  a->pmsi_label == b->pmsi_label &&
		  (!bgp_attr_has(a, BGP_ATTR_PMSI_TUNNEL) || ip_equal(&a->pmsi_id, &b->pmsi_id)),
	      "%s: PMSI differs", what);
	CHECK_EQ(a->n_unknown, b->n_unknown);
}

/* bgp_attrs_write of u's attributes, parsed again (as a withdraw-free UPDATE without NLRI),
 * must give the same values. */
static void round_trip(const struct bgp_update *u, const struct bgp_rx_opts *rx,
		       const struct bgp_tx_opts *tx, const char *what)
{
	static uint8_t buf[8192];
	struct bbuf b = bbuf_make(buf, sizeof(buf));
	size_t at;

	bbuf_u16(&b, 0);
	at = bbuf_reserve16(&b);
	bgp_attrs_write(&b, &u->attrs, tx);
	bbuf_patch16(&b, at);
	CHECK(!b.err, "%s: round trip write failed", what);
	CHECK_EQ(bgp_update_parse(buf, b.len, rx, &upd2), BGP_UPD_OK);
	check_attrs_equal(&u->attrs, &upd2.attrs, what);
}

/* ---- golden vectors, parse direction ---- */

static void test_parse_ipv4(void)
{
	static uint8_t buf[512];
	struct bgp_update *u = &upd;
	struct bgp_nlri n[4];
	char tmp[64];

	CHECK_EQ(parse_msg(V_ANNOUNCE4, buf, sizeof(buf), &RX_EBGP, u), BGP_UPD_OK);
	CHECK_EQX(u->attrs.present, 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 8);
	CHECK_EQ(u->attrs.origin, BGP_ORIGIN_IGP);
	CHECK(strcmp(aspath_str(&u->attrs), "65001 65002") == 0, "path '%s'",
	      aspath_str(&u->attrs));
	CHECK_EQX(u->attrs.nexthop, unit_ip4("192.0.2.1"));
	CHECK_EQ(u->attrs.med, 100);
	CHECK_EQ(u->attrs.n_communities, 2);
	CHECK_MEM(u->attrs.communities, "\xfd\xe9\x00\x64\xff\xff\xff\x01", 8, "communities");
	CHECK(!u->eor && u->discarded == 0 && u->notif.code == 0, "eor %d", u->eor);
	CHECK(bcur_empty(&u->withdrawn), "withdrawn not empty");
	CHECK_EQ(walk(u->nlri, BGP_AF_IPV4, n, 4), 2);
	CHECK(strcmp(fmt(&n[0]), "10.0.1.0/24") == 0, "%s", fmt(&n[0]));
	CHECK(strcmp(fmt(&n[1]), "10.0.2.1/32") == 0, "%s", fmt(&n[1]));
	CHECK_EQ(bgp_aspath_length(u->attrs.aspath, u->attrs.aspath_len), 2);
	CHECK_EQ(bgp_aspath_first(u->attrs.aspath, u->attrs.aspath_len), 65001);
	CHECK_EQ(bgp_aspath_count(u->attrs.aspath, u->attrs.aspath_len, 65002), 1);
	CHECK_EQ(bgp_aspath_count(u->attrs.aspath, u->attrs.aspath_len, 65003), 0);
	round_trip(u, &RX_EBGP, &TX4, "announce4");

	CHECK_EQ(parse_msg(V_WITHDRAW4, buf, sizeof(buf), &RX_EBGP, u), BGP_UPD_OK);
	CHECK_EQ(u->attrs.present, 0);
	CHECK(!u->eor && bcur_empty(&u->nlri), "withdraw: eor %d", u->eor);
	CHECK_EQ(walk(u->withdrawn, BGP_AF_IPV4, n, 4), 2);
	CHECK(strcmp(fmt_prefix(&n[1].prefix, tmp), "10.0.2.1/32") == 0, "%s", tmp);

	CHECK_EQ(parse_msg(V_EOR4, buf, sizeof(buf), &RX_EBGP, u), BGP_UPD_OK);
	CHECK(u->eor && u->eor_af == BGP_AF_IPV4, "IPv4 EoR: eor %d af %d", u->eor, u->eor_af);
	CHECK_EQ(parse_msg(V_EOR_EVPN, buf, sizeof(buf), &RX_EBGP, u), BGP_UPD_OK);
	CHECK(u->eor && u->eor_af == BGP_AF_EVPN, "EVPN EoR: eor %d af %d", u->eor, u->eor_af);

	/* Host bits beyond the length are masked off, not refused. */
	CHECK_EQ(
	    bgp_update_parse(buf, hex("00 04 17 0a 00 01 00 00", buf, sizeof(buf)), &RX_EBGP, u),
	    BGP_UPD_OK);
	CHECK_EQ(walk(u->withdrawn, BGP_AF_IPV4, n, 4), 1);
	CHECK(strcmp(fmt(&n[0]), "10.0.0.0/23") == 0, "masked: %s", fmt(&n[0]));
	/* A last prefix whose bytes are missing, right at the end (length byte only), or a length
	 * beyond 32: malformed NLRI, session reset (the lengths-only validation must see it). */
	CHECK_EQ(
	    bgp_update_parse(buf, hex("00 05 18 0a 28 00 01 00 00", buf, sizeof(buf)), &RX_EBGP, u),
	    BGP_UPD_RESET);
	CHECK(u->notif.code == BGP_ERR_UPDATE && u->notif.subcode == BGP_ERR_UPD_NETWORK, "%u/%u",
	      u->notif.code, u->notif.subcode);
	CHECK_EQ(bgp_update_parse(buf, hex("00 02 21 0a 00 00", buf, sizeof(buf)), &RX_EBGP, u),
		 BGP_UPD_RESET);
	CHECK(u->notif.code == BGP_ERR_UPDATE && u->notif.subcode == BGP_ERR_UPD_NETWORK, "%u/%u",
	      u->notif.code, u->notif.subcode);
}

static void test_parse_ipv6(void)
{
	static uint8_t buf[512];
	struct bgp_update *u = &upd;
	struct bgp_nlri n[4];
	char tmp[PG_IP_FMT_LEN];

	CHECK_EQ(parse_msg(V_ANNOUNCE6, buf, sizeof(buf), &RX_EBGP, u), BGP_UPD_OK);
	CHECK(bgp_attr_has(&u->attrs, BGP_ATTR_MP_REACH), "no MP_REACH");
	CHECK(!bgp_attr_has(&u->attrs, BGP_ATTR_NEXT_HOP), "NEXT_HOP present");
	CHECK_EQ(u->attrs.mp_reach_afi, 2);
	CHECK_EQ(u->attrs.mp_reach_safi, 1);
	CHECK_EQ(u->attrs.mp_reach_af, BGP_AF_IPV6);
	CHECK(strcmp(fmt_ip(&u->attrs.mp_nexthop, tmp), "2001:db8::1") == 0, "nh %s", tmp);
	CHECK(strcmp(fmt_ip(&u->attrs.mp_nexthop_ll, tmp), "fe80::1") == 0, "nh ll %s", tmp);
	CHECK_EQ(walk(u->attrs.mp_reach_nlri, BGP_AF_IPV6, n, 4), 2);
	CHECK(strcmp(fmt(&n[0]), "2001:db8:1::/48") == 0, "%s", fmt(&n[0]));
	CHECK(strcmp(fmt(&n[1]), "2001:db8:2::/64") == 0, "%s", fmt(&n[1]));
	CHECK(bcur_empty(&u->nlri) && !u->eor, "IPv4 NLRI in an IPv6 update");
}

static void test_parse_evpn(void)
{
	static uint8_t buf[512];
	struct bgp_update *u = &upd;
	struct bgp_nlri n[4];
	struct bgp_evpn_ecs ecs;
	char tmp[PG_IP_FMT_LEN];
	const struct bgp_evpn *e = &n[0].evpn;

	/* type 2, MAC only */
	CHECK_EQ(parse_msg(V_EVPN_MAC, buf, sizeof(buf), &RX_EBGP, u), BGP_UPD_OK);
	CHECK_EQ(u->attrs.mp_reach_af, BGP_AF_EVPN);
	CHECK_EQX(u->attrs.mp_nexthop.v4, unit_ip4("10.0.0.1"));
	CHECK_EQ(walk(u->attrs.mp_reach_nlri, BGP_AF_EVPN, n, 4), 1);
	CHECK_EQ(e->type, BGP_EVPN_MAC_IP);
	CHECK_MEM(e->rd.b, "\x00\x01\x0a\x00\x00\x01\x00\x05", 8, "RD");
	CHECK_MEM(e->mac.b, "\x02\x00\x00\x00\x00\x01", 6, "MAC");
	CHECK_EQ(e->ip.family, 0);
	CHECK_EQ(e->n_labels, 1);
	CHECK_EQ(e->label[0], 10100);
	CHECK(strcmp(fmt(&n[0]), "RD 10.0.0.1:5 [2]:[0]:[48]:[02:00:00:00:00:01]") == 0, "%s",
	      fmt(&n[0]));
	bgp_evpn_ecs_get(&u->attrs, &ecs);
	CHECK(ecs.n_rt == 1 && ecs.rt[0] == bgp_ec_rt_as2(65001, 10100), "rt %u", ecs.n_rt);
	CHECK(ecs.has_encap && ecs.encap_vxlan && !ecs.has_rmac, "encap %d", ecs.encap_vxlan);
	CHECK_EQ(bgp_ec_rt_local(ecs.rt[0]), 10100);
	round_trip(u, &RX_EBGP, &TX4, "evpn mac");

	/* type 2, MAC/IP with two labels */
	CHECK_EQ(parse_msg(V_EVPN_MACIP, buf, sizeof(buf), &RX_EBGP, u), BGP_UPD_OK);
	CHECK_EQ(walk(u->attrs.mp_reach_nlri, BGP_AF_EVPN, n, 4), 1);
	CHECK_MEM(e->rd.b, "\x00\x00\xfd\xe9\x00\x00\x00\x64", 8, "RD type 0");
	CHECK_EQX(e->ip.v4, unit_ip4("10.1.0.2"));
	CHECK_EQ(e->ip.family, AF_INET);
	CHECK_EQ(e->n_labels, 2);
	CHECK_EQ(e->label[0], 10100);
	CHECK_EQ(e->label[1], 5000);
	CHECK(strcmp(fmt(&n[0]), "RD 65001:100 [2]:[0]:[48]:[02:00:00:00:00:02]:[32]:[10.1.0.2]") ==
		  0,
	      "%s", fmt(&n[0]));
	bgp_evpn_ecs_get(&u->attrs, &ecs);
	CHECK_EQ(ecs.n_rt, 2);
	CHECK_EQX(ecs.rt[1], 0x0002fde900001388ull);
	CHECK(ecs.encap_vxlan && ecs.has_rmac && !ecs.has_mobility && !ecs.default_gw, "ecs");
	CHECK_MEM(ecs.rmac.b, "\x02\x00\x00\x00\x00\xaa", 6, "router MAC");
	round_trip(u, &RX_EBGP, &TX4, "evpn mac/ip");

	/* type 3 with PMSI */
	CHECK_EQ(parse_msg(V_EVPN_IMET, buf, sizeof(buf), &RX_EBGP, u), BGP_UPD_OK);
	CHECK_EQ(walk(u->attrs.mp_reach_nlri, BGP_AF_EVPN, n, 4), 1);
	CHECK_EQ(e->type, BGP_EVPN_IMET);
	CHECK_EQ(e->etag, 0);
	CHECK_EQX(e->ip.v4, unit_ip4("10.0.0.1"));
	CHECK(strcmp(fmt(&n[0]), "RD 10.0.0.1:5 [3]:[0]:[32]:[10.0.0.1]") == 0, "%s", fmt(&n[0]));
	CHECK(bgp_attr_has(&u->attrs, BGP_ATTR_PMSI_TUNNEL), "no PMSI");
	CHECK_EQ(u->attrs.pmsi_flags, 0);
	CHECK_EQ(u->attrs.pmsi_type, 6);
	CHECK_EQ(u->attrs.pmsi_label, 10100);
	CHECK(strcmp(fmt_ip(&u->attrs.pmsi_id, tmp), "10.0.0.1") == 0, "PMSI id %s", tmp);
	round_trip(u, &RX_EBGP, &TX4, "evpn imet");

	/* type 5, IPv4 and IPv6 */
	CHECK_EQ(parse_msg(V_EVPN_PREFIX, buf, sizeof(buf), &RX_EBGP, u), BGP_UPD_OK);
	CHECK_EQ(walk(u->attrs.mp_reach_nlri, BGP_AF_EVPN, n, 4), 2);
	CHECK(e->type == BGP_EVPN_PREFIX && e->plen == 24 && e->n_labels == 1 &&
		  e->label[0] == 5000,
	      "type %u plen %u", e->type, e->plen);
	CHECK(e->gw.family == AF_INET && e->gw.v4 == 0, "gw family %u", e->gw.family);
	CHECK(strcmp(fmt(&n[0]), "RD 10.0.0.1:5 [5]:[0]:[24]:[10.2.3.0]") == 0, "%s", fmt(&n[0]));
	CHECK(n[1].evpn.plen == 64 && n[1].evpn.ip.family == AF_INET6 &&
		  n[1].evpn.gw.family == AF_INET6,
	      "v6 plen %u", n[1].evpn.plen);
	CHECK(strcmp(fmt(&n[1]), "RD 10.0.0.1:5 [5]:[0]:[64]:[2001:db8:5::]") == 0, "%s",
	      fmt(&n[1]));

	/* withdraw */
	CHECK_EQ(parse_msg(V_EVPN_WITHDRAW, buf, sizeof(buf), &RX_EBGP, u), BGP_UPD_OK);
	CHECK(!u->eor && !bgp_attr_has(&u->attrs, BGP_ATTR_MP_REACH), "eor %d", u->eor);
	CHECK_EQ(u->attrs.mp_unreach_af, BGP_AF_EVPN);
	CHECK_EQ(walk(u->attrs.mp_unreach_nlri, BGP_AF_EVPN, n, 4), 2);
	CHECK(n[0].evpn.type == 2 && n[0].evpn.label[0] == 10100, "withdrawn type %u",
	      n[0].evpn.type);
	CHECK(n[1].evpn.type == 5 && n[1].evpn.plen == 24, "withdrawn type %u", n[1].evpn.type);
}

/* The other EVPN route types and the odd corners, straight through bgp_nlri_next. */
static void test_evpn_nlri(void)
{
	static const struct {
		const char *name, *nlri;
		int count;	  /* -1: malformed */
		const char *text; /* of the first route */
	} cases[] = {
	    {"type 1",
	     "01 19 00 01 0a 00 00 01 00 05 00 11 22 33 44 55 66 77 88 99 00 00 00 07"
	     " 00 00 10",
	     1, "RD 10.0.0.1:5 [1]:[7]:[00:11:22:33:44:55:66:77:88:99]"},
	    {"type 4", "04 17 00 01 0a 00 00 01 00 05 00 11 22 33 44 55 66 77 88 99 20 0a 00 00 01",
	     1, "RD 10.0.0.1:5 [4]:[00:11:22:33:44:55:66:77:88:99]:[32]:[10.0.0.1]"},
	    {"type 3 IPv6",
	     "03 1d 00 01 0a 00 00 01 00 05 00 00 00 00 80 20 01 0d b8 00 00 00 00 00 00 00 00 00 "
	     "00 00 01",
	     1, "RD 10.0.0.1:5 [3]:[0]:[128]:[2001:db8::1]"},
	    {"type 2 IPv6",
	     "02 31 00 01 0a 00 00 01 00 05" ESI0 "00 00 00 00 30 02 00 00 00 00 01"
	     " 80 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 09 00 27 74",
	     1, "RD 10.0.0.1:5 [2]:[0]:[48]:[02:00:00:00:00:01]:[128]:[2001:db8::9]"},
	    {"type 9 skipped",
	     "09 03 aa bb cc 03 11 00 01 0a 00 00 01 00 05 00 00 00 00 20 0a 00 00 01", 2, "[9]"},
	    {"type 0 skipped", "00 00", 1, "[0]"},
	    {"type 2 MAC length 47",
	     "02 21 00 01 0a 00 00 01 00 05" ESI0 "00 00 00 00"
	     "2f 02 00 00 00 00 01 00 00 27 74",
	     -1, NULL},
	    {"type 2 IP length 24",
	     "02 24 00 01 0a 00 00 01 00 05" ESI0 "00 00 00 00"
	     "30 02 00 00 00 00 01 18 0a 00 01 00 27 74",
	     -1, NULL},
	    {"type 2 without label",
	     "02 1e 00 01 0a 00 00 01 00 05" ESI0 "00 00 00 00"
	     "30 02 00 00 00 00 01 00",
	     -1, NULL},
	    {"type 2 one byte extra",
	     "02 22 00 01 0a 00 00 01 00 05" ESI0 "00 00 00 00"
	     "30 02 00 00 00 00 01 00 00 27 74 00",
	     -1, NULL},
	    {"type 3 IP length/size mismatch",
	     "03 11 00 01 0a 00 00 01 00 05 00 00 00 00 80 0a 00 00 01", -1, NULL},
	    {"type 5 length 40",
	     "05 28 00 01 0a 00 00 01 00 05" ESI0 "00 00 00 00"
	     "18 0a 02 03 00 00 00 00 00 00 13 88 00 00 00 00 00 00",
	     -1, NULL},
	    {"type 5 prefix length 33",
	     "05 22 00 01 0a 00 00 01 00 05" ESI0 "00 00 00 00"
	     "21 0a 02 03 00 00 00 00 00 00 13 88",
	     -1, NULL},
	    {"type 1 short",
	     "01 18 00 01 0a 00 00 01 00 05 00 11 22 33 44 55 66 77 88 99 00 00 00 07"
	     " 00 00",
	     -1, NULL},
	    {"length beyond the view", "03 20 00 01 0a 00 00 01", -1, NULL},
	    {"lone type byte", "02", -1, NULL},
	};
	uint8_t buf[256];
	struct bgp_nlri n[4];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = hex(cases[i].nlri, buf, sizeof(buf));
		int got = walk(bcur_make(buf, len), BGP_AF_EVPN, n, 4);

		CHECK(got == cases[i].count, "%s: %d routes, expected %d", cases[i].name, got,
		      cases[i].count);
		if (got > 0 && cases[i].text)
			CHECK(strcmp(fmt(&n[0]), cases[i].text) == 0, "%s: '%s'", cases[i].name,
			      fmt(&n[0]));
	}

	/* malformed EVPN: notif UPDATE / malformed attribute list; unicast: invalid network */
	struct bgp_notif nf = {0};
	struct bgp_nlri one;
	struct bcur c = bcur_make(buf, hex("05 28 00", buf, sizeof(buf)));

	CHECK_EQ(bgp_nlri_next(&c, BGP_AF_EVPN, &one, &nf), -1);
	CHECK(nf.code == BGP_ERR_UPDATE && nf.subcode == BGP_ERR_UPD_ATTR_LIST, "%u/%u", nf.code,
	      nf.subcode);
	c = bcur_make(buf, hex("81 20 01", buf, sizeof(buf)));
	CHECK_EQ(bgp_nlri_next(&c, BGP_AF_IPV6, &one, &nf), -1);
	CHECK(nf.code == BGP_ERR_UPDATE && nf.subcode == BGP_ERR_UPD_NETWORK, "%u/%u", nf.code,
	      nf.subcode);
	c = bcur_make(buf, hex("18 0a 00", buf, sizeof(buf))); /* /24 with two bytes */
	CHECK_EQ(bgp_nlri_next(&c, BGP_AF_IPV4, &one, &nf), -1);
	c = bcur_make(buf, hex("00", buf, sizeof(buf))); /* default route */
	CHECK_EQ(bgp_nlri_next(&c, BGP_AF_IPV4, &one, &nf), 1);
	CHECK(strcmp(fmt(&one), "0.0.0.0/0") == 0, "%s", fmt(&one));
	CHECK_EQ(bgp_nlri_next(&c, BGP_AF_IPV4, &one, &nf), 0);
}

/* ---- 2-octet peers (RFC 6793) ---- */

static void test_as4(void)
{
	static uint8_t buf[512], out[512];
	struct bgp_update *u = &upd;
	size_t len = hex(B_AS2_PATH, buf, sizeof(buf));
	struct bbuf b = bbuf_make(out, sizeof(out));

	CHECK_EQ(bgp_update_parse(buf, len, &RX_AS2, u), BGP_UPD_OK);
	CHECK(strcmp(aspath_str(&u->attrs), "65001 4200000000") == 0, "merged '%s'",
	      aspath_str(&u->attrs));
	CHECK_EQ(u->attrs.aspath_len, 10);
	CHECK_MEM(u->attrs.aspath, "\x02\x02\x00\x00\xfd\xe9\xfa\x56\xea\x00", 10, "merged path");
	CHECK(!bgp_attr_has(&u->attrs, BGP_ATTR_AS4_PATH), "AS4_PATH left present");
	CHECK(u->attrs.aspath == u->attrs.aspath_buf, "path not rebuilt");

	/* the encoder for a 2-octet peer: AS_TRANS in AS_PATH, the real path in AS4_PATH */
	bgp_attrs_write(&b, &u->attrs, &TX2);
	check_bytes(&b,
		    "40 01 01 00 40 02 06 02 02 fd e9 5b a0 40 03 04 c0 00 02 01"
		    " c0 11 0a 02 02 00 00 fd e9 fa 56 ea 00",
		    "AS4_PATH encoding");
	/* ... and for a 4-octet peer */
	b = bbuf_make(out, sizeof(out));
	bgp_attrs_write(&b, &u->attrs, &TX4);
	check_bytes(&b, "40 01 01 00 40 02 0a 02 02 00 00 fd e9 fa 56 ea 00 40 03 04 c0 00 02 01",
		    "4-octet AS_PATH");
	round_trip(u, &RX_AS2, &TX2, "2-octet peer");

	/* AS4_PATH longer than AS_PATH: ignored */
	len = body(A_ORIGIN "40 02 04 02 01 fd e9" A_NH "c0 11 0a 02 02 fa 56 ea 00 fa 56 ea 01",
		   N_BASE, buf, sizeof(buf));
	CHECK_EQ(bgp_update_parse(buf, len, &RX_AS2, u), BGP_UPD_OK);
	CHECK(strcmp(aspath_str(&u->attrs), "65001") == 0, "'%s'", aspath_str(&u->attrs));

	/* AGGREGATOR with a real 2-octet AS: AS4_PATH and AS4_AGGREGATOR ignored */
	len = body(A_ORIGIN "40 02 06 02 02 fd e9 5b a0" A_NH
			    "c0 07 06 fd ea 0a 00 00 01 c0 11 06 02 01 fa 56 ea 00"
			    " c0 12 08 fa 56 ea 00 0a 00 00 02",
		   N_BASE, buf, sizeof(buf));
	CHECK_EQ(bgp_update_parse(buf, len, &RX_AS2, u), BGP_UPD_OK);
	CHECK(strcmp(aspath_str(&u->attrs), "65001 23456") == 0, "'%s'", aspath_str(&u->attrs));
	CHECK_EQ(u->attrs.aggregator_as, 65002);
	CHECK_EQX(u->attrs.aggregator_id, unit_ip4("10.0.0.1"));

	/* AGGREGATOR AS_TRANS + AS4_AGGREGATOR: the 4-octet aggregator; and back out */
	len = body(A_ORIGIN "40 02 06 02 02 fd e9 5b a0" A_NH
			    "c0 07 06 5b a0 0a 00 00 01 c0 11 06 02 01 fa 56 ea 00"
			    " c0 12 08 fa 56 ea 00 0a 00 00 02",
		   N_BASE, buf, sizeof(buf));
	CHECK_EQ(bgp_update_parse(buf, len, &RX_AS2, u), BGP_UPD_OK);
	CHECK(strcmp(aspath_str(&u->attrs), "65001 4200000000") == 0, "'%s'",
	      aspath_str(&u->attrs));
	CHECK_EQ(u->attrs.aggregator_as, 4200000000u);
	CHECK_EQX(u->attrs.aggregator_id, unit_ip4("10.0.0.2"));
	b = bbuf_make(out, sizeof(out));
	bgp_attrs_write(&b, &u->attrs, &TX2);
	check_bytes(&b,
		    "40 01 01 00 40 02 06 02 02 fd e9 5b a0 40 03 04 c0 00 02 01"
		    " c0 07 06 5b a0 0a 00 00 02 c0 11 0a 02 02 00 00 fd e9 fa 56 ea 00"
		    " c0 12 08 fa 56 ea 00 0a 00 00 02",
		    "AS4_AGGREGATOR encoding");
	round_trip(u, &RX_AS2, &TX2, "2-octet aggregator");
	round_trip(u, &RX_EBGP, &TX4, "4-octet aggregator");

	/* a confederation prefix stays in front of the merged path */
	len = body(A_ORIGIN "40 02 0a 03 01 fd f2 02 02 fd e9 5b a0" A_NH
			    "c0 11 06 02 01 fa 56 ea 00",
		   N_BASE, buf, sizeof(buf));
	CHECK_EQ(bgp_update_parse(buf, len, &RX_AS2, u), BGP_UPD_OK);
	CHECK(strcmp(aspath_str(&u->attrs), "(65010) 65001 4200000000") == 0, "'%s'",
	      aspath_str(&u->attrs));

	/* AS4_PATH from a 4-octet peer is dropped without complaint */
	len = body(A_BASE "c0 11 06 02 01 fa 56 ea 00", N_BASE, buf, sizeof(buf));
	CHECK_EQ(bgp_update_parse(buf, len, &RX_EBGP, u), BGP_UPD_OK);
	CHECK(strcmp(aspath_str(&u->attrs), "65001") == 0, "'%s'", aspath_str(&u->attrs));
}

/* ---- RFC 7606 error handling ---- */

enum { AS2 = 1, IBGP = 2, NO_EVPN = 4 };

struct bad_case {
	const char *name;
	const char *attrs; /* attribute area (hex) */
	const char *nlri;  /* IPv4 NLRI field, or NULL */
	const char *body;  /* whole body instead of attrs/nlri */
	unsigned opts;
	enum bgp_upd_action action;
	uint8_t subcode; /* of the UPDATE error recorded in notif; 0: none */
	uint64_t discarded;
};

/* A valid EVPN MP_REACH (next hop 10.0.0.1, one type-3 route) and a type-3 NLRI. */
#define MP_EVPN "80 0e 1c 00 19 46 04 0a 00 00 01 00 " EVPN_T3
#define EVPN_T3 "03 11 00 01 0a 00 00 01 00 05 00 00 00 00 20 0a 00 00 01 "
#define DISC(t) (1ull << (t))
#define OK_	BGP_UPD_OK
#define WDRAW	BGP_UPD_WITHDRAW
#define DISCARD BGP_UPD_ATTR_DISCARD
#define RESET	BGP_UPD_RESET

static const struct bad_case bad_cases[] = {
    /* the baseline the others vary */
    {"valid", A_BASE, N_BASE, NULL, 0, OK_, 0, 0},
    {"valid, extended length ORIGIN", "50 01 00 01 00 " A_ASPATH A_NH, N_BASE, NULL, 0, OK_, 0, 0},
    /* ORIGIN */
    {"ORIGIN value 3", "40 01 01 03 " A_ASPATH A_NH, N_BASE, NULL, 0, WDRAW, 6, 0},
    {"ORIGIN length 2", "40 01 02 00 00 " A_ASPATH A_NH, N_BASE, NULL, 0, WDRAW, 5, 0},
    {"ORIGIN optional bit", "c0 01 01 00 " A_ASPATH A_NH, N_BASE, NULL, 0, WDRAW, 4, 0},
    {"ORIGIN partial bit (ignored)", "60 01 01 00 " A_ASPATH A_NH, N_BASE, NULL, 0, OK_, 0, 0},
    /* AS_PATH */
    {"AS_PATH segment overrun", A_ORIGIN "40 02 06 02 02 00 00 fd e9 " A_NH, N_BASE, NULL, 0, WDRAW,
     11, 0},
    {"AS_PATH segment underrun", A_ORIGIN "40 02 07 02 01 00 00 fd e9 00 " A_NH, N_BASE, NULL, 0,
     WDRAW, 11, 0},
    {"AS_PATH zero count", A_ORIGIN "40 02 02 02 00 " A_NH, N_BASE, NULL, 0, WDRAW, 11, 0},
    {"AS_PATH segment type 5", A_ORIGIN "40 02 06 05 01 00 00 fd e9 " A_NH, N_BASE, NULL, 0, WDRAW,
     11, 0},
    {"AS_PATH 2-octet from a 4-octet peer", A_ORIGIN "40 02 04 02 01 fd e9 " A_NH, N_BASE, NULL, 0,
     WDRAW, 11, 0},
    {"AS_PATH 4-octet from a 2-octet peer", A_ORIGIN "40 02 06 02 02 00 00 fd e9 " A_NH, N_BASE,
     NULL, AS2, OK_, 0, 0},
    {"AS_PATH 2-octet odd length", A_ORIGIN "40 02 05 02 02 fd e9 00 " A_NH, N_BASE, NULL, AS2,
     WDRAW, 11, 0},
    {"empty AS_PATH (iBGP)", A_ORIGIN "40 02 00 " A_NH, N_BASE, NULL, IBGP, OK_, 0, 0},
    /* NEXT_HOP */
    {"NEXT_HOP length 5", A_ORIGIN A_ASPATH "40 03 05 c0 00 02 01 00", N_BASE, NULL, 0, WDRAW, 5,
     0},
    {"NEXT_HOP 0.0.0.0", A_ORIGIN A_ASPATH "40 03 04 00 00 00 00", N_BASE, NULL, 0, WDRAW, 8, 0},
    {"NEXT_HOP 127.0.0.1", A_ORIGIN A_ASPATH "40 03 04 7f 00 00 01", N_BASE, NULL, 0, WDRAW, 8, 0},
    {"NEXT_HOP 224.0.0.5", A_ORIGIN A_ASPATH "40 03 04 e0 00 00 05", N_BASE, NULL, 0, WDRAW, 8, 0},
    {"NEXT_HOP broadcast", A_ORIGIN A_ASPATH "40 03 04 ff ff ff ff", N_BASE, NULL, 0, WDRAW, 8, 0},
    /* MED, LOCAL_PREF */
    {"MED length 3", A_BASE "80 04 03 00 00 01", N_BASE, NULL, 0, WDRAW, 5, 0},
    {"MED well-known flags", A_BASE "40 04 04 00 00 00 01", N_BASE, NULL, 0, WDRAW, 4, 0},
    {"LOCAL_PREF from eBGP", A_BASE "40 05 04 00 00 00 64", N_BASE, NULL, 0, DISCARD, 1, DISC(5)},
    {"LOCAL_PREF length 2 from eBGP", A_BASE "40 05 02 00 64", N_BASE, NULL, 0, DISCARD, 1,
     DISC(5)},
    {"LOCAL_PREF from iBGP", A_BASE "40 05 04 00 00 00 64", N_BASE, NULL, IBGP, OK_, 0, 0},
    {"LOCAL_PREF length 2 from iBGP", A_BASE "40 05 02 00 64", N_BASE, NULL, IBGP, WDRAW, 5, 0},
    /* attribute discard */
    {"ATOMIC_AGGREGATE length 1", A_BASE "40 06 01 00", N_BASE, NULL, 0, DISCARD, 5, DISC(6)},
    {"AGGREGATOR length 6 (4-octet peer)", A_BASE "c0 07 06 fd e9 0a 00 00 01", N_BASE, NULL, 0,
     DISCARD, 5, DISC(7)},
    {"AGGREGATOR length 8 (2-octet peer)",
     A_ORIGIN "40 02 04 02 01 fd e9 " A_NH "c0 07 08 00 00 fd e9 0a 00 00 01", N_BASE, NULL, AS2,
     DISCARD, 5, DISC(7)},
    {"AS4_PATH zero count", A_ORIGIN "40 02 04 02 01 fd e9 " A_NH "c0 11 02 02 00", N_BASE, NULL,
     AS2, DISCARD, 11, DISC(17)},
    {"AS4_PATH overrun", A_ORIGIN "40 02 04 02 01 fd e9 " A_NH "c0 11 05 02 01 00 00 fd", N_BASE,
     NULL, AS2, DISCARD, 11, DISC(17)},
    {"AS4_PATH confed segment", A_ORIGIN "40 02 04 02 01 fd e9 " A_NH "c0 11 06 03 01 00 00 fd e9",
     N_BASE, NULL, AS2, DISCARD, 11, DISC(17)},
    {"AS4_AGGREGATOR length 7",
     A_ORIGIN "40 02 04 02 01 fd e9 " A_NH "c0 12 07 00 00 fd e9 0a 00 00", N_BASE, NULL, AS2,
     DISCARD, 5, DISC(18)},
    /* lists */
    {"COMMUNITIES length 6", A_BASE "c0 08 06 00 00 00 01 00 02", N_BASE, NULL, 0, WDRAW, 5, 0},
    {"COMMUNITIES length 0", A_BASE "c0 08 00", N_BASE, NULL, 0, WDRAW, 5, 0},
    {"EXT_COMMUNITIES length 12", A_BASE "c0 10 0c 00 02 fd e9 00 00 00 01 00 00 00 00", N_BASE,
     NULL, 0, WDRAW, 5, 0},
    {"LARGE_COMMUNITIES length 13", A_BASE "c0 20 0d 00 00 fd e9 00 00 00 01 00 00 00 02 00",
     N_BASE, NULL, 0, WDRAW, 5, 0},
    {"CLUSTER_LIST length 0", A_BASE "80 0a 00", N_BASE, NULL, IBGP, WDRAW, 5, 0},
    {"ORIGINATOR_ID length 3", A_BASE "80 09 03 0a 00 00", N_BASE, NULL, IBGP, WDRAW, 5, 0},
    {"PMSI length 7", A_BASE "c0 16 07 00 06 00 27 74 0a 00", N_BASE, NULL, 0, WDRAW, 5, 0},
    {"PMSI length 4", A_BASE "c0 16 04 00 06 00 27", N_BASE, NULL, 0, WDRAW, 5, 0},
    {"PMSI without tunnel id", A_BASE "c0 16 05 00 00 00 00 00", N_BASE, NULL, 0, OK_, 0, 0},
    /* unrecognised attributes */
    {"unknown well-known type 99", A_BASE "40 63 02 ab cd", N_BASE, NULL, 0, RESET, 2, 0},
    {"unknown optional transitive", A_BASE "c0 63 02 ab cd", N_BASE, NULL, 0, OK_, 0, 0},
    {"unknown optional non-transitive", A_BASE "80 64 01 00", N_BASE, NULL, 0, OK_, 0, 0},
    /* duplicates */
    {"duplicate ORIGIN", A_BASE "40 01 01 02", N_BASE, NULL, 0, DISCARD, 1, DISC(1)},
    {"duplicate MP_REACH", A_ORIGIN A_ASPATH MP_EVPN MP_EVPN, NULL, NULL, 0, RESET, 1, 0},
    {"duplicate MP_UNREACH", "80 0f 03 00 19 46 80 0f 03 00 19 46", NULL, NULL, 0, RESET, 1, 0},
    /* MP_REACH / MP_UNREACH */
    {"MP_REACH EVPN next hop length 5", A_ORIGIN A_ASPATH "80 0e 0a 00 19 46 05 0a 00 00 01 02 00",
     NULL, NULL, 0, RESET, 9, 0},
    {"MP_REACH EVPN next hop length 32",
     A_ORIGIN A_ASPATH "80 0e 25 00 19 46 20" ZERO16 ZERO16 "00", NULL, NULL, 0, RESET, 9, 0},
    {"MP_REACH IPv6 next hop length 4", A_ORIGIN A_ASPATH "80 0e 09 00 02 01 04 0a 00 00 01 00",
     NULL, NULL, 0, RESET, 9, 0},
    {"MP_REACH IPv4 next hop length 16", A_ORIGIN A_ASPATH "80 0e 15 00 01 01 10" ZERO16 "00", NULL,
     NULL, 0, RESET, 9, 0},
    {"MP_REACH short", A_ORIGIN A_ASPATH "80 0e 02 00 19", NULL, NULL, 0, RESET, 9, 0},
    {"MP_REACH next hop beyond the attribute", A_ORIGIN A_ASPATH "80 0e 06 00 19 46 10 0a 00", NULL,
     NULL, 0, RESET, 9, 0},
    {"MP_UNREACH short", "80 0f 02 00 19", NULL, NULL, 0, RESET, 9, 0},
    {"MP_REACH unknown family, odd next hop", A_ORIGIN A_ASPATH "80 0e 08 00 01 80 03 01 02 03 00",
     NULL, NULL, 0, OK_, 0, 0},
    {"MP_REACH EVPN not negotiated, garbage NLRI",
     A_ORIGIN A_ASPATH "80 0e 0b 00 19 46 04 0a 00 00 01 00 05 28", NULL, NULL, NO_EVPN, OK_, 0, 0},
    {"MP_REACH flags non-optional",
     A_ORIGIN A_ASPATH "40 0e 1c 00 19 46 04 0a 00 00 01 00 " EVPN_T3, NULL, NULL, 0, WDRAW, 4, 0},
    /* lengths */
    {"attribute overruns the attribute area", A_BASE "c0 08 08 00 00 00 01", N_BASE, NULL, 0, RESET,
     1, 0},
    {"attribute header cut", A_BASE "40", N_BASE, NULL, 0, RESET, 1, 0},
    {"extended length cut", A_BASE "50 08 00", N_BASE, NULL, 0, RESET, 1, 0},
    {"withdrawn length overrun", NULL, NULL, "00 10 18 0a 00 01 00 00", 0, RESET, 1, 0},
    {"total attribute length overrun", NULL, NULL, "00 00 00 20 40 01 01 00", 0, RESET, 1, 0},
    {"body of one byte", NULL, NULL, "00", 0, RESET, 1, 0},
    {"no attribute length", NULL, NULL, "00 00", 0, RESET, 1, 0},
    /* NLRI */
    {"IPv4 prefix length 33", A_BASE, "21 0a 00 00 01 00", NULL, 0, RESET, 10, 0},
    {"IPv4 prefix cut", A_BASE, "18 0a 00", NULL, 0, RESET, 10, 0},
    {"withdrawn prefix length 40", NULL, NULL, "00 02 28 0a 00 00", 0, RESET, 10, 0},
    {"EVPN type 2 MAC length 47",
     A_ORIGIN A_ASPATH "80 0e 2c 00 19 46 04 0a 00 00 01 00"
		       "02 21 00 01 0a 00 00 01 00 05" ESI0
		       "00 00 00 00 2f 02 00 00 00 00 01 00 00 27 74",
     NULL, NULL, 0, RESET, 1, 0},
    {"EVPN type 5 length 40",
     A_ORIGIN A_ASPATH "80 0e 33 00 19 46 04 0a 00 00 01 00"
		       "05 28 00 01 0a 00 00 01 00 05" ESI0
		       "00 00 00 00 18 0a 02 03 00 00 00 00 00 00 13 88"
		       " 00 00 00 00 00 00",
     NULL, NULL, 0, RESET, 1, 0},
    {"EVPN withdraw malformed", "80 0f 05 00 19 46 02 21", NULL, NULL, 0, RESET, 1, 0},
    {"malformed NLRI beats treat-as-withdraw", "40 01 01 07 " A_ASPATH A_NH, "21 0a 00 00 01 00",
     NULL, 0, RESET, 10, 0},
    {"unknown EVPN type 9 skipped",
     A_ORIGIN A_ASPATH "80 0e 21 00 19 46 04 0a 00 00 01 00"
		       "09 03 aa bb cc " EVPN_T3,
     NULL, NULL, 0, OK_, 0, 0},
    /* missing attributes */
    {"missing ORIGIN with NLRI", A_ASPATH A_NH, N_BASE, NULL, 0, WDRAW, 3, 0},
    {"missing AS_PATH with NLRI", A_ORIGIN A_NH, N_BASE, NULL, 0, WDRAW, 3, 0},
    {"missing NEXT_HOP with IPv4 NLRI", A_ORIGIN A_ASPATH, N_BASE, NULL, 0, WDRAW, 3, 0},
    {"missing AS_PATH with MP_REACH", A_ORIGIN MP_EVPN, NULL, NULL, 0, WDRAW, 3, 0},
    {"MP_REACH needs no NEXT_HOP", A_ORIGIN A_ASPATH MP_EVPN, NULL, NULL, 0, OK_, 0, 0},
    {"only withdrawals, no attributes", NULL, NULL, "00 04 18 0a 00 01 00 00", 0, OK_, 0, 0},
    {"attributes without routes", A_ORIGIN, NULL, NULL, 0, OK_, 0, 0},
    /* worst wins, first of the worst kept */
    {"flags error then unknown well-known", "c0 01 01 00 " A_ASPATH A_NH "40 63 00", N_BASE, NULL,
     0, RESET, 2, 0},
    {"bad ORIGIN then bad MED", "40 01 01 05 " A_ASPATH A_NH "80 04 03 00 00 01", N_BASE, NULL, 0,
     WDRAW, 6, 0},
    {"discard then withdraw", A_BASE "40 06 01 00 80 04 03 00 00 01", N_BASE, NULL, 0, WDRAW, 5,
     DISC(6)},
};

static void test_malformed(void)
{
	static uint8_t buf[1024];
	struct bgp_update *u = &upd;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct bgp_rx_opts o = {.as4 = !(c->opts & AS2),
					.ebgp = !(c->opts & IBGP),
					.af_mask = (c->opts & NO_EVPN) ? 3 : 7};
		size_t len = c->body ? hex(c->body, buf, sizeof(buf))
				     : body(c->attrs, c->nlri, buf, sizeof(buf));
		enum bgp_upd_action act;

		act = bgp_update_parse(buf, len, &o, u);
		CHECK(act == c->action && u->action == act, "%s: action %d, expected %d", c->name,
		      act, c->action);
		if (c->subcode)
			CHECK(u->notif.code == BGP_ERR_UPDATE && u->notif.subcode == c->subcode,
			      "%s: notif %u/%u, expected 3/%u", c->name, u->notif.code,
			      u->notif.subcode, c->subcode);
		else
			CHECK(u->notif.code == 0, "%s: notif %u/%u", c->name, u->notif.code,
			      u->notif.subcode);
		CHECK(u->discarded == c->discarded, "%s: discarded 0x%llx, expected 0x%llx",
		      c->name, (unsigned long long)u->discarded, (unsigned long long)c->discarded);
	}
}

/* The parts of the malformed cases the table does not say. */
static void test_malformed_details(void)
{
	static uint8_t buf[1024], out[256];
	struct bgp_update *u = &upd;
	struct bbuf b;
	size_t len;

	/* flags error: the data is the whole attribute */
	len = body("c0 01 01 00 " A_ASPATH A_NH, N_BASE, buf, sizeof(buf));
	CHECK_EQ(bgp_update_parse(buf, len, &RX_EBGP, u), BGP_UPD_WITHDRAW);
	CHECK(u->notif.len == 4 && memcmp(u->notif.data, "\xc0\x01\x01\x00", 4) == 0,
	      "flags error data (%u bytes)", u->notif.len);
	CHECK(bcur_left(&u->nlri) == 4, "NLRI view lost on treat-as-withdraw");

	/* unknown well-known: data is the attribute */
	len = body(A_BASE "40 63 02 ab cd", N_BASE, buf, sizeof(buf));
	CHECK_EQ(bgp_update_parse(buf, len, &RX_EBGP, u), BGP_UPD_RESET);
	CHECK(u->notif.len == 5 && memcmp(u->notif.data, "\x40\x63\x02\xab\xcd", 5) == 0,
	      "well-known data (%u bytes)", u->notif.len);

	/* missing attribute: data is its type */
	len = body(A_ORIGIN A_ASPATH, N_BASE, buf, sizeof(buf));
	CHECK_EQ(bgp_update_parse(buf, len, &RX_EBGP, u), BGP_UPD_WITHDRAW);
	CHECK(u->notif.len == 1 && u->notif.data[0] == BGP_ATTR_NEXT_HOP, "missing data %u",
	      u->notif.data[0]);

	/* duplicate: the first stands */
	len = body(A_BASE "40 01 01 02", N_BASE, buf, sizeof(buf));
	CHECK_EQ(bgp_update_parse(buf, len, &RX_EBGP, u), BGP_UPD_ATTR_DISCARD);
	CHECK_EQ(u->attrs.origin, BGP_ORIGIN_IGP);
	CHECK(bgp_attr_has(&u->attrs, BGP_ATTR_ORIGIN), "first ORIGIN dropped");

	/* discarded attributes are not present, the others stand */
	len = body(A_BASE "40 06 01 00", N_BASE, buf, sizeof(buf));
	CHECK_EQ(bgp_update_parse(buf, len, &RX_EBGP, u), BGP_UPD_ATTR_DISCARD);
	CHECK(!bgp_attr_has(&u->attrs, BGP_ATTR_ATOMIC_AGGREGATE), "ATOMIC_AGGREGATE kept");
	CHECK(bgp_attr_has(&u->attrs, BGP_ATTR_NEXT_HOP), "NEXT_HOP lost");

	/* LOCAL_PREF from iBGP is kept */
	len = body(A_BASE "40 05 04 00 00 00 64", N_BASE, buf, sizeof(buf));
	CHECK_EQ(bgp_update_parse(buf, len, &RX_IBGP, u), BGP_UPD_OK);
	CHECK_EQ(u->attrs.local_pref, 100);

	/* unknown optional transitive: kept, re-encoded with the partial bit in type order */
	len = body(A_BASE "c0 63 02 ab cd 80 04 04 00 00 00 07 ", N_BASE, buf, sizeof(buf));
	CHECK_EQ(bgp_update_parse(buf, len, &RX_EBGP, u), BGP_UPD_OK);
	CHECK_EQ(u->attrs.n_unknown, 1);
	CHECK(u->attrs.unknown[0].len == 5 &&
		  memcmp(u->attrs.unknown[0].p, "\xc0\x63\x02\xab\xcd", 5) == 0,
	      "unknown view (%u bytes)", u->attrs.unknown[0].len);
	b = bbuf_make(out, sizeof(out));
	bgp_attrs_write(&b, &u->attrs, &TX4);
	check_bytes(&b, A_BASE "80 04 04 00 00 00 07 e0 63 02 ab cd", "partial bit");
	round_trip(u, &RX_EBGP, &TX4, "unknown attribute");

	/* unknown optional non-transitive: gone */
	len = body(A_BASE "80 64 01 00", N_BASE, buf, sizeof(buf));
	CHECK_EQ(bgp_update_parse(buf, len, &RX_EBGP, u), BGP_UPD_OK);
	CHECK_EQ(u->attrs.n_unknown, 0);

	/* more unknown transitive attributes than we keep: the rest are dropped */
	len = 4;
	for (unsigned t = 100; t < 100 + BGP_MAX_UNKNOWN_ATTRS + 3; t++) {
		buf[len++] = 0xc0;
		buf[len++] = (uint8_t)t;
		buf[len++] = 1;
		buf[len++] = (uint8_t)t;
	}
	buf[0] = buf[1] = buf[2] = 0;
	buf[3] = (uint8_t)(len - 4);
	CHECK_EQ(bgp_update_parse(buf, len, &RX_EBGP, u), BGP_UPD_OK);
	CHECK_EQ(u->attrs.n_unknown, BGP_MAX_UNKNOWN_ATTRS);

	/* MP_REACH unknown family: af is BGP_AF_MAX, nothing walked */
	len = body(A_ORIGIN A_ASPATH "80 0e 08 00 01 80 03 01 02 03 00", NULL, buf, sizeof(buf));
	CHECK_EQ(bgp_update_parse(buf, len, &RX_EBGP, u), BGP_UPD_OK);
	CHECK_EQ(u->attrs.mp_reach_af, BGP_AF_MAX);
	CHECK_EQ(u->attrs.mp_reach_safi, 128);

	/* EVPN next hop over IPv6 */
	len = body(A_ORIGIN A_ASPATH "80 0e 28 00 19 46 10 20 01 0d b8 00 00 00 00 00 "
				     "00 00 00 00 00 00 07 00 " EVPN_T3,
		   NULL, buf, sizeof(buf));
	CHECK_EQ(bgp_update_parse(buf, len, &RX_EBGP, u), BGP_UPD_OK);
	CHECK(u->attrs.mp_nexthop.family == AF_INET6 && u->attrs.mp_nexthop.v6[15] == 7 &&
		  u->attrs.mp_nexthop_ll.family == 0,
	      "EVPN IPv6 next hop");
}

/* ---- encoders ---- */

static const uint8_t comms[] = {0xfd, 0xe9, 0x00, 0x64, 0xff, 0xff, 0xff, 0x01};
static const uint8_t aspath_65001[] = {2, 1, 0, 0, 0xfd, 0xe9};
static const uint8_t aspath_65001_65002[] = {2, 2, 0, 0, 0xfd, 0xe9, 0, 0, 0xfd, 0xea};
static const uint8_t ecs_mac[] = {0x00, 0x02, 0xfd, 0xe9, 0x00, 0x00, 0x27, 0x74,
				  0x03, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08};
static const uint8_t ecs_macip[] = {
    0x00, 0x02, 0xfd, 0xe9, 0x00, 0x00, 0x27, 0x74, 0x00, 0x02, 0xfd, 0xe9, 0x00, 0x00, 0x13, 0x88,
    0x03, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x06, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa};
static const uint8_t ecs_prefix[] = {0x00, 0x02, 0xfd, 0xe9, 0x00, 0x00, 0x13, 0x88,
				     0x03, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,
				     0x06, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa};

static struct bgp_attrs attrs; /* 8 KB */

/* ORIGIN IGP, AS_PATH [65001] (the EVPN vectors' attributes) plus ext communities. */
static const struct bgp_attrs *evpn_attrs(const uint8_t *ecs, size_t len)
{
	memset(&attrs, 0, sizeof(attrs));
	attrs.present = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_AS_PATH;
	attrs.origin = BGP_ORIGIN_IGP;
	attrs.aspath = aspath_65001;
	attrs.aspath_len = sizeof(aspath_65001);
	if (ecs) {
		attrs.present |= 1u << BGP_ATTR_EXT_COMMUNITIES;
		attrs.ext_communities = ecs;
		attrs.n_ext_communities = (uint16_t)(len / 8);
	}
	return &attrs;
}

static struct bgp_nlri evpn_mac_route(void)
{
	struct bgp_nlri n = evpn(BGP_EVPN_MAC_IP, "10.0.0.1:5");

	n.evpn.mac = unit_mac("02:00:00:00:00:01");
	n.evpn.n_labels = 1;
	n.evpn.label[0] = 10100;
	return n;
}

static struct bgp_nlri evpn_prefix4_route(void)
{
	struct bgp_nlri n = evpn(BGP_EVPN_PREFIX, "10.0.0.1:5");

	n.evpn.ip = unit_ip("10.2.3.0");
	n.evpn.plen = 24;
	n.evpn.gw = unit_ip("0.0.0.0");
	n.evpn.n_labels = 1;
	n.evpn.label[0] = 5000;
	return n;
}

static void test_encode(void)
{
	static uint8_t out[4096];
	struct bbuf b;
	struct pg_ip nh4 = unit_ip("192.0.2.1"), vtep = unit_ip("10.0.0.1");
	struct pg_ip nh6 = unit_ip("2001:db8::1"), ll = unit_ip("fe80::1");
	struct bgp_nlri r[2];

	/* IPv4 announce */
	memset(&attrs, 0, sizeof(attrs));
	attrs.present = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_AS_PATH | 1u << BGP_ATTR_MED |
			1u << BGP_ATTR_COMMUNITIES;
	attrs.aspath = aspath_65001_65002;
	attrs.aspath_len = sizeof(aspath_65001_65002);
	attrs.med = 100;
	attrs.communities = comms;
	attrs.n_communities = 2;
	r[0] = pfx("10.0.1.0/24");
	r[1] = pfx("10.0.2.1/32");
	b = bbuf_make(out, sizeof(out));
	CHECK_EQ(bgp_update_write_announce(&b, BGP_AF_IPV4, &attrs, &nh4, NULL, r, 2, &TX4), 2);
	check_bytes(&b, V_ANNOUNCE4, "IPv4 announce");
	CHECK(!bgp_attr_has(&attrs, BGP_ATTR_NEXT_HOP), "announce modified *a");

	/* IPv4 withdraw */
	b = bbuf_make(out, sizeof(out));
	CHECK_EQ(bgp_update_write_withdraw(&b, BGP_AF_IPV4, r, 2, &TX4), 2);
	check_bytes(&b, V_WITHDRAW4, "IPv4 withdraw");

	/* EoR */
	b = bbuf_make(out, sizeof(out));
	bgp_update_write_eor(&b, BGP_AF_IPV4);
	check_bytes(&b, V_EOR4, "IPv4 EoR");
	b = bbuf_make(out, sizeof(out));
	bgp_update_write_eor(&b, BGP_AF_EVPN);
	check_bytes(&b, V_EOR_EVPN, "EVPN EoR");

	/* IPv6 with a link-local next hop */
	r[0] = pfx("2001:db8:1::/48");
	r[1] = pfx("2001:db8:2::/64");
	b = bbuf_make(out, sizeof(out));
	CHECK_EQ(
	    bgp_update_write_announce(&b, BGP_AF_IPV6, evpn_attrs(NULL, 0), &nh6, &ll, r, 2, &TX4),
	    2);
	check_bytes(&b, V_ANNOUNCE6, "IPv6 announce");

	/* EVPN type 2, MAC only */
	r[0] = evpn_mac_route();
	b = bbuf_make(out, sizeof(out));
	CHECK_EQ(bgp_update_write_announce(&b, BGP_AF_EVPN, evpn_attrs(ecs_mac, sizeof(ecs_mac)),
					   &vtep, NULL, r, 1, &TX4),
		 1);
	check_bytes(&b, V_EVPN_MAC, "EVPN MAC");

	/* EVPN type 2, MAC/IP, two labels */
	r[0] = evpn(BGP_EVPN_MAC_IP, "65001:100");
	r[0].evpn.mac = unit_mac("02:00:00:00:00:02");
	r[0].evpn.ip = unit_ip("10.1.0.2");
	r[0].evpn.n_labels = 2;
	r[0].evpn.label[0] = 10100;
	r[0].evpn.label[1] = 5000;
	b = bbuf_make(out, sizeof(out));
	CHECK_EQ(bgp_update_write_announce(&b, BGP_AF_EVPN,
					   evpn_attrs(ecs_macip, sizeof(ecs_macip)), &vtep, NULL, r,
					   1, &TX4),
		 1);
	check_bytes(&b, V_EVPN_MACIP, "EVPN MAC/IP");

	/* EVPN type 3 + PMSI */
	r[0] = evpn(BGP_EVPN_IMET, "10.0.0.1:5");
	r[0].evpn.ip = vtep;
	evpn_attrs(ecs_mac, sizeof(ecs_mac));
	attrs.present |= 1u << BGP_ATTR_PMSI_TUNNEL;
	attrs.pmsi_type = 6;
	attrs.pmsi_label = 10100;
	attrs.pmsi_id = vtep;
	b = bbuf_make(out, sizeof(out));
	CHECK_EQ(bgp_update_write_announce(&b, BGP_AF_EVPN, &attrs, &vtep, NULL, r, 1, &TX4), 1);
	check_bytes(&b, V_EVPN_IMET, "EVPN IMET");

	/* EVPN type 5, IPv4 and IPv6 */
	r[0] = evpn_prefix4_route();
	r[1] = evpn(BGP_EVPN_PREFIX, "10.0.0.1:5");
	r[1].evpn.ip = unit_ip("2001:db8:5::");
	r[1].evpn.plen = 64;
	r[1].evpn.gw = unit_ip("::");
	r[1].evpn.n_labels = 1;
	r[1].evpn.label[0] = 5000;
	b = bbuf_make(out, sizeof(out));
	CHECK_EQ(bgp_update_write_announce(&b, BGP_AF_EVPN,
					   evpn_attrs(ecs_prefix, sizeof(ecs_prefix)), &vtep, NULL,
					   r, 2, &TX4),
		 2);
	check_bytes(&b, V_EVPN_PREFIX, "EVPN prefix");

	/* EVPN withdraw */
	r[0] = evpn_mac_route();
	r[1] = evpn_prefix4_route();
	b = bbuf_make(out, sizeof(out));
	CHECK_EQ(bgp_update_write_withdraw(&b, BGP_AF_EVPN, r, 2, &TX4), 2);
	check_bytes(&b, V_EVPN_WITHDRAW, "EVPN withdraw");

	/* misuse */
	b = bbuf_make(out, sizeof(out));
	CHECK_EQ(bgp_update_write_announce(&b, BGP_AF_IPV4, &attrs, &nh6, NULL, r, 1, &TX4), -1);
	CHECK(b.err, "IPv6 next hop for IPv4 accepted");
	b = bbuf_make(out, 30); /* not even the header and the attributes */
	CHECK_EQ(bgp_update_write_announce(&b, BGP_AF_EVPN, &attrs, &vtep, NULL, r, 1, &TX4), -1);
	CHECK(b.err, "err not set");
}

/* Packing: every route exactly once, each message within the size limit and b's room. */
static void check_packing(enum bgp_af af, bool withdraw, const struct bgp_tx_opts *tx, size_t cap,
			  unsigned n, const char *what)
{
	static uint8_t out[70000];
	static struct bgp_nlri routes[4000], got[4000];
	size_t max = tx->ext_msg ? BGP_EXT_MAX_LEN : BGP_MAX_LEN;
	struct pg_ip vtep = unit_ip("10.0.0.1");
	unsigned done = 0, msgs = 0, seen = 0;
	struct bgp_rx_opts rx = {.as4 = tx->as4, .ebgp = true, .af_mask = 7};

	for (unsigned i = 0; i < n; i++) {
		if (af == BGP_AF_IPV4) {
			routes[i] = pfx("10.0.0.0/24");
			routes[i].prefix.ip.v4 = htonl(0x0a000000u + (i << 8));
		} else {
			routes[i] = evpn_mac_route();
			routes[i].evpn.mac.b[4] = (uint8_t)(i >> 8);
			routes[i].evpn.mac.b[5] = (uint8_t)i;
		}
	}
	evpn_attrs(ecs_mac, sizeof(ecs_mac));
	while (done < n) {
		struct bbuf b = bbuf_make(out, cap);
		int k = withdraw ? bgp_update_write_withdraw(&b, af, routes + done, n - done, tx)
				 : bgp_update_write_announce(&b, af, &attrs, &vtep, NULL,
							     routes + done, n - done, tx);
		struct bcur v;
		int w;

		CHECK(k > 0 && !b.err && b.len <= max && b.len <= cap, "%s: k %d len %zu", what, k,
		      b.len);
		if (k <= 0)
			return;
		CHECK_EQ(bgp_update_parse(out + BGP_HDR_LEN, b.len - BGP_HDR_LEN, &rx, &upd),
			 BGP_UPD_OK);
		CHECK_EQ(out[16] << 8 | out[17], b.len);
		if (af == BGP_AF_IPV4)
			v = withdraw ? upd.withdrawn : upd.nlri;
		else
			v = withdraw ? upd.attrs.mp_unreach_nlri : upd.attrs.mp_reach_nlri;
		w = walk(v, af, got, 4000);
		CHECK_EQ(w, k);
		for (int i = 0; i < w && i < k; i++)
			if (af == BGP_AF_IPV4
				? got[i].prefix.ip.v4 == routes[done + i].prefix.ip.v4
				: memcmp(&got[i].evpn.mac, &routes[done + i].evpn.mac, 6) == 0)
				seen++;
		/* a full message: the next route would not have fitted */
		if (done + (unsigned)k < n)
			CHECK(b.len + 60 > (cap < max ? cap : max),
			      "%s: message of %zu bytes not full", what, b.len);
		done += (unsigned)k;
		msgs++;
	}
	CHECK_EQ(seen, n);
	CHECK(msgs > 1, "%s: %u routes in %u message(s)", what, n, msgs);
}

static void test_packing(void)
{
	static const struct bgp_tx_opts ext = {.as4 = true, .ext_msg = true};

	check_packing(BGP_AF_IPV4, false, &TX4, 70000, 2000, "IPv4 announce");
	check_packing(BGP_AF_IPV4, true, &TX4, 70000, 2000, "IPv4 withdraw");
	check_packing(BGP_AF_EVPN, false, &TX4, 70000, 500, "EVPN announce");
	check_packing(BGP_AF_EVPN, true, &TX4, 70000, 500, "EVPN withdraw");
	check_packing(BGP_AF_EVPN, false, &ext, 70000, 4000, "EVPN announce, extended messages");
	check_packing(BGP_AF_IPV4, false, &TX4, 300, 100, "IPv4 announce, small buffer");
	check_packing(BGP_AF_EVPN, false, &TX4, 400, 20, "EVPN announce, small buffer");
}

/* ---- text forms ---- */

static void test_text(void)
{
	static const struct {
		const char *in;
		const char *bytes; /* NULL: rejected */
		const char *out;
	} rds[] = {
	    {"65000:100", "00 00 fd e8 00 00 00 64", "65000:100"},
	    {"10.0.0.1:5", "00 01 0a 00 00 01 00 05", "10.0.0.1:5"},
	    {"4200000000:7", "00 02 fa 56 ea 00 00 07", "4200000000:7"},
	    {"0:4294967295", "00 00 00 00 ff ff ff ff", "0:4294967295"},
	    {"65536:65535", "00 02 00 01 00 00 ff ff", "65536:65535"},
	    {"4200000000:70000", NULL, NULL},
	    {"10.0.0.1:70000", NULL, NULL},
	    {"65000:4294967296", NULL, NULL},
	    {"4294967296:1", NULL, NULL},
	    {"1:2:3", NULL, NULL},
	    {"-1:5", NULL, NULL},
	    {":5", NULL, NULL},
	    {"5:", NULL, NULL},
	    {"abc", NULL, NULL},
	    {"", NULL, NULL},
	    {"10.0.0:5", NULL, NULL},
	    {"65000: 1", NULL, NULL},
	};
	static const struct {
		uint64_t ec;
		const char *text;
	} ecs[] = {
	    {0x0002fde800000064ull, "rt:65000:100"},
	    {0x01020a0000010005ull, "rt:10.0.0.1:5"},
	    {0x0202fa56ea000007ull, "rt:4200000000:7"},
	    {0x030c000000000008ull, "encap:vxlan"},
	    {0x030c00000000000aull, "encap:10"},
	    {0x06030200000000aaull, "rmac:02:00:00:00:00:aa"},
	    {0x0600010000000005ull, "mm:5,sticky"},
	    {0x0600000000000007ull, "mm:7"},
	    {0x030d000000000000ull, "defgw"},
	    {0x0003fde800000064ull, "0x0003fde800000064"},
	};
	uint8_t want[8];
	char buf[64];
	struct bgp_rd r;
	uint64_t ec;

	for (size_t i = 0; i < sizeof(rds) / sizeof(rds[0]); i++) {
		int ret = bgp_rd_parse(rds[i].in, &r);

		if (!rds[i].bytes) {
			CHECK(ret < 0, "RD '%s' accepted", rds[i].in);
			continue;
		}
		hex(rds[i].bytes, want, sizeof(want));
		CHECK(ret == 0, "RD '%s' rejected", rds[i].in);
		CHECK_MEM(r.b, want, 8, rds[i].in);
		CHECK(strcmp(bgp_rd_fmt(&r, buf, sizeof(buf)), rds[i].out) == 0, "RD '%s' -> '%s'",
		      rds[i].in, buf);
	}
	r = bgp_rd_type1(unit_ip4("192.0.2.7"), 300);
	CHECK_MEM(r.b, "\x00\x01\xc0\x00\x02\x07\x01\x2c", 8, "type 1 RD");
	CHECK(strcmp(bgp_rd_fmt(&r, buf, 8), "192.0.2") == 0, "cut RD text '%s'", buf);

	for (size_t i = 0; i < sizeof(ecs) / sizeof(ecs[0]); i++)
		CHECK(strcmp(bgp_ec_fmt(ecs[i].ec, buf, sizeof(buf)), ecs[i].text) == 0,
		      "EC 0x%016llx -> '%s', expected '%s'", (unsigned long long)ecs[i].ec, buf,
		      ecs[i].text);

	CHECK(bgp_rt_parse("65000:100", &ec) == 0 && ec == 0x0002fde800000064ull, "0x%llx",
	      (unsigned long long)ec);
	CHECK(bgp_rt_parse("10.0.0.1:5", &ec) == 0 && ec == 0x01020a0000010005ull, "0x%llx",
	      (unsigned long long)ec);
	CHECK(bgp_rt_parse("4200000000:7", &ec) == 0 && ec == 0x0202fa56ea000007ull, "0x%llx",
	      (unsigned long long)ec);
	CHECK(bgp_rt_parse("rt:65000:100", &ec) == 0 && ec == 0x0002fde800000064ull, "rt: prefix");
	CHECK(bgp_rt_parse("4200000000:65536", &ec) < 0, "AS4 RT with a large value accepted");
	CHECK(bgp_rt_parse("10.0.0.1:65536", &ec) < 0, "IP RT with a large value accepted");
	CHECK(bgp_rt_parse("65000", &ec) < 0, "RT without a value accepted");
	CHECK(bgp_ec_is_rt(0x0002fde800000064ull) && !bgp_ec_is_rt(0x030c000000000008ull), "is_rt");
	CHECK_EQ(bgp_ec_rt_local(0x01020a0000010005ull), 5);

	/* the extended communities EVPN looks at */
	static const uint8_t list[] = {0x06, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05,
				       0x03, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				       0x03, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07};
	struct bgp_evpn_ecs e;

	evpn_attrs(list, sizeof(list));
	bgp_evpn_ecs_get(&attrs, &e);
	CHECK(e.has_mobility && e.sticky && e.mobility_seq == 5, "mobility %d %d %u",
	      e.has_mobility, e.sticky, e.mobility_seq);
	CHECK(e.default_gw && e.has_encap && !e.encap_vxlan && e.n_rt == 0, "defgw/encap");
	attrs.present = 0;
	bgp_evpn_ecs_get(&attrs, &e);
	CHECK(!e.has_mobility && !e.has_encap, "ECs read without the present bit");
}

static void test_aspath(void)
{
	/* SEQUENCE 65001 65002, SET {65003 65004}, CONFED_SEQUENCE (65010), CONFED_SET [65011] */
	static const uint8_t p[] = {2, 2, 0,	0,    0xfd, 0xe9, 0, 0,	   0xfd, 0xea, 1,
				    2, 0, 0,	0xfd, 0xeb, 0,	  0, 0xfd, 0xec, 3,    1,
				    0, 0, 0xfd, 0xf2, 4,    1,	  0, 0,	   0xfd, 0xf3};
	static const uint8_t set_first[] = {1, 1, 0, 0, 0xfd, 0xe9};
	char buf[128];

	CHECK_EQ(bgp_aspath_length(p, sizeof(p)), 3);
	CHECK_EQ(bgp_aspath_first(p, sizeof(p)), 65001);
	CHECK_EQ(bgp_aspath_first(set_first, sizeof(set_first)), 0);
	CHECK_EQ(bgp_aspath_first(NULL, 0), 0);
	CHECK(bgp_aspath_contains(p, sizeof(p), 65004), "65004 not found");
	CHECK(bgp_aspath_contains(p, sizeof(p), 65011), "65011 not found");
	CHECK(!bgp_aspath_contains(p, sizeof(p), 65005), "65005 found");
	/* allowas-in counts the occurrences: 64512 64514 {64514} 64514 64515 holds 64514 3 times */
	static const uint8_t rep[] = {2,    2, 0,    0,	   0xfc, 0x00, 0,    0,	  0xfc,
				      0x02, 1, 1,    0,	   0,	 0xfc, 0x02, 2,	  2,
				      0,    0, 0xfc, 0x02, 0,	 0,    0xfc, 0x03};
	CHECK_EQ(bgp_aspath_count(rep, sizeof(rep), 64514), 3);
	CHECK_EQ(bgp_aspath_count(rep, sizeof(rep), 64512), 1);
	CHECK_EQ(bgp_aspath_count(rep, sizeof(rep), 64513), 0);
	CHECK_EQ(bgp_aspath_count(NULL, 0, 64514), 0);
	bgp_aspath_fmt(p, sizeof(p), buf, sizeof(buf));
	CHECK(strcmp(buf, "65001 65002 {65003,65004} (65010) [65011]") == 0, "'%s'", buf);
	bgp_aspath_fmt(p, sizeof(p), buf, 8);
	CHECK(strcmp(buf, "65001 6") == 0, "cut: '%s'", buf);
	bgp_aspath_fmt(NULL, 0, buf, sizeof(buf));
	CHECK(buf[0] == 0, "empty path '%s'", buf);
	/* a malformed tail is not read */
	CHECK_EQ(bgp_aspath_length(p, 12), 2);

	/* export: our AS in front of a SEQUENCE (same segment), of a SET (a segment of its own), of
	 * an empty path; as-override replaces every occurrence of the peer's AS */
	uint8_t out[64];
	int n = bgp_aspath_export(rep, sizeof(rep), 64520, 0, 0, out, sizeof(out));
	CHECK(n == (int)sizeof(rep) + 4, "prepended length %d", n);
	bgp_aspath_fmt(out, (uint16_t)n, buf, sizeof(buf));
	CHECK(strcmp(buf, "64520 64512 64514 {64514} 64514 64515") == 0, "'%s'", buf);
	n = bgp_aspath_export(rep, sizeof(rep), 64520, 64514, 64520, out, sizeof(out));
	bgp_aspath_fmt(out, (uint16_t)n, buf, sizeof(buf));
	CHECK(strcmp(buf, "64520 64512 64520 {64520} 64520 64515") == 0, "override: '%s'", buf);
	CHECK_EQ(bgp_aspath_count(out, (uint16_t)n, 64514), 0);
	n = bgp_aspath_export(set_first, sizeof(set_first), 64520, 0, 0, out, sizeof(out));
	bgp_aspath_fmt(out, (uint16_t)n, buf, sizeof(buf));
	CHECK(n == 12 && strcmp(buf, "64520 {65001}") == 0, "before a SET: %d '%s'", n, buf);
	n = bgp_aspath_export(NULL, 0, 64520, 0, 0, out, sizeof(out));
	CHECK(n == 6 && out[0] == BGP_ASPATH_SEQUENCE && out[1] == 1 && out[5] == (64520 & 0xff),
	      "empty path: %d", n);
	n = bgp_aspath_export(p, sizeof(p), 0, 65003, 64520, out, sizeof(out)); /* iBGP */
	bgp_aspath_fmt(out, (uint16_t)n, buf, sizeof(buf));
	CHECK(strcmp(buf, "65001 65002 {64520,65004} (65010) [65011]") == 0, "ibgp: '%s'", buf);
	CHECK_EQ(bgp_aspath_export(p, sizeof(p), 64520, 0, 0, out, 10), -1);
	CHECK_EQ(bgp_aspath_export(NULL, 0, 0, 0, 0, out, sizeof(out)), 0);
	/* a full SEQUENCE (255 ASes) gets a new segment in front */
	static uint8_t full[2 + 255 * 4];
	full[0] = BGP_ASPATH_SEQUENCE;
	full[1] = 255;
	static uint8_t big[sizeof(full) + 6];
	n = bgp_aspath_export(full, sizeof(full), 64520, 0, 0, big, sizeof(big));
	CHECK(n == (int)sizeof(big) && big[0] == BGP_ASPATH_SEQUENCE && big[1] == 1 &&
		  big[6] == BGP_ASPATH_SEQUENCE && big[7] == 255,
	      "full: %d", n);
	CHECK_EQ(bgp_aspath_length(big, (uint16_t)n), 256);
}

int main(void)
{
	unit_seed("bgp_update");
	if (unit_selected("parse")) {
		test_parse_ipv4();
		test_parse_ipv6();
		test_parse_evpn();
		test_evpn_nlri();
	}
	if (unit_selected("as4"))
		test_as4();
	if (unit_selected("malformed")) {
		test_malformed();
		test_malformed_details();
	}
	if (unit_selected("encode")) {
		test_encode();
		test_packing();
	}
	if (unit_selected("text")) {
		test_text();
		test_aspath();
	}
	return unit_done("bgp_update");
}
