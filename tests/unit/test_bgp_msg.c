/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP session messages against hand-written byte vectors (RFC 4271 §4, RFC 5492, RFC 6793,
 * RFC 4724, RFC 7313, RFC 8203, RFC 9072): framing, OPEN and every capability both ways,
 * KEEPALIVE, NOTIFICATION, ROUTE-REFRESH, and the malformed forms with the NOTIFICATION each must
 * produce.
 */
#include "bgp_msg.h"
#include "unit.h"
#include "util.h"

#define MARKER                                                                                    \
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	    0xff

/* An OPEN as BIRD 2 sends it to a Calico-style peer: AS 64512, hold 240, with ADD-PATH, LLGR,
 * extended message, FQDN and one capability nobody knows (0x99). */
static const uint8_t bird_open[] = {
    MARKER, 0x00, 84,	0x01,				    /* header: length 84, OPEN */
    0x04,   0xfc, 0x00, 0x00, 0xf0,			    /* version 4, AS 64512, hold 240 */
    0x0a,   0x64, 0x03, 0x02,				    /* BGP id 10.100.3.2 */
    55,							    /* optional parameters length */
    0x02,   53,						    /* capabilities parameter */
    0x01,   0x04, 0x00, 0x01, 0x00, 0x01,		    /* MP IPv4 unicast */
    0x02,   0x00,					    /* route refresh */
    0x46,   0x00,					    /* enhanced route refresh */
    0x40,   0x06, 0x00, 0x78, 0x00, 0x01, 0x01, 0x80,	    /* GR 120 s, IPv4 unicast with F bit */
    0x41,   0x04, 0x00, 0x00, 0xfc, 0x00,		    /* AS4 64512 */
    0x45,   0x04, 0x00, 0x01, 0x01, 0x03,		    /* ADD-PATH IPv4 unicast send+receive */
    0x47,   0x07, 0x00, 0x01, 0x01, 0x80, 0x00, 0x0e, 0x10, /* LLGR IPv4 unicast 3600 s */
    0x06,   0x00,					    /* extended message */
    0x49,   0x06, 0x04, 'n',  'o',  'd',  'e',	0x00,	    /* FQDN "node", no domain */
    0x99,   0x02, 0xab, 0xcd,				    /* unknown capability */
};

/* What Peregrine sends: AS 65001, hold 90, id 192.0.2.1, IPv4 unicast + EVPN, route refresh,
 * enhanced route refresh, GR 120 s for both families (no F bit), AS4. */
static const uint8_t our_open[] = {
    MARKER, 0x00, 65,	0x01, 0x04, 0xfd, 0xe9, 0x00, 0x5a, 0xc0, 0x00, 0x02,
    0x01,   36,	  0x02, 34,		  /* parameters, capabilities */
    0x01,   0x04, 0x00, 0x01, 0x00, 0x01, /* MP IPv4 unicast */
    0x01,   0x04, 0x00, 0x19, 0x00, 0x46, /* MP L2VPN EVPN */
    0x02,   0x00, 0x46, 0x00,		  /* route refresh, enhanced route refresh */
    0x40,   0x0a, 0x00, 0x78, 0x00, 0x01, 0x01, 0x00, 0x00, 0x19, 0x46, 0x00, /* GR */
    0x41,   0x04, 0x00, 0x00, 0xfd, 0xe9,				      /* AS4 */
};

static void test_frame(void)
{
	struct bgp_notif n;
	uint8_t ka[] = {MARKER, 0x00, 19, 0x04};
	uint8_t buf[5000];

	CHECK_EQ(bgp_frame(ka, sizeof(ka), BGP_MAX_LEN, &n), 19);
	CHECK_EQ(bgp_frame(ka, 18, BGP_MAX_LEN, &n), 0); /* header incomplete */
	CHECK_EQ(bgp_frame(bird_open, sizeof(bird_open), BGP_MAX_LEN, &n), 84);
	CHECK_EQ(bgp_frame(bird_open, 83, BGP_MAX_LEN, &n), 0); /* body incomplete */

	/* Two messages back to back: the first is framed alone. */
	memcpy(buf, ka, 19);
	memcpy(buf + 19, ka, 19);
	CHECK_EQ(bgp_frame(buf, 38, BGP_MAX_LEN, &n), 19);

	ka[0] = 0xfe; /* bad marker */
	memset(&n, 0, sizeof(n));
	CHECK_EQ(bgp_frame(ka, sizeof(ka), BGP_MAX_LEN, &n), -1);
	CHECK_EQ(n.code, BGP_ERR_HEADER);
	CHECK_EQ(n.subcode, BGP_ERR_HDR_SYNC);
	ka[0] = 0xff;

	ka[18] = 6; /* unknown type: data is the type */
	CHECK_EQ(bgp_frame(ka, sizeof(ka), BGP_MAX_LEN, &n), -1);
	CHECK_EQ(n.subcode, BGP_ERR_HDR_TYPE);
	CHECK_EQ(n.len, 1);
	CHECK_EQ(n.data[0], 6);
	ka[18] = 0;
	CHECK_EQ(bgp_frame(ka, sizeof(ka), BGP_MAX_LEN, &n), -1);
	CHECK_EQ(n.subcode, BGP_ERR_HDR_TYPE);
	ka[18] = 4;

	/* Lengths: below 19, KEEPALIVE not 19, UPDATE below 23, OPEN below 29, above the max
	 * (data: the length field). */
	struct {
		uint16_t len;
		uint8_t type;
		size_t max;
		int want;
	} lens[] = {
	    {18, 4, BGP_MAX_LEN, -1},	    {20, 4, BGP_MAX_LEN, -1},
	    {22, 2, BGP_MAX_LEN, -1},	    {23, 2, BGP_MAX_LEN, 23},
	    {28, 1, BGP_MAX_LEN, -1},	    {20, 3, BGP_MAX_LEN, -1},
	    {21, 3, BGP_MAX_LEN, 21},	    {22, 5, BGP_MAX_LEN, -1},
	    {4097, 2, BGP_MAX_LEN, -1},	    {4097, 2, BGP_EXT_MAX_LEN, 4097},
	    {4097, 1, BGP_EXT_MAX_LEN, -1}, /* OPEN never extended */
	    {4096, 2, BGP_MAX_LEN, 4096},
	};
	memset(buf, 0, sizeof(buf));
	memset(buf, 0xff, 16);
	for (size_t i = 0; i < PG_ARRAY_SIZE(lens); i++) {
		buf[16] = (uint8_t)(lens[i].len >> 8);
		buf[17] = (uint8_t)lens[i].len;
		buf[18] = lens[i].type;
		memset(&n, 0, sizeof(n));
		int r = bgp_frame(buf, sizeof(buf), lens[i].max, &n);
		CHECK(r == lens[i].want, "length %u type %u: got %d, want %d", lens[i].len,
		      lens[i].type, r, lens[i].want);
		if (lens[i].want == -1) {
			CHECK_EQ(n.code, BGP_ERR_HEADER);
			CHECK_EQ(n.subcode, BGP_ERR_HDR_LENGTH);
			CHECK_EQ(n.len, 2);
			CHECK_EQ(n.data[0] << 8 | n.data[1], lens[i].len);
		}
	}
}

static void test_open_parse(void)
{
	struct bgp_open o;
	struct bgp_notif n;

	CHECK_EQ(bgp_open_parse(bird_open + BGP_HDR_LEN, sizeof(bird_open) - BGP_HDR_LEN, &o, &n),
		 0);
	CHECK_EQ(o.version, 4);
	CHECK_EQ(o.my_as, 64512);
	CHECK_EQ(bgp_open_asn(&o), 64512);
	CHECK_EQ(o.hold_time, 240);
	CHECK_EQX(o.bgp_id, unit_ip4("10.100.3.2"));
	CHECK_EQX(o.caps.mp, BGP_AF_BIT(BGP_AF_IPV4));
	CHECK(o.caps.route_refresh && o.caps.enhanced_rr && o.caps.as4, "rr/err/as4");
	CHECK_EQ(o.caps.as4_asn, 64512);
	CHECK(o.caps.gr && !o.caps.gr_restarting, "gr");
	CHECK_EQ(o.caps.gr_time, 120);
	CHECK_EQX(o.caps.gr_af, BGP_AF_BIT(BGP_AF_IPV4));
	CHECK_EQX(o.caps.gr_af_fwd, BGP_AF_BIT(BGP_AF_IPV4));
	CHECK(o.caps.add_path && o.caps.llgr && o.caps.ext_msg && o.caps.fqdn, "tolerated caps");
	CHECK(strcmp(o.caps.hostname, "node") == 0, "hostname '%s'", o.caps.hostname);
	CHECK_EQ(o.caps.n_unknown, 1);
	CHECK_EQ(o.caps.unknown[0], 0x99);

	char txt[256];
	bgp_caps_fmt(&o.caps, txt, sizeof(txt));
	CHECK(strcmp(txt, "mp(ipv4-unicast) route-refresh enhanced-route-refresh as4(64512) "
			  "extended-message graceful-restart(120s) add-path llgr fqdn(node) "
			  "cap153") == 0,
	      "caps text '%s'", txt);
	/* A short buffer is cut, never overrun. */
	char small[8];
	bgp_caps_fmt(&o.caps, small, sizeof(small));
	CHECK(strlen(small) < sizeof(small), "cut");
}

static void test_open_write(void)
{
	uint8_t buf[BGP_MAX_LEN];
	struct bbuf b = bbuf_make(buf, sizeof(buf));
	struct bgp_open o = {
	    .my_as = 65001,
	    .hold_time = 90,
	    .bgp_id = unit_ip4("192.0.2.1"),
	    .caps = {.mp = BGP_AF_BIT(BGP_AF_IPV4) | BGP_AF_BIT(BGP_AF_EVPN),
		     .route_refresh = true,
		     .enhanced_rr = true,
		     .gr = true,
		     .gr_time = 120,
		     .gr_af = BGP_AF_BIT(BGP_AF_IPV4) | BGP_AF_BIT(BGP_AF_EVPN),
		     .as4 = true,
		     .as4_asn = 65001},
	};
	bgp_open_write(&b, &o);
	CHECK(!b.err, "write");
	CHECK_EQ(b.len, sizeof(our_open));
	CHECK_MEM(buf, our_open, sizeof(our_open), "our OPEN");

	/* And back. */
	struct bgp_open p;
	struct bgp_notif n;
	CHECK_EQ(bgp_frame(buf, b.len, BGP_MAX_LEN, &n), (int)sizeof(our_open));
	CHECK_EQ(bgp_open_parse(buf + BGP_HDR_LEN, b.len - BGP_HDR_LEN, &p, &n), 0);
	CHECK_EQX(p.caps.mp, o.caps.mp);
	CHECK_EQX(p.caps.gr_af, o.caps.gr_af);
	CHECK_EQ(p.caps.gr_time, 120);
	CHECK_EQ(p.hold_time, 90);

	/* A 4-octet AS goes out as AS_TRANS with the real one in the capability, plus FQDN. */
	o.my_as = BGP_AS_TRANS;
	o.caps.as4_asn = 4200000001u;
	o.caps.fqdn = true;
	strcpy(o.caps.hostname, "pe1");
	b = bbuf_make(buf, sizeof(buf));
	bgp_open_write(&b, &o);
	CHECK_EQ(bgp_open_parse(buf + BGP_HDR_LEN, b.len - BGP_HDR_LEN, &p, &n), 0);
	CHECK_EQ(p.my_as, BGP_AS_TRANS);
	CHECK_EQ(bgp_open_asn(&p), 4200000001u);
	CHECK(strcmp(p.caps.hostname, "pe1") == 0, "hostname");

	/* A buffer too small fails cleanly. */
	b = bbuf_make(buf, 40);
	bgp_open_write(&b, &o);
	CHECK(b.err, "short buffer");
}

/* OPEN bodies that must be refused, with the NOTIFICATION each produces. */
static void test_open_bad(void)
{
	static const struct {
		const char *what;
		uint8_t body[40];
		size_t len;
		uint8_t code, sub;
	} cases[] = {
	    {"version 3", {3, 0xfd, 0xe9, 0, 90, 1, 2, 3, 4, 0}, 10, 2, 1},
	    {"hold 2", {4, 0xfd, 0xe9, 0, 2, 1, 2, 3, 4, 0}, 10, 2, 6},
	    {"hold 1", {4, 0xfd, 0xe9, 0, 1, 1, 2, 3, 4, 0}, 10, 2, 6},
	    {"identifier 0", {4, 0xfd, 0xe9, 0, 90, 0, 0, 0, 0, 0}, 10, 2, 3},
	    {"short", {4, 0xfd, 0xe9, 0, 90, 1, 2, 3}, 8, 1, 2},
	    {"optional length past the end",
	     {4, 0xfd, 0xe9, 0, 90, 1, 2, 3, 4, 5, 2, 2, 2, 0},
	     14,
	     1,
	     2},
	    {"optional length short of the end",
	     {4, 0xfd, 0xe9, 0, 90, 1, 2, 3, 4, 2, 2, 0, 0},
	     13,
	     1,
	     2},
	    {"authentication parameter", {4, 0xfd, 0xe9, 0, 90, 1, 2, 3, 4, 3, 1, 1, 0}, 13, 2, 4},
	    {"parameter past its container", {4, 0xfd, 0xe9, 0, 90, 1, 2, 3, 4, 2, 2, 5}, 12, 2, 4},
	    {"capability past its parameter",
	     {4, 0xfd, 0xe9, 0, 90, 1, 2, 3, 4, 4, 2, 2, 65, 4},
	     14,
	     2,
	     4},
	    {"AS4 of length 2", {4, 0xfd, 0xe9, 0, 90, 1, 2, 3, 4, 6, 2, 4, 65, 2, 0, 1}, 16, 2, 4},
	    {"MP of length 3",
	     {4, 0xfd, 0xe9, 0, 90, 1, 2, 3, 4, 7, 2, 5, 1, 3, 0, 1, 0},
	     17,
	     2,
	     4},
	    {"GR of length 3",
	     {4, 0xfd, 0xe9, 0, 90, 1, 2, 3, 4, 7, 2, 5, 64, 3, 0, 120, 0},
	     17,
	     2,
	     4},
	    {"route refresh with a value",
	     {4, 0xfd, 0xe9, 0, 90, 1, 2, 3, 4, 5, 2, 3, 2, 1, 0},
	     15,
	     2,
	     4},
	};
	for (size_t i = 0; i < PG_ARRAY_SIZE(cases); i++) {
		struct bgp_open o;
		struct bgp_notif n = {0};
		int r = bgp_open_parse(cases[i].body, cases[i].len, &o, &n);
		CHECK(r == -1, "%s: accepted", cases[i].what);
		CHECK(n.code == cases[i].code && n.subcode == cases[i].sub,
		      "%s: notification %u/%u, want %u/%u", cases[i].what, n.code, n.subcode,
		      cases[i].code, cases[i].sub);
	}
	/* Version error data: the highest version we speak. */
	struct bgp_open o;
	struct bgp_notif n;
	bgp_open_parse(cases[0].body, cases[0].len, &o, &n);
	CHECK_EQ(n.len, 2);
	CHECK_EQ(n.data[1], 4);

	/* Hold time 0 (no keepalives) is legal. */
	static const uint8_t hold0[] = {4, 0xfd, 0xe9, 0, 0, 1, 2, 3, 4, 0};
	CHECK_EQ(bgp_open_parse(hold0, sizeof(hold0), &o, &n), 0);
	CHECK_EQ(o.hold_time, 0);

	/* Several capabilities parameters (the older form) and the pre-standard route refresh. */
	static const uint8_t multi[] = {4, 0xfd, 0xe9, 0, 90, 1, 2, 3, 4, 16, /* */
					2, 6,	 1,    4, 0,  2, 0, 1,	      /* MP IPv6 */
					2, 2,	 128,  0,		      /* old RR */
					2, 2,	 0,    0};		      /* code 0 */
	CHECK_EQ(bgp_open_parse(multi, sizeof(multi), &o, &n), 0);
	CHECK_EQX(o.caps.mp, BGP_AF_BIT(BGP_AF_IPV6));
	CHECK(o.caps.route_refresh, "old route refresh code");
	CHECK(!o.caps.as4, "no AS4");

	/* RFC 9072 extended optional parameters: 255, 255, 2-byte length, 2-byte lengths inside. */
	static const uint8_t ext[] = {4, 0xfd, 0xe9, 0, 90, 1,	2, 3, 4, 255,  255,
				      0, 9,    2,    0, 6,  65, 4, 0, 0, 0xfd, 0xe9};
	CHECK_EQ(bgp_open_parse(ext, sizeof(ext), &o, &n), 0);
	CHECK(o.caps.as4 && o.caps.as4_asn == 65001, "extended parameters: AS4 %u", o.caps.as4_asn);

	/* MP for a family we do not speak is counted, not refused. */
	static const uint8_t other[] = {4, 0xfd, 0xe9, 0, 90, 1, 2, 3, 4,
					8, 2,	 6,    1, 4,  0, 1, 0, 128};
	CHECK_EQ(bgp_open_parse(other, sizeof(other), &o, &n), 0);
	CHECK_EQ(o.caps.mp, 0);
	CHECK_EQ(o.caps.n_mp_other, 1);
}

static void test_keepalive_notification(void)
{
	uint8_t buf[256];
	struct bbuf b = bbuf_make(buf, sizeof(buf));
	static const uint8_t ka[] = {MARKER, 0x00, 19, 0x04};

	bgp_keepalive_write(&b);
	CHECK_EQ(b.len, 19);
	CHECK_MEM(buf, ka, 19, "KEEPALIVE");

	/* Hold timer expired, no data. */
	static const uint8_t hold[] = {MARKER, 0x00, 21, 0x03, 0x04, 0x00};
	struct bgp_notif n = {.code = BGP_ERR_HOLD};
	b = bbuf_make(buf, sizeof(buf));
	bgp_notification_write(&b, &n);
	CHECK_EQ(b.len, sizeof(hold));
	CHECK_MEM(buf, hold, sizeof(hold), "NOTIFICATION hold");

	/* UPDATE error / malformed AS_PATH with data. */
	static const uint8_t upd[] = {MARKER, 0x00, 24, 0x03, 0x03, 0x0b, 0x40, 0x02, 0x00};
	b = bbuf_make(buf, sizeof(buf));
	bgp_notif_set(&n, BGP_ERR_UPDATE, BGP_ERR_UPD_AS_PATH, (const uint8_t[]){0x40, 2, 0}, 3);
	bgp_notification_write(&b, &n);
	CHECK_MEM(buf, upd, sizeof(upd), "NOTIFICATION update");

	/* Data longer than the notif holds is cut to it. */
	uint8_t big[300];
	memset(big, 7, sizeof(big));
	bgp_notif_set(&n, BGP_ERR_UPDATE, 1, big, sizeof(big));
	CHECK_EQ(n.len, sizeof(n.data));

	/* Parse: Cease / administrative shutdown with an RFC 8203 message. */
	static const uint8_t shut[] = {6,   2,	 11,  'm', 'a', 'i', 'n',
				       't', 'e', 'n', 'a', 'n', 'c', 0x01};
	struct bgp_notification p;
	CHECK_EQ(bgp_notification_parse(shut, sizeof(shut), &p), 0);
	CHECK_EQ(p.code, 6);
	CHECK_EQ(p.subcode, 2);
	CHECK(strcmp(p.shutdown_msg, "maintenanc?") == 0, "shutdown message '%s'", p.shutdown_msg);
	/* A message length past the data is ignored, not read. */
	static const uint8_t shut_bad[] = {6, 2, 200, 'x'};
	CHECK_EQ(bgp_notification_parse(shut_bad, sizeof(shut_bad), &p), 0);
	CHECK_EQ(p.shutdown_msg[0], 0);
	CHECK_EQ(bgp_notification_parse(shut, 1, &p), -1);

	CHECK(strcmp(bgp_err_code_name(6), "Cease") == 0, "code name");
	CHECK(strcmp(bgp_err_subcode_name(6, 2), "Administrative Shutdown") == 0, "subcode");
	CHECK(strcmp(bgp_err_subcode_name(3, 11), "Malformed AS_PATH") == 0, "subcode");
	CHECK(strcmp(bgp_err_subcode_name(3, 200), "Unknown") == 0, "unknown subcode");
	CHECK(strcmp(bgp_err_subcode_name(4, 0), "Unspecific") == 0, "hold");
	CHECK(strcmp(bgp_err_code_name(99), "Unknown") == 0, "unknown code");
}

static void test_route_refresh(void)
{
	uint8_t buf[64];
	struct bbuf b = bbuf_make(buf, sizeof(buf));
	static const uint8_t borr[] = {MARKER, 0x00, 23, 0x05, 0x00, 0x19, 0x01, 0x46};
	struct bgp_route_refresh rr;
	struct bgp_notif n;

	bgp_route_refresh_write(&b, BGP_AF_EVPN, BGP_RR_BORR);
	CHECK_EQ(b.len, sizeof(borr));
	CHECK_MEM(buf, borr, sizeof(borr), "BoRR EVPN");
	CHECK_EQ(bgp_route_refresh_parse(borr + 19, 4, &rr, &n), 0);
	CHECK_EQ(rr.afi, 25);
	CHECK_EQ(rr.safi, 70);
	CHECK_EQ(rr.subtype, BGP_RR_BORR);
	CHECK_EQ(bgp_route_refresh_parse(borr + 19, 3, &rr, &n), -1);
	CHECK(n.code == BGP_ERR_ROUTE_REFRESH && n.subcode == BGP_ERR_RR_LENGTH, "short");
	static const uint8_t five[] = {0, 1, 0, 1, 0};
	CHECK_EQ(bgp_route_refresh_parse(five, 5, &rr, &n), -1);
	CHECK_EQ(n.len, 5);
}

static void test_cursor(void)
{
	static const uint8_t d[] = {1, 2, 3, 4, 5, 6, 7};
	struct bcur c = bcur_make(d, sizeof(d));

	CHECK_EQ(bcur_u16(&c), 0x0102);
	struct bcur s = bcur_sub(&c, 3);
	CHECK_EQ(bcur_left(&s), 3);
	CHECK_EQ(bcur_u32(&s), 0); /* past the sub-view: fails, reads nothing */
	CHECK(!bcur_ok(&s) && bcur_empty(&s), "sub failed");
	CHECK(bcur_ok(&c), "parent unaffected");
	CHECK_EQ(bcur_u16(&c), 0x0607);
	CHECK_EQ(bcur_u8(&c), 0);
	CHECK(!bcur_ok(&c), "end");
	c = bcur_make(d, sizeof(d));
	s = bcur_sub(&c, 8);
	CHECK(!bcur_ok(&s) && !bcur_ok(&c), "oversized sub fails both");
	c = bcur_make(d, sizeof(d));
	CHECK_EQ(bcur_u24(&c), 0x010203);

	uint8_t out[4];
	struct bbuf b = bbuf_make(out, sizeof(out));
	size_t at = bbuf_reserve8(&b);
	bbuf_u16(&b, 0xbeef);
	bbuf_patch8(&b, at);
	CHECK_EQ(out[0], 2);
	bbuf_u16(&b, 1); /* 5 bytes into 4 */
	CHECK(b.err, "overflow");
	CHECK_EQ(b.len, 3);
}

int main(void)
{
	unit_seed("test_bgp_msg");
	test_cursor();
	test_frame();
	test_open_parse();
	test_open_write();
	test_open_bad();
	test_keepalive_notification();
	test_route_refresh();
	return unit_done("test_bgp_msg");
}
