/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * BGP routing policy (docs/config.md, "Routing policy"): named prefix sets, community sets and
 * policies (ordered terms: match -> set -> accept | reject | next), compiled once when the
 * configuration is loaded and evaluated on import (before the RIB) and on export (per peer).
 *
 * The database is built by the configuration loader (config.c) and shared, read-only, with the
 * speaker (reference counted: the configuration and the running speaker each hold one). No DPDK
 * dependency: it lives in the codec library with the unit tests and fuzzers.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define BGP_POL_NAME_MAX    64 /* with the NUL */
#define BGP_POL_MAX_SETS    256
#define BGP_POL_MAX_PFX	    65536 /* entries per prefix set */
#define BGP_POL_MAX_COMM    1024  /* entries per community set, communities per set action */
#define BGP_POL_MAX_TERMS   256
#define BGP_POL_CHAIN_MAX   8
#define BGP_POL_PREPEND_MAX 10
#define BGP_POL_WORK_COMM   1024 /* communities a route may carry through a policy */
#define BGP_POL_WORK_ASPATH 1024 /* bytes of AS path */

/* A community or a pattern: standard (v[0] = 32-bit value) or large (v[0..2]); wild bit i: any
 * value of part i (standard: bit 0 = high half, bit 1 = low half). */
struct bgp_comm_pat {
	bool large;
	uint8_t wild;
	uint32_t v[3];
};
#define BGP_COMM_FMT_LEN 40
/* "65000:100", "65000:1:2", "65000:*", "no-export", ... 0 or -EINVAL. */
int bgp_comm_parse(const char *s, struct bgp_comm_pat *out);
char *bgp_comm_fmt(const struct bgp_comm_pat *c, char *buf, size_t len);

struct bgp_pfx_ent {
	struct pg_prefix prefix;
	uint8_t ge, le; /* resolved: prefix.len <= ge <= le <= max */
	/* as written, for printing: 0 = absent */
	bool has_ge, has_le;
};

struct bgp_pfx_set {
	char name[BGP_POL_NAME_MAX];
	int line;
	unsigned n;
	struct bgp_pfx_ent *ents; /* as configured */
	/* compiled: per family (0 IPv4, 1 IPv6) entries sorted by (len, address), and the
	 * distinct lengths present */
	struct bgp_pfx_ent *sorted[2];
	unsigned n_sorted[2];
	uint8_t lens[2][129];
	unsigned n_lens[2];
};

struct bgp_comm_set {
	char name[BGP_POL_NAME_MAX];
	int line;
	unsigned n;
	struct bgp_comm_pat *ents;
};

enum bgp_pol_action { BGP_POL_ACCEPT, BGP_POL_REJECT, BGP_POL_NEXT };

/* match bits */
enum {
	BGP_PM_PREFIX = 1,
	BGP_PM_COMM = 2,
	BGP_PM_ASPATH = 4,
	BGP_PM_ORIGIN = 8,
	BGP_PM_FAMILY = 16,
};
/* set bits */
enum {
	BGP_PS_LOCALPREF = 1,
	BGP_PS_MED = 2,
	BGP_PS_ADD = 4,
	BGP_PS_REMOVE = 8,
	BGP_PS_PREPEND = 16,
};

struct bgp_pol_term {
	int line;
	uint8_t match, set;
	uint8_t action; /* enum bgp_pol_action */
	uint16_t pfx_set, comm_set;
	uint32_t aspath_as, origin_as;
	uint8_t family; /* enum bgp_af */
	uint32_t local_pref, med;
	uint32_t prepend_as; /* 0: our AS on the session */
	uint8_t prepend_n;
	bool prepend_map; /* written as {asn, times} (printing) */
	unsigned n_add, n_remove;
	struct bgp_comm_pat *add, *remove;
};

struct bgp_policy {
	char name[BGP_POL_NAME_MAX];
	int line;
	unsigned n_terms;
	struct bgp_pol_term *terms;
};

struct bgp_policy_db {
	unsigned refcnt;
	unsigned n_pfx, n_comm, n_pol;
	struct bgp_pfx_set *pfx;
	struct bgp_comm_set *comm;
	struct bgp_policy *pol;
};

/* A chain of policies applied in order (indices into db->pol). n == 0: no policy. */
struct bgp_chain {
	uint8_t n;
	uint16_t idx[BGP_POL_CHAIN_MAX];
};

struct bgp_policy_db *bgp_policy_db_new(void);
struct bgp_policy_db *bgp_policy_db_ref(struct bgp_policy_db *db);
void bgp_policy_db_unref(struct bgp_policy_db *db);
/* Index of the named object, -1 if none. */
int bgp_policy_find_pfx(const struct bgp_policy_db *db, const char *name);
int bgp_policy_find_comm(const struct bgp_policy_db *db, const char *name);
int bgp_policy_find(const struct bgp_policy_db *db, const char *name);
/* Build the lookup structures of prefix set i (after its entries are in). 0 or -ENOMEM. */
int bgp_pfx_set_compile(struct bgp_pfx_set *s);
bool bgp_pfx_set_match(const struct bgp_pfx_set *s, const struct pg_prefix *p);

/*
 * A route going through a policy: inputs, and the attributes the terms may change. The caller
 * fills it from what it has (bgp_policy_route_init), evaluates, and reads back the changed
 * attributes (modified says which). Lists point at the caller's memory until a set action
 * rewrites them into the buffers of the struct.
 */
enum { BGP_PR_LP = 1, BGP_PR_MED = 2, BGP_PR_COMM = 4, BGP_PR_LARGE = 8, BGP_PR_ASPATH = 16 };
struct bgp_pol_route {
	uint8_t af;		 /* enum bgp_af */
	bool has_prefix;	 /* unicast, type-5, type-2 with an IP */
	struct pg_prefix prefix; /* host bits zero */
	uint32_t local_as;	 /* prependAs default */
	bool no_prepend;	 /* export to iBGP: prependAs is ignored */
	/* attributes */
	bool has_lp, has_med;
	uint32_t lp, med;
	const uint8_t *aspath; /* 4-octet segments */
	uint16_t aspath_len;
	const uint8_t *comm; /* 4 bytes each, network order */
	uint16_t n_comm;
	const uint8_t *large; /* 12 bytes each */
	uint16_t n_large;
	/* results */
	uint8_t modified; /* BGP_PR_* */
	uint64_t sig;	  /* which terms' sets were applied (same sig, same input: same result) */
	uint8_t comm_buf[4 * BGP_POL_WORK_COMM];
	uint8_t large_buf[12 * BGP_POL_WORK_COMM];
	uint8_t aspath_buf[BGP_POL_WORK_ASPATH];
};

/* Evaluate chain ch on r: true = accept (r's attributes changed as the terms said), false =
 * reject. An empty chain accepts unchanged. */
bool bgp_policy_eval(const struct bgp_policy_db *db, const struct bgp_chain *ch,
		     struct bgp_pol_route *r);

struct bgp_nlri;
struct bgp_attrs;
/* r's family and prefix from n (unicast; EVPN type-5's prefix, type-2's IP as a host route),
 * no attributes; prepend_as: prependAs without asn. */
void bgp_pol_route_init(struct bgp_pol_route *r, const struct bgp_nlri *n, uint32_t prepend_as);
/* r's attributes from a: AS path, communities, large communities, LOCAL_PREF, MED. */
void bgp_pol_route_attrs(struct bgp_pol_route *r, const struct bgp_attrs *a);
/* What the policy changed (r->modified), into a: its lists then point into r. */
void bgp_pol_route_apply(const struct bgp_pol_route *r, struct bgp_attrs *a);
