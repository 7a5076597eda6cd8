/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * UPDATE messages: path attributes (RFC 4271, 4760, 6793, 1997, 4360, 8092, 4456, 6514), NLRI of
 * IPv4/IPv6 unicast and L2VPN EVPN (RFC 7432, 8365, 9136), error handling by RFC 7606, and the
 * encoders for what Peregrine announces.
 *
 * Parsing never allocates: variable-length attributes are views into the message (valid as long
 * as the message buffer), except a 2-octet peer's AS path, which is rebuilt in 4-octet form in the
 * struct itself. bgp_update_parse() checks every NLRI of the message before returning OK, so a
 * caller applying the routes never meets a malformed one half-way.
 */

#include "addr.h"
#include "bgp_wire.h"

/* ---- EVPN ---- */
struct bgp_rd {
	uint8_t b[8]; /* as on the wire: type (2 bytes), then the value */
};

enum bgp_evpn_type {
	BGP_EVPN_AD = 1,     /* Ethernet auto-discovery (parsed, not used) */
	BGP_EVPN_MAC_IP = 2, /* MAC/IP advertisement */
	BGP_EVPN_IMET = 3,   /* inclusive multicast Ethernet tag */
	BGP_EVPN_ES = 4,     /* Ethernet segment (parsed, not used) */
	BGP_EVPN_PREFIX = 5, /* IP prefix (RFC 9136) */
};

struct bgp_evpn {
	uint8_t type; /* enum bgp_evpn_type */
	struct bgp_rd rd;
	uint8_t esi[10];   /* types 1, 2, 4, 5 */
	uint32_t etag;	   /* types 1, 2, 3, 5 */
	struct pg_mac mac; /* type 2 (MAC length is always 48 on the wire) */
	/* type 2: the IP (family 0 when the route has none); types 3 and 4: the originating
	 * router's IP; type 5: the prefix (with plen). */
	struct pg_ip ip;
	uint8_t plen;	 /* type 5 */
	struct pg_ip gw; /* type 5 gateway IP (all zero when unused), same family as ip */
	uint8_t n_labels;
	uint32_t
	    label[2]; /* 24-bit fields as on the wire; for VXLAN they carry the VNI (RFC 8365) */
};

/* One NLRI of any of our families. */
struct bgp_nlri {
	uint8_t af;		 /* enum bgp_af */
	struct pg_prefix prefix; /* BGP_AF_IPV4 / BGP_AF_IPV6 */
	struct bgp_evpn evpn;	 /* BGP_AF_EVPN */
};

/*
 * Next NLRI from a view holding af's encoding (IPv4/IPv6: length + prefix bytes, host bits
 * masked off as FRR and BIRD do; EVPN: type + length + body). Returns 1 with *out filled (IPv4 and
 * IPv6: af and prefix only, out->evpn is left as it was), 0 at the
 * end of the view, -1 when malformed (notif: UPDATE error / invalid network field, or malformed
 * attribute list for EVPN). Unknown EVPN route types are skipped by their length (returns 1 with
 * out->evpn.type as read and nothing else filled; callers ignore types they do not know).
 */
int bgp_nlri_next(struct bcur *c, enum bgp_af af, struct bgp_nlri *out, struct bgp_notif *notif);

/* Append one NLRI in af's encoding. */
void bgp_nlri_write(struct bbuf *b, const struct bgp_nlri *n);

/* "RD 65000:100 [2]:[0]:[48]:[aa:bb:cc:dd:ee:ff]:[32]:[10.0.0.1]" (FRR's EVPN prefix form with
 * the RD in front); plain "10.0.0.0/24" for unicast. Returns buf. */
#define BGP_NLRI_FMT_LEN 160
char *bgp_nlri_fmt(const struct bgp_nlri *n, char *buf, size_t len);

/* Route distinguisher text: "65000:100" (type 0), "10.0.0.1:5" (type 1), "4200000000:7" (type 2).
 */
int bgp_rd_parse(const char *s, struct bgp_rd *rd);
#define BGP_RD_FMT_LEN 32
char *bgp_rd_fmt(const struct bgp_rd *rd, char *buf, size_t len);
/* Type 1 RD router-id:index (the auto RD of RFC 7432 §7.9). ip is network order. */
struct bgp_rd bgp_rd_type1(uint32_t ip, uint16_t index);

/* ---- extended communities (8 bytes, kept as host-order uint64 of the wire bytes) ---- */
#define BGP_EC_RT_AS2	 0x0002000000000000ull /* type 0x00, subtype 0x02: AS2:u32 */
#define BGP_EC_RT_IP4	 0x0102000000000000ull /* type 0x01, subtype 0x02: IPv4:u16 */
#define BGP_EC_RT_AS4	 0x0202000000000000ull /* type 0x02, subtype 0x02: AS4:u16 */
#define BGP_EC_TYPE_MASK 0xffff000000000000ull

static inline uint64_t bgp_ec_rt_as2(uint16_t as, uint32_t val)
{
	return BGP_EC_RT_AS2 | (uint64_t)as << 32 | val;
}
static inline bool bgp_ec_is_rt(uint64_t ec)
{
	uint64_t t = ec & BGP_EC_TYPE_MASK;
	return t == BGP_EC_RT_AS2 || t == BGP_EC_RT_IP4 || t == BGP_EC_RT_AS4;
}
/* The RT's local administrator (the VNI in auto RTs): low 32 bits for AS2, low 16 otherwise. */
static inline uint32_t bgp_ec_rt_local(uint64_t ec)
{
	return (ec & BGP_EC_TYPE_MASK) == BGP_EC_RT_AS2 ? (uint32_t)ec : (uint32_t)(ec & 0xffff);
}
/* Text form "rt:65000:100", "rt:10.0.0.1:5", "rt:4200000000:5", "encap:vxlan" (other tunnel
 * types "encap:N"), "rmac:02:00:..", "mm:SEQ[,sticky]", "defgw", else "0x%016llx". */
#define BGP_EC_FMT_LEN 48
char *bgp_ec_fmt(uint64_t ec, char *buf, size_t len);
/* "ASN:VAL" / "IP:VAL" route-target text, "rt:" prefix optional (the AS decides type 0 vs 2). */
int bgp_rt_parse(const char *s, uint64_t *ec);

#define BGP_ENCAP_VXLAN 8

/* What EVPN needs out of an extended community list. */
struct bgp_evpn_ecs {
	uint8_t n_rt;
	uint64_t rt[16];  /* the first 16 route targets */
	bool encap_vxlan; /* encapsulation EC (type 0x03/0x0c) with tunnel type 8 */
	bool has_encap;	  /* any encapsulation EC */
	bool has_rmac;	  /* EVPN router's MAC (0x06/0x03, RFC 9135) */
	struct pg_mac rmac;
	bool has_mobility; /* MAC mobility (0x06/0x00, RFC 7432 §7.7) */
	bool sticky;
	uint32_t mobility_seq;
	bool default_gw; /* 0x03/0x0d */
};

/* ---- parsed attributes ---- */
#define BGP_MAX_UNKNOWN_ATTRS 8

struct bgp_attr_view {
	const uint8_t *p; /* the whole attribute: flags, type, length, value */
	uint16_t len;
};

struct bgp_attrs {
	uint64_t present; /* bit (1 << type) for each attribute that was accepted */
	uint8_t origin;
	uint32_t med;
	uint32_t local_pref;
	uint32_t nexthop; /* NEXT_HOP, network order */
	uint32_t aggregator_as;
	uint32_t aggregator_id; /* network order */
	uint32_t originator_id; /* network order */
	/* AS path as 4-octet segments in wire layout: {type u8, count u8, count x u32 big-endian}.
	 * Points into the message, or into aspath_buf when rebuilt from a 2-octet AS_PATH and
	 * AS4_PATH (RFC 6793 §4.2.3). */
	const uint8_t *aspath;
	uint16_t aspath_len;
	/* Lists: views of the attribute values, count entries each (network order). */
	const uint8_t *communities; /* 4 bytes each */
	uint16_t n_communities;
	const uint8_t *ext_communities; /* 8 bytes each */
	uint16_t n_ext_communities;
	const uint8_t *large_communities; /* 12 bytes each */
	uint16_t n_large_communities;
	const uint8_t *cluster_list; /* 4 bytes each */
	uint16_t n_cluster_list;
	/* PMSI tunnel (RFC 6514 §5): type 6 = ingress replication with id = the tunnel endpoint */
	uint8_t pmsi_flags, pmsi_type;
	uint32_t pmsi_label; /* 24-bit field (the VNI for VXLAN) */
	struct pg_ip pmsi_id;
	/* Unrecognised optional transitive attributes, passed on with the partial bit. */
	uint8_t n_unknown;
	struct bgp_attr_view unknown[BGP_MAX_UNKNOWN_ATTRS];
	/* MP_REACH_NLRI / MP_UNREACH_NLRI (present bits say which); af is BGP_AF_MAX for a family
	 * we do not speak (its NLRI are then not looked at). */
	uint16_t mp_reach_afi, mp_unreach_afi;
	uint8_t mp_reach_safi, mp_unreach_safi;
	uint8_t mp_reach_af, mp_unreach_af;
	struct pg_ip mp_nexthop; /* global (IPv6: the 16- or 32-byte form's first address) */
	struct pg_ip
	    mp_nexthop_ll; /* IPv6 link-local when the next hop is 32 bytes, else family 0 */
	struct bcur mp_reach_nlri, mp_unreach_nlri;
	uint8_t aspath_buf[8192];
};

static inline bool bgp_attr_has(const struct bgp_attrs *a, unsigned type)
{
	return type < 64 && (a->present >> type) & 1;
}

/* Decode the EVPN-relevant extended communities of a. */
void bgp_evpn_ecs_get(const struct bgp_attrs *a, struct bgp_evpn_ecs *out);

/* AS path helpers (over the 4-octet form). */
unsigned bgp_aspath_length(const uint8_t *p, uint16_t len); /* RFC 4271 §9.1.2.2: a SET counts 1 */
uint32_t bgp_aspath_first(const uint8_t *p, uint16_t len);  /* leftmost AS of a SEQUENCE, or 0 */
bool bgp_aspath_contains(const uint8_t *p, uint16_t len, uint32_t as);
/* How many times AS occurs in the path (SEQUENCEs and SETs alike). */
unsigned bgp_aspath_count(const uint8_t *p, uint16_t len, uint32_t as);
/* The AS path as sent to a peer: `prepend` (0: none) in front, in the first SEQUENCE when it has
 * room, else a SEQUENCE of its own (RFC 4271 §5.1.2), and every occurrence of `replace` (0:
 * none) changed into `with` (FRR's as-override). Malformed segments are not copied. Returns the
 * bytes written to out (at most cap), -1 when it does not fit. */
int bgp_aspath_export(const uint8_t *p, uint16_t len, uint32_t prepend, uint32_t replace,
		      uint32_t with, uint8_t *out, size_t cap);
/* "65001 65002 {65003,65004}" into buf. */
char *bgp_aspath_fmt(const uint8_t *p, uint16_t len, char *buf, size_t buflen);

/* ---- UPDATE ---- */
struct bgp_rx_opts {
	bool as4;	  /* 4-octet AS negotiated: AS_PATH/AGGREGATOR carry 4-octet ASNs */
	bool ebgp;	  /* external peer: LOCAL_PREF is ignored (discarded) */
	uint32_t af_mask; /* families negotiated (BGP_AF_BIT): NLRI of others are ignored */
};

/* RFC 7606 outcome of one UPDATE, from mildest to worst. */
enum bgp_upd_action {
	BGP_UPD_OK = 0,
	BGP_UPD_ATTR_DISCARD, /* some attributes were dropped (see discarded); routes stand */
	BGP_UPD_WITHDRAW, /* treat-as-withdraw: every route the message announces is withdrawn */
	BGP_UPD_RESET,	  /* session reset: send notif */
};

struct bgp_update {
	struct bcur withdrawn; /* IPv4 withdrawn routes field */
	struct bcur nlri;      /* IPv4 NLRI field */
	struct bgp_attrs attrs;
	enum bgp_upd_action action;
	/* RESET: the NOTIFICATION to send. WITHDRAW / ATTR_DISCARD: the error that caused it (for
	 * the log and counters; nothing is sent). */
	struct bgp_notif notif;
	uint64_t discarded; /* (1 << type) of discarded attributes */
	/* End-of-RIB marker (RFC 4724 §2): empty UPDATE (IPv4) or empty MP_UNREACH (others). */
	bool eor;
	uint8_t eor_af;
};

/*
 * Parse an UPDATE body (the bytes after the 19-byte header). Returns u->action. On BGP_UPD_OK and
 * BGP_UPD_ATTR_DISCARD the withdrawn/NLRI views and attrs are ready to apply; on BGP_UPD_WITHDRAW
 * the views are ready and every announced NLRI must be treated as withdrawn; on BGP_UPD_RESET
 * nothing may be applied.
 *
 * Checks (RFC 4271 §6.3 as revised by RFC 7606): lengths (withdrawn, total attribute length) →
 * reset; attribute flags, lengths and values per attribute (treat-as-withdraw, or attribute
 * discard for ATOMIC_AGGREGATE, AGGREGATOR, AS4_PATH, AS4_AGGREGATOR and an eBGP LOCAL_PREF);
 * duplicate attributes (first kept; duplicate MP_REACH/MP_UNREACH → reset); unrecognised
 * well-known attribute → reset; missing ORIGIN/AS_PATH/NEXT_HOP (NEXT_HOP only with IPv4 NLRI) when
 * routes are announced → treat-as-withdraw; any malformed NLRI (in any of the four places) →
 * reset; MP_REACH with a next hop length that does not fit the family → reset.
 */
enum bgp_upd_action bgp_update_parse(const uint8_t *body, size_t len, const struct bgp_rx_opts *o,
				     struct bgp_update *u);

/* ---- encoding ---- */
struct bgp_tx_opts {
	bool as4;     /* peer speaks 4-octet AS: else AS_PATH gets AS_TRANS and an AS4_PATH */
	bool ext_msg; /* RFC 8654 extended messages negotiated: up to 65535 bytes */
};

/*
 * Write the path attributes of a (those with a present bit, except MP_REACH/MP_UNREACH which the
 * message writers add) in type order, with the extended-length flag where needed and the partial
 * bit on passed-on unknown attributes.
 */
void bgp_attrs_write(struct bbuf *b, const struct bgp_attrs *a, const struct bgp_tx_opts *o);

/*
 * Write one complete UPDATE message (header included) into b: as many of the n routes as fit in
 * the message size. Announcements of IPv4 unicast use the NLRI field and a NEXT_HOP attribute (nh
 * must be IPv4); the other families go into MP_REACH_NLRI with next hop nh (EVPN: IPv4 or IPv6
 * VTEP; IPv6 unicast: IPv6, with nh_ll appended when its family is set). Withdrawals use the
 * withdrawn routes field (IPv4) or MP_UNREACH_NLRI. Return the number of routes written (>= 1),
 * or -1 when not even one fits (b->err set).
 */
int bgp_update_write_announce(struct bbuf *b, enum bgp_af af, const struct bgp_attrs *a,
			      const struct pg_ip *nh, const struct pg_ip *nh_ll,
			      const struct bgp_nlri *routes, unsigned n,
			      const struct bgp_tx_opts *o);
int bgp_update_write_withdraw(struct bbuf *b, enum bgp_af af, const struct bgp_nlri *routes,
			      unsigned n, const struct bgp_tx_opts *o);
/* End-of-RIB marker for af. */
void bgp_update_write_eor(struct bbuf *b, enum bgp_af af);
