/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The routing policy evaluator (control/bgp/bgp_policy.c): prefix sets with ge/le at their
 * edges, community sets (standard, large, wildcards, well-known names), set actions (local
 * preference, MED, communities added and removed, AS path prepending), chains, next and the
 * implicit reject at the end. Policies come from YAML through the configuration loader, as in
 * the daemon.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_policy.h"
#include "bgp_wire.h"
#include "config.h"

static int failures, checks;
#define CHECK(cond)                                                                              \
	do {                                                                                     \
		checks++;                                                                        \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                              \
		}                                                                                \
	} while (0)

static const char yaml[] =
    "kind: Peregrine\n"
    "spec:\n"
    "  ports: [{name: uplink, device: veth-pe0, addresses: [10.100.0.1/24]}]\n"
    "  bgp:\n"
    "    asn: 65001\n"
    "    prefixSets:\n"
    "      blocks: [{prefix: 10.244.0.0/16, ge: 26, le: 28}]\n"
    "      exact: [{prefix: 10.1.0.0/16}, {prefix: 10.1.0.0/24}]\n"
    "      upto: [{prefix: 192.168.0.0/16, le: 24}]\n"
    "      from: [{prefix: 172.16.0.0/12, ge: 30}]\n"
    "      v6: [{prefix: \"fd00::/8\", ge: 48, le: 64}]\n"
    "      any: [{prefix: 0.0.0.0/0, le: 32}]\n"
    "    communitySets:\n"
    "      tag: [\"65001:100\"]\n"
    "      wild: [\"65002:*\", \"*:7\"]\n"
    "      large: [\"65001:1:*\"]\n"
    "      noexp: [no-export]\n"
    "    policies:\n"
    "      filter:\n"
    "        - match: {prefixSet: blocks}\n"
    "          action: accept\n"
    "        - match: {community: tag}\n"
    "          set: {localPref: 300}\n"
    "          action: accept\n"
    "      tagger:\n"
    "        - match: {prefixSet: upto}\n"
    "          set: {addCommunities: [\"65001:100\", \"65001:2:3\"], med: 9}\n"
    "          action: next\n"
    "        - match: {community: tag}\n"
    "          set: {prependAs: 2}\n"
    "          action: next\n"
    "        - match: {asPathContains: 65099}\n"
    "          action: reject\n"
    "      cleaner:\n"
    "        - set: {removeCommunities: [\"65001:*\", \"*:1:*\"], prependAs: {asn: 65050, "
    "times: 1}}\n"
    "          action: accept\n"
    "      origin:\n"
    "        - match: {originAs: 65003, family: ipv4-unicast}\n"
    "          action: accept\n"
    "      all: [{action: accept}]\n";

static struct bgp_policy_db *db;

static struct bgp_chain chain(const char *a, const char *b)
{
	struct bgp_chain c = {0};
	c.idx[c.n++] = (uint16_t)bgp_policy_find(db, a);
	if (b)
		c.idx[c.n++] = (uint16_t)bgp_policy_find(db, b);
	return c;
}

static struct bgp_pfx_set *pset(const char *name)
{
	return &db->pfx[bgp_policy_find_pfx(db, name)];
}

static bool pm(const char *set, const char *pfx)
{
	struct pg_prefix p;
	if (parse_prefix(pfx, &p, true) < 0) {
		fprintf(stderr, "test bug: %s\n", pfx);
		exit(2);
	}
	return bgp_pfx_set_match(pset(set), &p);
}

static struct bgp_pol_route r;
static uint8_t comm[64], large[64], aspath[64];

/* A route: prefix, communities (standard values), AS path (a sequence). */
static void route(const char *pfx, const uint32_t *c, unsigned nc, const uint32_t *as, unsigned na)
{
	memset(&r, 0, sizeof(r));
	r.af = strchr(pfx, ':') ? BGP_AF_IPV6 : BGP_AF_IPV4;
	r.has_prefix = parse_prefix(pfx, &r.prefix, true) == 0;
	r.local_as = 65001;
	for (unsigned i = 0; i < nc; i++) {
		uint32_t v = htonl(c[i]);
		memcpy(comm + 4 * i, &v, 4);
	}
	r.comm = comm;
	r.n_comm = (uint16_t)nc;
	r.large = large;
	if (na) {
		aspath[0] = BGP_ASPATH_SEQUENCE;
		aspath[1] = (uint8_t)na;
		for (unsigned i = 0; i < na; i++) {
			uint32_t v = htonl(as[i]);
			memcpy(aspath + 2 + 4 * i, &v, 4);
		}
		r.aspath = aspath;
		r.aspath_len = (uint16_t)(2 + 4 * na);
	}
}

static uint32_t comm_at(unsigned i)
{
	uint32_t v;
	memcpy(&v, r.comm + 4 * i, 4);
	return ntohl(v);
}

static uint32_t as_at(unsigned i)
{
	uint32_t v;
	memcpy(&v, r.aspath + 2 + 4 * i, 4);
	return ntohl(v);
}

static void test_prefix_sets(void)
{
	/* ge 26 le 28 under /16 */
	CHECK(!pm("blocks", "10.244.0.0/25"));
	CHECK(pm("blocks", "10.244.0.0/26"));
	CHECK(pm("blocks", "10.244.255.240/28"));
	CHECK(!pm("blocks", "10.244.0.0/29"));
	CHECK(!pm("blocks", "10.245.0.0/26"));
	CHECK(!pm("blocks", "10.244.0.0/16"));
	/* exact entries only */
	CHECK(pm("exact", "10.1.0.0/16") && pm("exact", "10.1.0.0/24"));
	CHECK(!pm("exact", "10.1.0.0/17") && !pm("exact", "10.1.1.0/24") &&
	      !pm("exact", "10.0.0.0/8"));
	/* le only: from the prefix length up */
	CHECK(pm("upto", "192.168.0.0/16") && pm("upto", "192.168.3.0/24"));
	CHECK(!pm("upto", "192.168.3.0/25") && !pm("upto", "192.0.0.0/8"));
	/* ge only: up to /32 */
	CHECK(!pm("from", "172.16.0.0/29") && pm("from", "172.16.0.4/30") &&
	      pm("from", "172.31.255.255/32"));
	CHECK(!pm("from", "172.32.0.0/32"));
	/* IPv6, and families apart */
	CHECK(pm("v6", "fd12:3456::/48") && pm("v6", "fd12:3456:0:1::/64"));
	CHECK(!pm("v6", "fd12::/47") && !pm("v6", "fd12::/65") && !pm("v6", "fe80::/64"));
	CHECK(!pm("v6", "10.0.0.0/8") && !pm("blocks", "fd00::/64"));
	CHECK(pm("any", "0.0.0.0/0") && pm("any", "8.8.8.8/32") && !pm("any", "::/0"));
}

/* A large set: 100000 /28s and a range; still found, neighbours not. */
static void test_large_set(void)
{
	struct bgp_pfx_set s = {0};

	s.n = 100001;
	s.ents = calloc(s.n, sizeof(*s.ents));
	for (unsigned i = 0; i < 100000; i++) {
		struct bgp_pfx_ent *e = &s.ents[i];
		e->prefix.ip.family = AF_INET;
		e->prefix.ip.v4 = htonl(0x0a000000u | (i * 7u) << 4);
		e->prefix.len = 28;
		e->ge = e->le = 28;
	}
	s.ents[100000].prefix.ip.family = AF_INET;
	s.ents[100000].prefix.ip.v4 = htonl(0x0b000000u);
	s.ents[100000].prefix.len = 8;
	s.ents[100000].ge = 16;
	s.ents[100000].le = 20;
	CHECK(bgp_pfx_set_compile(&s) == 0);
	CHECK(s.n_lens[0] == 2);
	unsigned hit = 0, miss = 0;
	for (unsigned i = 0; i < 700000; i += 1) {
		struct pg_prefix p = {.ip = {.family = AF_INET, .v4 = htonl(0x0a000000u | i << 4)},
				      .len = 28};
		bool m = bgp_pfx_set_match(&s, &p);
		if (m != (i % 7 == 0))
			miss++;
		hit += m;
	}
	CHECK(miss == 0 && hit == 100000);
	struct pg_prefix q = {.ip = {.family = AF_INET, .v4 = htonl(0x0b010000u)}, .len = 16};
	CHECK(bgp_pfx_set_match(&s, &q));
	q.len = 21;
	CHECK(!bgp_pfx_set_match(&s, &q));
	free(s.ents);
	free(s.sorted[0]);
	free(s.sorted[1]);
}

static void test_communities(void)
{
	struct bgp_comm_pat c;
	char b[BGP_COMM_FMT_LEN];

	CHECK(bgp_comm_parse("65001:100", &c) == 0 && !c.large && c.v[0] == (65001u << 16 | 100));
	CHECK(bgp_comm_parse("4200000000:1:2", &c) == 0 && c.large && c.v[0] == 4200000000u &&
	      c.v[2] == 2);
	CHECK(strcmp(bgp_comm_fmt(&c, b, sizeof(b)), "4200000000:1:2") == 0);
	CHECK(bgp_comm_parse("*:7", &c) == 0 && c.wild == 1);
	CHECK(strcmp(bgp_comm_fmt(&c, b, sizeof(b)), "*:7") == 0);
	CHECK(bgp_comm_parse("no-export", &c) == 0 && c.v[0] == 0xFFFFFF01u);
	CHECK(strcmp(bgp_comm_fmt(&c, b, sizeof(b)), "no-export") == 0);
	CHECK(bgp_comm_parse("65536:1", &c) < 0 && bgp_comm_parse("1:2:3:4", &c) < 0 &&
	      bgp_comm_parse("1:", &c) < 0 && bgp_comm_parse("a:b", &c) < 0 &&
	      bgp_comm_parse("1:4294967296:1", &c) < 0 && bgp_comm_parse("", &c) < 0);

	struct bgp_chain ch = chain("filter", NULL);
	const uint32_t tag[] = {65001u << 16 | 100}, other[] = {65001u << 16 | 101};
	/* match by community: accept with localPref */
	route("8.8.8.0/24", tag, 1, NULL, 0);
	CHECK(bgp_policy_eval(db, &ch, &r) && r.has_lp && r.lp == 300 && r.modified == BGP_PR_LP);
	route("8.8.8.0/24", other, 1, NULL, 0);
	CHECK(!bgp_policy_eval(db, &ch, &r)); /* off the end: reject */
	/* first match wins: the prefix term, no localPref */
	route("10.244.1.0/26", tag, 1, NULL, 0);
	CHECK(bgp_policy_eval(db, &ch, &r) && !r.has_lp && r.modified == 0);
}

/* Sets through a chain: tagger (next terms) then cleaner (accept). */
static void test_sets_and_chains(void)
{
	struct bgp_chain ch = chain("tagger", "cleaner");
	const uint32_t keep[] = {65002u << 16 | 5, 0xFFFFFF01u};
	const uint32_t path[] = {65002, 65003};

	route("192.168.1.0/24", keep, 2, path, 2);
	CHECK(bgp_policy_eval(db, &ch, &r));
	/* tagger: +65001:100 +65001:2:3, med 9; then its community term prepends 65001 twice;
	 * cleaner: 65001:* and *:1:* removed (65001:2:3 stays: its 2nd part is 2), 65050 once */
	CHECK(r.has_med && r.med == 9);
	CHECK(r.n_comm == 2 && comm_at(0) == (65002u << 16 | 5) && comm_at(1) == 0xFFFFFF01u);
	CHECK(r.n_large == 1);
	CHECK(r.aspath_len == 2 + 4 * 5 && r.aspath[1] == 5 && as_at(0) == 65050 &&
	      as_at(1) == 65001 && as_at(2) == 65001 && as_at(3) == 65002 && as_at(4) == 65003);
	CHECK(r.modified == (BGP_PR_MED | BGP_PR_COMM | BGP_PR_LARGE | BGP_PR_ASPATH));
	uint64_t sig = r.sig;
	CHECK(sig != 0);
	/* the same terms on another route: the same signature */
	route("192.168.2.0/24", NULL, 0, path, 2);
	CHECK(bgp_policy_eval(db, &ch, &r) && r.sig == sig);
	/* not under upto: tagger sets nothing, the community term does not match (no tag) */
	route("10.9.0.0/16", NULL, 0, path, 2);
	CHECK(bgp_policy_eval(db, &ch, &r) && r.sig != sig && r.aspath[1] == 3 &&
	      as_at(0) == 65050 && r.n_comm == 0);
	/* a reject in the first policy of the chain ends everything */
	const uint32_t bad[] = {65099};
	route("10.9.0.0/16", NULL, 0, bad, 1);
	CHECK(!bgp_policy_eval(db, &ch, &r));
	/* no prepending where it is turned off (export to iBGP) */
	route("10.9.0.0/16", NULL, 0, NULL, 0);
	r.no_prepend = true;
	CHECK(bgp_policy_eval(db, &ch, &r) && r.aspath_len == 0);
	/* an empty chain accepts unchanged */
	struct bgp_chain none = {0};
	route("10.9.0.0/16", keep, 2, NULL, 0);
	CHECK(bgp_policy_eval(db, &none, &r) && r.modified == 0 && r.n_comm == 2);
}

static void test_match_misc(void)
{
	struct bgp_chain ch = chain("origin", NULL);
	const uint32_t p1[] = {65002, 65003}, p2[] = {65003, 65002};

	route("1.0.0.0/8", NULL, 0, p1, 2);
	CHECK(bgp_policy_eval(db, &ch, &r));
	route("1.0.0.0/8", NULL, 0, p2, 2);
	CHECK(!bgp_policy_eval(db, &ch, &r));
	route("1.0.0.0/8", NULL, 0, NULL, 0); /* empty path: no origin */
	CHECK(!bgp_policy_eval(db, &ch, &r));
	route("2001:db8::/32", NULL, 0, p1, 2); /* family */
	CHECK(!bgp_policy_eval(db, &ch, &r));
	/* EVPN route without a prefix never matches a prefix set */
	struct bgp_chain f = chain("filter", NULL);
	route("10.244.0.0/26", NULL, 0, NULL, 0);
	r.af = BGP_AF_EVPN;
	r.has_prefix = false;
	CHECK(!bgp_policy_eval(db, &f, &r));
	r.has_prefix = true; /* a type-5 with that prefix does */
	CHECK(bgp_policy_eval(db, &f, &r));
	struct bgp_chain all = chain("all", NULL);
	CHECK(bgp_policy_eval(db, &all, &r) && r.modified == 0);
}

/* community set matching through a policy made of the wildcard and large sets */
static void test_comm_patterns(void)
{
	struct bgp_comm_set *w = &db->comm[bgp_policy_find_comm(db, "wild")];
	struct bgp_comm_set *l = &db->comm[bgp_policy_find_comm(db, "large")];
	struct bgp_comm_set *n = &db->comm[bgp_policy_find_comm(db, "noexp")];
	struct bgp_policy pol = {.n_terms = 1};
	struct bgp_pol_term t = {.match = BGP_PM_COMM, .action = BGP_POL_ACCEPT};
	struct bgp_policy *saved = db->pol;
	unsigned saved_n = db->n_pol;
	struct bgp_chain ch = {.n = 1, .idx = {0}};

	pol.terms = &t;
	db->pol = &pol;
	db->n_pol = 1;
	t.comm_set = (uint16_t)(w - db->comm);
	const uint32_t a[] = {65002u << 16 | 9}, b[] = {123u << 16 | 7}, c[] = {65003u << 16 | 8};
	route("1.0.0.0/8", a, 1, NULL, 0);
	CHECK(bgp_policy_eval(db, &ch, &r));
	route("1.0.0.0/8", b, 1, NULL, 0);
	CHECK(bgp_policy_eval(db, &ch, &r));
	route("1.0.0.0/8", c, 1, NULL, 0);
	CHECK(!bgp_policy_eval(db, &ch, &r));
	t.comm_set = (uint16_t)(n - db->comm);
	const uint32_t ne[] = {0xFFFFFF01u};
	route("1.0.0.0/8", ne, 1, NULL, 0);
	CHECK(bgp_policy_eval(db, &ch, &r));
	t.comm_set = (uint16_t)(l - db->comm);
	route("1.0.0.0/8", NULL, 0, NULL, 0);
	const uint8_t lc[12] = {0, 0, 0xfd, 0xe9, 0, 0, 0, 1, 0, 0, 0, 42}; /* 65001:1:42 */
	const uint8_t lc2[12] = {0, 0, 0xfd, 0xe9, 0, 0, 0, 2, 0, 0, 0, 42};
	memcpy(large, lc, 12);
	r.n_large = 1;
	CHECK(bgp_policy_eval(db, &ch, &r));
	memcpy(large, lc2, 12);
	CHECK(!bgp_policy_eval(db, &ch, &r));
	db->pol = saved;
	db->n_pol = saved_n;
}

int main(void)
{
	struct pg_config cfg;
	char err[512];

	if (config_load_string("t.yaml", yaml, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "config: %s\n", err);
		return 1;
	}
	db = cfg.bgp.policies;
	test_prefix_sets();
	test_large_set();
	test_communities();
	test_sets_and_chains();
	test_match_misc();
	test_comm_patterns();
	config_free(&cfg);
	if (failures) {
		fprintf(stderr, "test_bgp_policy: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("test_bgp_policy: all %d checks passed\n", checks);
	return 0;
}
