/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenPERouter's configuration kinds (Underlay, L3VNI, L2VNI, L3Passthrough) read from the same
 * multi-document YAML file as the kind: Peregrine document and turned into the same struct
 * pg_config. Field names of every OpenPERouter release are accepted (network.openperouter.io at
 * HEAD, openpe.openperouter.github.io up to v0.2.0 with its flat lower-case names). The per-node
 * values (router ID, VTEP, host-session addresses) are derived from the node index as
 * OpenPERouter's ipam package does. See docs/config.md, "OpenPERouter kinds".
 *
 * Flow (config.c, load_buffer): opr_add_doc() for every document of an OpenPERouter kind, then
 * opr_parse() once the node's index and labels are known, opr_pre_vrfs() before the Peregrine
 * document is parsed (so that it may refer to the L3VNIs' VRFs), opr_merge() after it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "log.h"
#include "util.h"

#define GROUP_NOW "network.openperouter.io/v1alpha1"
#define GROUP_OLD "openpe.openperouter.github.io/v1alpha1"

#define MAX_NEIGHBORS  128
#define MAX_INTERFACES PG_MAX_PORTS
#define CONNECT_FRR    120 /* FRR's connect retry timer (frr defaults traditional) */
#define CONNECT_GR     5   /* OpenPERouter's with graceful restart */
#define HOLD_FRR       180
#define KEEPALIVE_FRR  60

enum okind { K_UNDERLAY, K_L3VNI, K_L2VNI, K_PASSTHROUGH, K_N };
static const char *const kind_names[K_N] = {
    [K_UNDERLAY] = "Underlay",
    [K_L3VNI] = "L3VNI",
    [K_L2VNI] = "L2VNI",
    [K_PASSTHROUGH] = "L3Passthrough",
};

/* The host leg of an L3VNI or L3Passthrough. */
struct ohs {
	yaml_node_t *node;
	char path[PATHBUF];
	uint32_t asn;
	enum cfg_peer_type type;
	uint32_t host_asn;
	unsigned n; /* localCIDR families, IPv4 first */
	struct pg_prefix cidr[2], router[2], host[2];
	yaml_node_t *cidr_node[2];
};

struct oobj {
	enum okind kind;
	yaml_document_t *doc;
	yaml_node_t *root, *spec;
	char name[254], ns[64];
	char label[PATHBUF]; /* "L3VNI red", the start of every path */
	bool applies;
	/* L3VNI / L2VNI / L3Passthrough */
	uint32_t vni;
	yaml_node_t *vni_node;
	uint16_t udp_port;
	yaml_node_t *port_node;
	char vrf[PG_NAME_MAX]; /* L3VNI: its VRF; L2VNI: resolved routing domain */
	yaml_node_t *vrf_node;
	bool has_vrf;
	unsigned n_imp, n_exp;
	uint64_t imp[CFG_MAX_RTS], exp[CFG_MAX_RTS];
	bool has_hs;
	struct ohs hs;
	unsigned n_gw;
	struct pg_prefix gw[2];
	yaml_node_t *gw_node;
	char bridge[PG_IFNAME_MAX];
	bool bridge_create;
	/* L2VNI: the L3VNI name of routingDomain.l3vni.name */
	char domain[254];
	yaml_node_t *domain_node;
};

struct ounderlay {
	struct oobj *o;
	uint32_t asn;
	yaml_node_t *asn_node;
	uint32_t router_id;
	bool has_vtep;
	struct pg_ip vtep;
	yaml_node_t *vtep_node;
	unsigned n_ifs;
	char ifs[MAX_INTERFACES][PG_IFNAME_MAX];
	yaml_node_t *if_node[MAX_INTERFACES];
	unsigned n_nb;
	struct cfg_bgp_neighbor nb[MAX_NEIGHBORS];
	bool nb_af_explicit[MAX_NEIGHBORS];
	yaml_node_t *nb_node[MAX_NEIGHBORS];
	bool gr;
	uint16_t restart_time;
};

struct opr {
	unsigned n, cap;
	struct oobj *objs;
	struct ounderlay u;
	bool has_underlay;
	bool selectors_seen; /* some object has a nodeSelector */
};

/* --------------------------------------------------------------------------------------------
 * Small helpers
 */

static struct opr *opr_get(struct ctx *c)
{
	if (!c->opr)
		c->opr = calloc(1, sizeof(*c->opr));
	return c->opr;
}

/* "Underlay underlay: spec" + ".key" */
static const char *opath(char *buf, size_t len, const struct oobj *o, const char *rest)
{
	size_t n;

	pg_strlcpy(buf, o->label, len);
	n = strlen(buf);
	pg_strlcpy(buf + n, ": ", len - n);
	n = strlen(buf);
	pg_strlcpy(buf + n, rest, len - n);
	return buf;
}
#define OPATH(buf, o, rest) opath((buf), sizeof(buf), (o), (rest))

/* The value of a key that has a current and a legacy name: at most one of them. */
static int either(struct ctx *c, const struct fld *f, int a, int b, const char *const *keys,
		  const char *path, struct fld *out)
{
	*out = (struct fld){0};
	if (f[a].v && f[b].v) {
		const struct fld *later =
		    f[b].k->start_mark.index > f[a].k->start_mark.index ? &f[b] : &f[a];
		return cy_fail(c, later->k, path,
			       "'%s' and '%s' are the same field (the current and the legacy "
			       "name); give one",
			       keys[a], keys[b]);
	}
	*out = f[a].v ? f[a] : f[b];
	return 0;
}

/* The key name actually used (current or legacy), for paths. */
static const char *used(const struct fld *f, int a, int b, const char *const *keys)
{
	return f[b].v && !f[a].v ? keys[b] : keys[a];
}

/* An enum accepting each value in the current (PascalCase) and the legacy spelling. */
static int get_enum2(struct ctx *c, yaml_node_t *n, const char *path, const char *const *now,
		     const char *const *old, size_t count, int *out)
{
	for (size_t i = 0; old && i < count; i++)
		if (old[i] && cy_scalar_is(n, old[i])) {
			*out = (int)i;
			return 0;
		}
	return cy_get_enum(c, n, path, now, count, out);
}

/* An interface or VRF name as OpenPERouter's CRDs allow: ^[a-zA-Z][a-zA-Z0-9_-]*$ (dots too when
 * dots), 1..15 characters. */
static int get_ifname(struct ctx *c, yaml_node_t *n, const char *path, bool dots, char *dst)
{
	const char *s = NULL;
	size_t len;
	bool ok;

	if (cy_get_scalar(c, n, path, "a name", &s))
		return -EINVAL;
	len = strlen(s);
	ok = len >= 1 && len <= 15 && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'));
	for (const char *p = s; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		     (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || (dots && *p == '.');
	if (!ok)
		return cy_fail(c, n, path,
			       "%s is not a valid name (1..15 characters: a letter, then letters, "
			       "digits, '_', '-'%s)",
			       Q(n), dots ? ", '.'" : "");
	pg_strlcpy(dst, s, PG_IFNAME_MAX);
	return 0;
}

/* A CIDR ("10.0.0.0/24"; host bits are ignored, as Go's net.ParseCIDR does) of one family. */
static int get_cidr(struct ctx *c, yaml_node_t *n, const char *path, int family,
		    struct pg_prefix *out)
{
	const char *s = NULL;
	char expect[64];

	snprintf(expect, sizeof(expect), "an %s CIDR like %s", cy_family_name(family),
		 family == AF_INET6 ? "fd00::/64" : "10.0.0.0/24");
	if (cy_get_scalar(c, n, path, expect, &s))
		return -EINVAL;
	if (!strchr(s, '/') || parse_prefix(s, out, false) < 0)
		return cy_fail(c, n, path, "expected %s, got %s", expect, Q(n));
	if (family && out->ip.family != family)
		return cy_fail(c, n, path, "expected %s, got %s CIDR %s", expect,
			       cy_family_name(out->ip.family), Q(n));
	prefix_mask(out);
	return 0;
}

/* Address number n of a prefix (go-cidr's Host()): false when the prefix has no such address. */
static bool cidr_host(const struct pg_prefix *p, uint64_t n, struct pg_ip *out)
{
	unsigned bits = p->ip.family == AF_INET ? 32 : 128;
	unsigned hostbits = bits - p->len;

	if (hostbits < 64 && n >> hostbits)
		return false;
	*out = p->ip;
	if (p->ip.family == AF_INET) {
		out->v4 = htonl(ntohl(p->ip.v4) + (uint32_t)n);
		return true;
	}
	for (int i = 15; i >= 0 && n; i--) {
		unsigned v = out->v6[i] + (unsigned)(n & 0xff);
		out->v6[i] = (uint8_t)v;
		n = (n >> 8) + (v >> 8);
	}
	return true;
}

/* How many addresses a prefix has, for messages ("256", "2^64"). */
static const char *cidr_size(const struct pg_prefix *p, char *buf, size_t len)
{
	unsigned hostbits = (p->ip.family == AF_INET ? 32 : 128) - p->len;

	if (hostbits < 40)
		snprintf(buf, len, "%llu", 1ull << hostbits);
	else
		snprintf(buf, len, "2^%u", hostbits);
	return buf;
}

/* --------------------------------------------------------------------------------------------
 * Documents and kinds
 */

static const char *const unsupported[][2] = {
    {"L3VPN", "it is an SRv6 L3VPN and Peregrine's dataplane has no SRv6 (use an L3VNI: EVPN "
	      "over VXLAN)"},
    {"RawFRRConfig", "it carries FRR configuration text and Peregrine does not run FRR"},
    {"OpenPERouter", "it configures the OpenPERouter operator's deployment, not the router; "
		     "leave it out"},
    {"RouterNodeConfigurationStatus", "it is a status object OpenPERouter writes, not "
				      "configuration"},
};

int opr_add_doc(struct ctx *c, yaml_document_t *doc, yaml_node_t *root, yaml_node_t *kind)
{
	static const char *const keys[] = {"apiVersion", "kind", "metadata", "spec", "status"};
	struct fld f[5];
	struct opr *opr;
	struct oobj *o;
	int k, rc;

	for (k = 0; k < K_N; k++)
		if (cy_scalar_is(kind, kind_names[k]))
			break;
	if (k == K_N) {
		for (size_t i = 0; i < PG_ARRAY_SIZE(unsupported); i++)
			if (cy_scalar_is(kind, unsupported[i][0]))
				return cy_fail(c, kind, "kind",
					       "OpenPERouter's kind %s is not supported: %s",
					       unsupported[i][0], unsupported[i][1]);
		return cy_fail(c, kind, "kind",
			       "unknown kind %s (accepted: Peregrine, Underlay, L3VNI, L2VNI, "
			       "L3Passthrough)",
			       Q(kind));
	}
	if ((rc = cy_get_map(c, root, NULL, keys, 5, f)))
		return rc;
	if (!f[0].v)
		return cy_fail(c, root, NULL,
			       "missing required key 'apiVersion' (%s, or %s up to v0.2.0)",
			       GROUP_NOW, GROUP_OLD);
	if (!cy_scalar_is(f[0].v, GROUP_NOW) && !cy_scalar_is(f[0].v, GROUP_OLD))
		return cy_fail(c, f[0].v, "apiVersion",
			       "unknown apiVersion %s for kind %s (allowed: %s, %s)", Q(f[0].v),
			       kind_names[k], GROUP_NOW, GROUP_OLD);
	if (!(opr = opr_get(c)))
		return cy_fail_nomem(c);
	if (opr->n == opr->cap) {
		unsigned cap = opr->cap ? opr->cap * 2 : 8;
		struct oobj *no = realloc(opr->objs, cap * sizeof(*no));
		if (!no)
			return cy_fail_nomem(c);
		opr->objs = no;
		opr->cap = cap;
	}
	o = &opr->objs[opr->n];
	memset(o, 0, sizeof(*o));
	o->kind = (enum okind)k;
	o->doc = doc;
	o->root = root;
	o->spec = f[3].v;
	if (f[2].v) { /* metadata: name and namespace; labels, annotations... are ignored */
		if (f[2].v->type != YAML_MAPPING_NODE && !cy_is_null(f[2].v))
			return cy_fail(c, f[2].v, "metadata", "expected a mapping, got %s",
				       Q(f[2].v));
		for (yaml_node_pair_t *p = cy_is_null(f[2].v) ? NULL
							      : f[2].v->data.mapping.pairs.start;
		     p && p < f[2].v->data.mapping.pairs.top; p++) {
			yaml_node_t *key = cy_node(c, p->key), *v = cy_node(c, p->value);
			if (cy_scalar_is(key, "name") &&
			    (rc = cy_get_string(c, v, "metadata.name", o->name, sizeof(o->name))))
				return rc;
			if (cy_scalar_is(key, "namespace") &&
			    (rc = cy_get_string(c, v, "metadata.namespace", o->ns, sizeof(o->ns))))
				return rc;
		}
	}
	snprintf(o->label, sizeof(o->label), "%s %.100s", kind_names[k],
		 o->name[0] ? o->name : "(unnamed)");
	if (!o->spec)
		return cy_fail(c, root, o->label, "missing required key 'spec'");
	for (unsigned i = 0; i < opr->n; i++) {
		const struct oobj *p = &opr->objs[i];
		if (p->kind == o->kind && o->name[0] && !strcmp(p->name, o->name) &&
		    !strcmp(p->ns, o->ns))
			return cy_fail(c, kind, o->label,
				       "a second %s named '%s' (the first is at line %d)",
				       kind_names[k], o->name, cy_line_of(p->root));
	}
	opr->n++;
	return 0;
}

/* --------------------------------------------------------------------------------------------
 * nodeSelector (metav1.LabelSelector)
 */

static const char *label_get(const struct ctx *c, const char *key)
{
	for (unsigned i = 0; i < c->n_labels; i++)
		if (!strcmp(c->labels[i].key, key))
			return c->labels[i].val;
	return NULL;
}

static int match_expression(struct ctx *c, yaml_node_t *n, const char *path, bool *match)
{
	static const char *const keys[] = {"key", "operator", "values"};
	static const char *const ops[] = {"In", "NotIn", "Exists", "DoesNotExist"};
	yaml_node_item_t *items;
	struct fld f[3];
	char p[PATHBUF];
	const char *key = NULL, *val;
	size_t count;
	int op = 0, rc;
	bool in = false;

	if ((rc = cy_get_item_map(c, n, path, keys, 3, f, "key and operator")) ||
	    (rc = cy_require(c, n, path, &f[0], "key")) ||
	    (rc = cy_require(c, n, path, &f[1], "operator")) ||
	    (rc = cy_get_scalar(c, f[0].v, SUB(p, path, "key"), "a label key", &key)) ||
	    (rc = cy_get_enum(c, f[1].v, SUB(p, path, "operator"), ops, 4, &op)) ||
	    (rc = cy_get_seq(c, f[2].v, SUB(p, path, "values"), &items, &count)))
		return rc;
	if (op <= 1 && count == 0)
		return cy_fail(c, f[2].v ? f[2].v : n, p, "operator %s needs at least one value",
			       ops[op]);
	if (op >= 2 && count)
		return cy_fail(c, f[2].v, p, "operator %s takes no values", ops[op]);
	val = label_get(c, key);
	for (size_t i = 0; i < count; i++) {
		const char *s = NULL;
		char ip[PATHBUF];
		if ((rc = cy_get_scalar(c, cy_node(c, items[i]), IDX(ip, p, i), "a label value",
					&s)))
			return rc;
		in |= val && !strcmp(s, val);
	}
	*match = op == 0 ? in : op == 1 ? !in : op == 2 ? val != NULL : val == NULL;
	return 0;
}

/* Whether the object applies to this node. Without node labels, every object does. */
static int node_selector(struct ctx *c, yaml_node_t *n, const char *path, bool *applies)
{
	static const char *const keys[] = {"matchLabels", "matchExpressions"};
	yaml_node_item_t *items;
	struct fld f[2];
	char p[PATHBUF];
	size_t count;
	int rc;

	*applies = true;
	if ((rc = cy_get_map(c, n, path, keys, 2, f)))
		return rc;
	if (f[0].v || f[1].v)
		c->opr->selectors_seen = true;
	SUB(p, path, keys[0]);
	if (f[0].v && f[0].v->type != YAML_MAPPING_NODE && !cy_is_null(f[0].v))
		return cy_fail(c, f[0].v, p, "expected a mapping of labels, got %s", Q(f[0].v));
	for (yaml_node_pair_t *pp = f[0].v && !cy_is_null(f[0].v) ? f[0].v->data.mapping.pairs.start
								  : NULL;
	     pp && pp < f[0].v->data.mapping.pairs.top; pp++) {
		yaml_node_t *k = cy_node(c, pp->key), *v = cy_node(c, pp->value);
		const char *ks = NULL, *vs = NULL, *have;
		char kp[PATHBUF];
		if ((rc = cy_get_scalar(c, k, p, "a label key", &ks)) ||
		    (rc = cy_get_scalar(c, v, SUB(kp, p, ks), "a label value", &vs)))
			return rc;
		have = label_get(c, ks);
		if (!have || strcmp(have, vs))
			*applies = false;
	}
	SUB(p, path, keys[1]);
	if ((rc = cy_get_seq(c, f[1].v, p, &items, &count)))
		return rc;
	for (size_t i = 0; i < count; i++) {
		char ip[PATHBUF];
		bool m = false;
		if ((rc = match_expression(c, cy_node(c, items[i]), IDX(ip, p, i), &m)))
			return rc;
		if (!m)
			*applies = false;
	}
	if (!c->n_labels)
		*applies = true; /* not evaluated: every object applies (one notice) */
	return 0;
}

/* --------------------------------------------------------------------------------------------
 * HostSession (L3VNI, L3Passthrough)
 */

enum { H_ASN, H_HASN, H_HASN_OLD, H_HTYPE, H_HTYPE_OLD, H_CIDR, H_CIDR_OLD, H_N };
static const char *const hs_keys[H_N] = {
    [H_ASN] = "asn",	       [H_HASN] = "hostASN",	   [H_HASN_OLD] = "hostasn",
    [H_HTYPE] = "hostType",    [H_HTYPE_OLD] = "hosttype", [H_CIDR] = "localCIDR",
    [H_CIDR_OLD] = "localcidr"};
static const char *const peer_types[] = {"External", "Internal"};
static const char *const peer_types_old[] = {"external", "internal"};

/* Router and host side of one localCIDR family (ipam.vethIPsForFamily). */
static int veth_ips(struct ctx *c, struct ohs *hs, unsigned i, const char *path)
{
	const struct pg_prefix *cidr = &hs->cidr[i];
	struct pg_ip pe, host;
	uint64_t host_idx = (uint64_t)c->node_index + 1;
	char b[PG_PREFIX_FMT_LEN], b2[PG_IP_FMT_LEN], sz[16];
	bool v4 = cidr->ip.family == AF_INET;

	cidr_host(cidr, 0, &pe);
	if ((v4 ? (ntohl(pe.v4) & 0xff) : pe.v6[15]) == 0) {
		if (!cidr_host(cidr, 1, &pe))
			return cy_fail(c, hs->cidr_node[i], path,
				       "%s is too small for a host session (it needs the router "
				       "address and one per node)",
				       fmt_prefix(cidr, b));
		host_idx++;
	} else if (cidr->len < (v4 ? 31 : 127)) {
		return cy_fail(c, hs->cidr_node[i], path,
			       "the router side would be %s, the subnet address of %s, which "
			       "Peregrine cannot use as an interface address (use a CIDR whose "
			       "first address ends in 0, e.g. a /24)",
			       fmt_ip(&pe, b2), fmt_prefix(cidr, b));
	}
	if (!cidr_host(cidr, host_idx, &host) ||
	    (v4 && cidr->len < 31 && host_idx == (1ull << (32 - cidr->len)) - 1))
		return cy_fail(c, hs->cidr_node[i], path,
			       "node index %d is out of range for localCIDR %s (the host side is "
			       "its address %llu; it has %s)",
			       c->node_index, fmt_prefix(cidr, b), (unsigned long long)host_idx,
			       cidr_size(cidr, sz, sizeof(sz)));
	hs->router[i] = (struct pg_prefix){.ip = pe, .len = cidr->len};
	hs->host[i] = (struct pg_prefix){.ip = host, .len = cidr->len};
	return 0;
}

static int parse_host_session(struct ctx *c, yaml_node_t *n, const char *path, bool l3vni,
			      struct ohs *hs)
{
	static const char *const cidr_keys[] = {"ipv4", "ipv6"};
	const char *const *keys = hs_keys;
	struct fld f[H_N], hasn, htype, cidr, cf[2];
	char p[PATHBUF];
	int rc, t = 0;

	memset(hs, 0, sizeof(*hs));
	hs->node = n;
	pg_strlcpy(hs->path, path, sizeof(hs->path));
	if ((rc = cy_get_item_map(c, n, path, keys, H_N, f, "asn, hostASN and localCIDR")) ||
	    (rc = either(c, f, H_HASN, H_HASN_OLD, keys, path, &hasn)) ||
	    (rc = either(c, f, H_HTYPE, H_HTYPE_OLD, keys, path, &htype)) ||
	    (rc = either(c, f, H_CIDR, H_CIDR_OLD, keys, path, &cidr)) ||
	    (rc = cy_require(c, n, path, &f[H_ASN], "asn")) ||
	    (rc = cy_get_asn(c, f[H_ASN].v, SUB(p, path, "asn"), &hs->asn)))
		return rc;
	if (!hasn.v == !htype.v)
		return cy_fail(c, hasn.v ? htype.k : n, path,
			       hasn.v ? "hostASN and hostType cannot be set together"
				      : "needs hostASN or hostType (either must be set)");
	if (hasn.v) {
		SUB(p, path, used(f, H_HASN, H_HASN_OLD, keys));
		if ((rc = cy_get_asn(c, hasn.v, p, &hs->host_asn)))
			return rc;
		if (l3vni && hs->host_asn == hs->asn)
			return cy_fail(c, hasn.v, p,
				       "hostASN must be different from asn (%u): the host session "
				       "of an L3VNI is eBGP (use hostType: Internal for iBGP)",
				       hs->asn);
		hs->type = CFG_PEER_BY_ASN;
	} else {
		SUB(p, path, used(f, H_HTYPE, H_HTYPE_OLD, keys));
		if ((rc = get_enum2(c, htype.v, p, peer_types, peer_types_old, 2, &t)))
			return rc;
		hs->type = t ? CFG_PEER_INTERNAL : CFG_PEER_EXTERNAL;
	}
	if (!cidr.v)
		return cy_fail(c, n, path, "missing required key 'localCIDR'");
	SUB(p, path, used(f, H_CIDR, H_CIDR_OLD, keys));
	if ((rc = cy_get_map(c, cidr.v, p, cidr_keys, 2, cf)))
		return rc;
	if (!cf[0].v && !cf[1].v)
		return cy_fail(c, cidr.v, p, "at least one of ipv4 or ipv6 must be specified");
	for (unsigned i = 0; i < 2; i++) {
		char fp[PATHBUF];
		if (!cf[i].v)
			continue;
		SUB(fp, p, cidr_keys[i]);
		hs->cidr_node[hs->n] = cf[i].v;
		if ((rc = get_cidr(c, cf[i].v, fp, i ? AF_INET6 : AF_INET, &hs->cidr[hs->n])) ||
		    (rc = veth_ips(c, hs, hs->n, fp)))
			return rc;
		hs->n++;
	}
	return 0;
}

/* --------------------------------------------------------------------------------------------
 * L3VNI
 */

enum { V_SEL, V_VRF, V_VNI, V_PORT, V_PORT_OLD, V_UAF, V_HS, V_HS_OLD, V_EXP, V_IMP, V_N };
static const char *const l3_keys[V_N] = {[V_SEL] = "nodeSelector",
					 [V_VRF] = "vrf",
					 [V_VNI] = "vni",
					 [V_PORT] = "vxlanPort",
					 [V_PORT_OLD] = "vxlanport",
					 [V_UAF] = "underlayAddressFamily",
					 [V_HS] = "hostSession",
					 [V_HS_OLD] = "hostsession",
					 [V_EXP] = "exportRTs",
					 [V_IMP] = "importRTs"};

static int get_vni_port(struct ctx *c, struct oobj *o, const struct fld *f, int now, int old,
			const char *const *keys, const char *spath)
{
	struct fld port;
	char p[PATHBUF];
	unsigned v;
	int rc;

	o->udp_port = PG_VXLAN_PORT;
	if ((rc = either(c, f, now, old, keys, spath, &port)) || !port.v)
		return rc;
	if ((rc = cy_get_uint(c, port.v, SUB(p, spath, used(f, now, old, keys)), 1, 65535, &v)))
		return rc;
	o->udp_port = (uint16_t)v;
	o->port_node = port.v;
	return 0;
}

static int underlay_family(struct ctx *c, yaml_node_t *n, const char *path)
{
	static const char *const now[] = {"IPv4", "IPv6"}, *const old[] = {"ipv4", "ipv6"};
	int v = 0, rc;

	if (!n)
		return 0;
	if ((rc = get_enum2(c, n, path, now, old, 2, &v)))
		return rc;
	if (v)
		return cy_fail(c, n, path,
			       "IPv6 VTEPs are not supported (Peregrine's VXLAN tunnel endpoint "
			       "is IPv4; allowed: IPv4)");
	return 0;
}

static int parse_l3vni(struct ctx *c, struct oobj *o)
{
	const char *const *keys = l3_keys;
	struct fld f[V_N], hs;
	char sp[PATHBUF], p[PATHBUF];
	int rc;

	OPATH(sp, o, "spec");
	if ((rc = cy_get_map(c, o->spec, sp, keys, V_N, f)) ||
	    (rc = node_selector(c, f[V_SEL].v, SUB(p, sp, keys[V_SEL]), &o->applies)))
		return rc;
	if (!o->applies)
		return 0;
	if ((rc = cy_require(c, o->spec, sp, &f[V_VRF], "vrf")) ||
	    (rc = cy_require(c, o->spec, sp, &f[V_VNI], "vni")) ||
	    (rc = get_ifname(c, f[V_VRF].v, SUB(p, sp, "vrf"), false, o->vrf)))
		return rc;
	o->vrf_node = f[V_VRF].v;
	o->has_vrf = true;
	if (!strcmp(o->vrf, "default"))
		return cy_fail(c, f[V_VRF].v, p,
			       "'default' is Peregrine's default VRF; an L3VNI needs a VRF of "
			       "its own");
	o->vni_node = f[V_VNI].v;
	if ((rc = cy_get_uint(c, f[V_VNI].v, SUB(p, sp, "vni"), 1, 16777215, &o->vni)) ||
	    (rc = get_vni_port(c, o, f, V_PORT, V_PORT_OLD, keys, sp)) ||
	    (rc = underlay_family(c, f[V_UAF].v, SUB(p, sp, keys[V_UAF]))) ||
	    (rc = either(c, f, V_HS, V_HS_OLD, keys, sp, &hs)))
		return rc;
	if (f[V_IMP].v &&
	    (rc = cy_get_rts(c, f[V_IMP].v, SUB(p, sp, keys[V_IMP]), o->imp, &o->n_imp)))
		return rc;
	if (f[V_EXP].v &&
	    (rc = cy_get_rts(c, f[V_EXP].v, SUB(p, sp, keys[V_EXP]), o->exp, &o->n_exp)))
		return rc;
	if (hs.v && !cy_is_null(hs.v)) {
		o->has_hs = true;
		if ((rc = parse_host_session(c, hs.v, SUB(p, sp, used(f, V_HS, V_HS_OLD, keys)),
					     true, &o->hs)))
			return rc;
		snprintf(o->bridge, sizeof(o->bridge), "host-e-%u", o->vni); /* its name */
	}
	return 0;
}

/* --------------------------------------------------------------------------------------------
 * L2VNI
 */

enum {
	L_SEL,
	L_RD,
	L_VRF,
	L_VNI,
	L_PORT,
	L_PORT_OLD,
	L_UAF,
	L_HM,
	L_HM_OLD,
	L_GW,
	L_GW_OLD,
	L_GW_OLDEST,
	L_N
};
static const char *const l2_keys[L_N] = {[L_SEL] = "nodeSelector",
					 [L_RD] = "routingDomain",
					 [L_VRF] = "vrf",
					 [L_VNI] = "vni",
					 [L_PORT] = "vxlanPort",
					 [L_PORT_OLD] = "vxlanport",
					 [L_UAF] = "underlayAddressFamily",
					 [L_HM] = "hostMaster",
					 [L_HM_OLD] = "hostmaster",
					 [L_GW] = "gatewayIPs",
					 [L_GW_OLD] = "l2gatewayips",
					 [L_GW_OLDEST] = "l2gatewayip"};

static int parse_routing_domain(struct ctx *c, struct oobj *o, yaml_node_t *n, const char *path)
{
	static const char *const keys[] = {"type", "l3vni", "l3vpn"};
	static const char *const types[] = {"L3VNI", "L3VPN"};
	static const char *const ref_keys[] = {"name"};
	struct fld f[3], rf[1];
	char p[PATHBUF], np[PATHBUF];
	int t = 0, rc;

	if ((rc = cy_get_item_map(c, n, path, keys, 3, f, "type and l3vni")) ||
	    (rc = cy_require(c, n, path, &f[0], "type")) ||
	    (rc = cy_get_enum(c, f[0].v, SUB(p, path, "type"), types, 2, &t)))
		return rc;
	if (t == 1)
		return cy_fail(c, f[0].v, p,
			       "L3VPN routing domains are not supported (SRv6 L3VPNs are not; "
			       "allowed: L3VNI)");
	if (!f[1].v || f[2].v)
		return cy_fail(c, f[2].v ? f[2].k : n, path,
			       "type L3VNI requires l3vni to be set and l3vpn to be unset");
	SUB(p, path, "l3vni");
	if ((rc = cy_get_map(c, f[1].v, p, ref_keys, 1, rf)) ||
	    (rc = cy_require(c, f[1].v, p, &rf[0], "name")) ||
	    (rc = cy_get_string(c, rf[0].v, SUB(np, p, "name"), o->domain, sizeof(o->domain))))
		return rc;
	o->domain_node = rf[0].v;
	return 0;
}

static int parse_host_master(struct ctx *c, struct oobj *o, yaml_node_t *n, const char *path)
{
	/* HEAD: {type: LinuxBridge|OVSBridge, linuxBridge: {lifecycle, name}}; v0.1-v0.2:
	 * {type: linux-bridge|ovs-bridge, linuxBridge: {name, autoCreate}}; v0.0: {type: bridge,
	 * name, autocreate} */
	static const char *const keys[] = {"type", "linuxBridge", "ovsBridge", "name",
					   "autocreate"};
	static const char *const types[] = {"LinuxBridge", "OVSBridge", "bridge"};
	static const char *const types_old[] = {"linux-bridge", "ovs-bridge", NULL};
	static const char *const br_keys[] = {"lifecycle", "name", "autoCreate"};
	static const char *const lifecycles[] = {"Managed", "External"};
	struct fld f[5], bf[3];
	char p[PATHBUF], bp[PATHBUF];
	yaml_node_t *name = NULL, *create = NULL, *lifecycle = NULL, *br;
	bool autocreate = false;
	int t = 0, rc;

	if ((rc = cy_get_item_map(c, n, path, keys, 5, f, "type")) ||
	    (rc = cy_require(c, n, path, &f[0], "type")) ||
	    (rc = get_enum2(c, f[0].v, SUB(p, path, "type"), types, types_old, 3, &t)))
		return rc;
	if (t == 1)
		return cy_fail(c, f[0].v, p,
			       "OVS bridges are not supported: Peregrine attaches the host "
			       "interface to Linux bridges only (allowed: LinuxBridge)");
	if (t == 2) { /* v0.0 */
		if (f[1].v || f[2].v)
			return cy_fail(c, (f[1].v ? f[1] : f[2]).k, path,
				       "type bridge takes name and autocreate here");
		name = f[3].v;
		create = f[4].v;
		br = n;
		pg_strlcpy(bp, path, sizeof(bp));
	} else {
		if (f[3].v || f[4].v)
			return cy_fail(c, (f[3].v ? f[3] : f[4]).k, path,
				       "name and autocreate belong under linuxBridge");
		if (!f[1].v || f[2].v)
			return cy_fail(c, f[2].v ? f[2].k : n, path,
				       "type/config mismatch: LinuxBridge requires the linuxBridge "
				       "field and no ovsBridge");
		SUB(bp, path, "linuxBridge");
		if ((rc = cy_get_map(c, f[1].v, bp, br_keys, 3, bf)))
			return rc;
		lifecycle = bf[0].v;
		name = bf[1].v;
		create = bf[2].v;
		br = f[1].v;
	}
	if (lifecycle) {
		int lc = 0;
		if (create)
			return cy_fail(c, create, bp,
				       "autoCreate and lifecycle are the legacy and the current "
				       "field; give one");
		if ((rc = cy_get_enum(c, lifecycle, SUB(p, bp, "lifecycle"), lifecycles, 2, &lc)))
			return rc;
		autocreate = lc == 0;
	} else if (create) {
		if ((rc = cy_get_bool(c, create, SUB(p, bp, t == 2 ? "autocreate" : "autoCreate"),
				      &autocreate)))
			return rc;
	}
	if (autocreate == (name != NULL))
		return cy_fail(c, name ? name : br, bp,
			       "name must be set when the bridge is External (not created), and "
			       "must not be set when it is Managed (created as br-hs-<VNI>)");
	if (name)
		return get_ifname(c, name, SUB(p, bp, "name"), false, o->bridge);
	o->bridge_create = true;
	return 0;
}

static int parse_l2vni(struct ctx *c, struct oobj *o)
{
	const char *const *keys = l2_keys;
	struct fld f[L_N], hm, gw;
	char sp[PATHBUF], p[PATHBUF];
	int rc;

	OPATH(sp, o, "spec");
	if ((rc = cy_get_map(c, o->spec, sp, keys, L_N, f)) ||
	    (rc = node_selector(c, f[L_SEL].v, SUB(p, sp, keys[L_SEL]), &o->applies)))
		return rc;
	if (!o->applies)
		return 0;
	o->vni_node = f[L_VNI].v;
	if ((rc = cy_require(c, o->spec, sp, &f[L_VNI], "vni")) ||
	    (rc = cy_get_uint(c, f[L_VNI].v, SUB(p, sp, "vni"), 1, 16777215, &o->vni)) ||
	    (rc = get_vni_port(c, o, f, L_PORT, L_PORT_OLD, keys, sp)) ||
	    (rc = underlay_family(c, f[L_UAF].v, SUB(p, sp, keys[L_UAF]))) ||
	    (rc = either(c, f, L_HM, L_HM_OLD, keys, sp, &hm)))
		return rc;
	if (f[L_RD].v && f[L_VRF].v)
		return cy_fail(c, f[L_VRF].k, sp,
			       "'routingDomain' and 'vrf' are the current and the legacy field; "
			       "give one");
	if (f[L_RD].v && (rc = parse_routing_domain(c, o, f[L_RD].v, SUB(p, sp, keys[L_RD]))))
		return rc;
	if (f[L_VRF].v) {
		if ((rc = get_ifname(c, f[L_VRF].v, SUB(p, sp, "vrf"), false, o->vrf)))
			return rc;
		if (!strcmp(o->vrf, "default"))
			return cy_fail(c, f[L_VRF].v, p,
				       "'default' is Peregrine's default VRF (leave vrf out for an "
				       "L2VNI that is not routed)");
		o->has_vrf = true;
		o->vrf_node = f[L_VRF].v;
	}
	if (hm.v && !cy_is_null(hm.v) &&
	    (rc = parse_host_master(c, o, hm.v, SUB(p, sp, used(f, L_HM, L_HM_OLD, keys)))))
		return rc;
	/* gatewayIPs (HEAD), l2gatewayips (v0.1-v0.2), l2gatewayip (v0.0, one string) */
	int which = f[L_GW].v ? L_GW : f[L_GW_OLD].v ? L_GW_OLD : L_GW_OLDEST;
	for (int k = L_GW; k <= L_GW_OLDEST; k++)
		if (k != which && f[k].v)
			return cy_fail(c, f[k].k, sp,
				       "'%s' and '%s' are the same field (the current and a legacy "
				       "name); give one",
				       keys[which], keys[k]);
	gw = f[which];
	if (!gw.v)
		return 0;
	SUB(p, sp, keys[which]);
	o->gw_node = gw.v;
	if (!f[L_RD].v && !f[L_VRF].v)
		return cy_fail(c, gw.v, p, "gatewayIPs cannot be set without routingDomain");
	if (which == L_GW_OLDEST) {
		if ((rc = cy_get_prefix(c, gw.v, p, false, &o->gw[0])))
			return rc;
		o->n_gw = 1;
		return 0;
	}
	yaml_node_item_t *items;
	size_t count;
	if ((rc = cy_get_seq(c, gw.v, p, &items, &count)))
		return rc;
	if (count > 2)
		return cy_fail(c, gw.v, p, "%zu addresses, at most 2 (one IPv4 and one IPv6)",
			       count);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *g = cy_node(c, items[i]);
		char ip[PATHBUF];
		IDX(ip, p, i);
		if ((rc = cy_get_prefix(c, g, ip, false, &o->gw[i])))
			return rc;
		if (i == 1 && o->gw[0].ip.family == o->gw[1].ip.family)
			return cy_fail(c, g, ip,
				       "two %s addresses: if 2 addresses are provided, one must be "
				       "IPv4 and one IPv6",
				       cy_family_name(o->gw[1].ip.family));
		o->n_gw++;
	}
	return 0;
}

/* --------------------------------------------------------------------------------------------
 * L3Passthrough
 */

static int parse_passthrough(struct ctx *c, struct oobj *o)
{
	static const char *const keys[] = {"nodeSelector", "hostSession", "hostsession"};
	struct fld f[3], hs;
	char sp[PATHBUF], p[PATHBUF];
	int rc;

	OPATH(sp, o, "spec");
	if ((rc = cy_get_map(c, o->spec, sp, keys, 3, f)) ||
	    (rc = node_selector(c, f[0].v, SUB(p, sp, keys[0]), &o->applies)))
		return rc;
	if (!o->applies)
		return 0;
	if ((rc = either(c, f, 1, 2, keys, sp, &hs)))
		return rc;
	if (!hs.v || cy_is_null(hs.v))
		return cy_fail(c, o->spec, sp, "missing required key 'hostSession'");
	o->has_hs = true;
	pg_strlcpy(o->bridge, "pt-host", sizeof(o->bridge));
	return parse_host_session(c, hs.v, SUB(p, sp, used(f, 1, 2, keys)), false, &o->hs);
}

/* --------------------------------------------------------------------------------------------
 * Underlay
 */

enum {
	N_ASN,
	N_TYPE,
	N_HASN,
	N_ADDR,
	N_IFACE,
	N_RANGE,
	N_PORT,
	N_PW,
	N_PWSECRET,
	N_HOLD,
	N_KA,
	N_CONN,
	N_HOLD_OLD,
	N_KA_OLD,
	N_CONN_OLD,
	N_PROPS,
	N_MHOP_OLD,
	N_BFD,
	N_AF,
	N_N
};
static const char *const nb_keys[N_N] = {
    [N_ASN] = "asn",
    [N_TYPE] = "type",
    [N_HASN] = "hostasn",
    [N_ADDR] = "address",
    [N_IFACE] = "interface",
    [N_RANGE] = "listenRange",
    [N_PORT] = "port",
    [N_PW] = "password",
    [N_PWSECRET] = "passwordSecret",
    [N_HOLD] = "holdTimeSeconds",
    [N_KA] = "keepaliveTimeSeconds",
    [N_CONN] = "connectTimeSeconds",
    [N_HOLD_OLD] = "holdTime",
    [N_KA_OLD] = "keepaliveTime",
    [N_CONN_OLD] = "connectTime",
    [N_PROPS] = "properties",
    [N_MHOP_OLD] = "ebgpMultiHop",
    [N_BFD] = "bfd",
    [N_AF] = "addressFamilies",
};

static int parse_bfd(struct ctx *c, yaml_node_t *n, const char *path)
{
	static const char *const keys[] = {
	    "receiveInterval", "transmitInterval", "detectMultiplier", "sessionMode",
	    "minimumTTL",      "echoInterval",	   "echoMode",	       "passiveMode"};
	static const unsigned lo[] = {10, 10, 2, 0, 1, 10},
			      hi[] = {60000, 60000, 255, 0, 254, 60000};
	static const char *const modes[] = {"Active", "Passive"};
	struct fld f[8];
	char p[PATHBUF];
	unsigned v;
	bool b;
	int rc, m;

	if ((rc = cy_get_map(c, n, path, keys, 8, f)))
		return rc;
	for (int i = 0; i < 6; i++)
		if (f[i].v && i != 3 &&
		    (rc = cy_get_uint(c, f[i].v, SUB(p, path, keys[i]), lo[i], hi[i], &v)))
			return rc;
	if (f[3].v && (rc = cy_get_enum(c, f[3].v, SUB(p, path, keys[3]), modes, 2, &m)))
		return rc;
	for (int i = 6; i < 8; i++)
		if (f[i].v && (rc = cy_get_bool(c, f[i].v, SUB(p, path, keys[i]), &b)))
			return rc;
	LOG_WARN("%s:%d:%d: %s: BFD is not supported; the BGP session runs without it", c->file,
		 cy_line_of(n), cy_col_of(n), path);
	return 0;
}

static int parse_properties(struct ctx *c, yaml_node_t *n, const char *path, uint8_t *ttl)
{
	static const char *const keys[] = {"type", "ebgpMultiHop"};
	static const char *const types[] = {"ebgpMultiHop"};
	static const char *const mh_keys[] = {"ttl"};
	yaml_node_item_t *items;
	size_t count;
	int rc, t;

	if ((rc = cy_get_seq(c, n, path, &items, &count)))
		return rc;
	if (count > 1)
		return cy_fail(c, n, path, "%zu properties, at most 1 allowed", count);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		struct fld f[2], mf[1];
		char ip[PATHBUF], p[PATHBUF], tp[PATHBUF];
		unsigned v = 255;
		IDX(ip, path, i);
		if ((rc = cy_get_item_map(c, item, ip, keys, 2, f, "type")) ||
		    (rc = cy_require(c, item, ip, &f[0], "type")) ||
		    (rc = cy_get_enum(c, f[0].v, SUB(p, ip, "type"), types, 1, &t)) ||
		    (rc = cy_get_map(c, f[1].v, SUB(p, ip, "ebgpMultiHop"), mh_keys, 1, mf)))
			return rc;
		if (mf[0].v && (rc = cy_get_uint(c, mf[0].v, SUB(tp, p, "ttl"), 1, 255, &v)))
			return rc;
		*ttl = (uint8_t)v; /* FRR's default without a TTL: 255 */
	}
	return 0;
}

/* addressFamilies: explicit families (ipv4vpn/ipv6vpn and routeReflectorClient refused). */
static int parse_afs(struct ctx *c, yaml_node_t *n, const char *path, uint32_t *out)
{
	static const char *const keys[] = {"type", "properties"};
	static const char *const types[] = {"ipv4unicast", "ipv6unicast", "evpn", "ipv4vpn",
					    "ipv6vpn"};
	static const char *const prop_keys[] = {"type"};
	static const char *const props[] = {"routeReflectorClient"};
	yaml_node_item_t *items, *pi;
	size_t count, pn;
	int rc, t;

	*out = 0;
	if ((rc = cy_get_seq(c, n, path, &items, &count)))
		return rc;
	if (count > 4)
		return cy_fail(c, n, path, "%zu address families, at most 4 allowed", count);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		struct fld f[2];
		char ip[PATHBUF], p[PATHBUF];
		IDX(ip, path, i);
		if ((rc = cy_get_item_map(c, item, ip, keys, 2, f, "type")) ||
		    (rc = cy_require(c, item, ip, &f[0], "type")) ||
		    (rc = cy_get_enum(c, f[0].v, SUB(p, ip, "type"), types, 5, &t)))
			return rc;
		if (t >= 3)
			return cy_fail(c, f[0].v, p,
				       "%s is not supported (VPN families carry SRv6 L3VPNs; "
				       "allowed: ipv4unicast, ipv6unicast, evpn)",
				       types[t]);
		if (*out & (1u << t))
			return cy_fail(c, f[0].v, p, "duplicate address family '%s'", types[t]);
		*out |= 1u << t; /* CFG_BGP_AF_* are in this order */
		SUB(p, ip, "properties");
		if ((rc = cy_get_seq(c, f[1].v, p, &pi, &pn)))
			return rc;
		for (size_t k = 0; k < pn; k++) {
			yaml_node_t *pnode = cy_node(c, pi[k]);
			struct fld pf[1];
			char pp[PATHBUF], tp[PATHBUF];
			int pt;
			IDX(pp, p, k);
			if ((rc = cy_get_item_map(c, pnode, pp, prop_keys, 1, pf, "type")) ||
			    (rc = cy_require(c, pnode, pp, &pf[0], "type")) ||
			    (rc = cy_get_enum(c, pf[0].v, SUB(tp, pp, "type"), props, 1, &pt)))
				return rc;
			return cy_fail(c, pf[0].v, tp,
				       "routeReflectorClient is not supported: Peregrine does not "
				       "reflect routes");
		}
	}
	return 0;
}

/* Timers: holdTimeSeconds/keepaliveTimeSeconds (both or neither) or the legacy Durations. */
static int parse_timers(struct ctx *c, const struct fld *f, const char *path,
			struct cfg_bgp_neighbor *nb)
{
	const char *const *keys = nb_keys;
	struct fld hold, ka, conn;
	char p[PATHBUF];
	int rc;

	if ((rc = either(c, f, N_HOLD, N_HOLD_OLD, keys, path, &hold)) ||
	    (rc = either(c, f, N_KA, N_KA_OLD, keys, path, &ka)) ||
	    (rc = either(c, f, N_CONN, N_CONN_OLD, keys, path, &conn)))
		return rc;
	nb->hold_time = HOLD_FRR;
	nb->keepalive = KEEPALIVE_FRR;
	if ((f[N_HOLD].v || f[N_KA].v) && !(f[N_HOLD].v && f[N_KA].v)) {
		const struct fld *g = f[N_HOLD].v ? &f[N_HOLD] : &f[N_KA];
		return cy_fail(c, g->k, path,
			       "holdTimeSeconds and keepaliveTimeSeconds must be both set or both "
			       "unset");
	}
	if (hold.v) {
		SUB(p, path, used(f, N_HOLD, N_HOLD_OLD, keys));
		if ((rc = cy_get_seconds(c, hold.v, p, 3, 65535, true, &nb->hold_time)))
			return rc;
		nb->keepalive = (uint16_t)(nb->hold_time / 3);
	}
	if (ka.v) {
		SUB(p, path, used(f, N_KA, N_KA_OLD, keys));
		if ((rc = cy_get_seconds(c, ka.v, p, 0, 65535, true, &nb->keepalive)))
			return rc;
		if (nb->keepalive > nb->hold_time || (nb->hold_time && !nb->keepalive))
			return cy_fail(c, ka.v, p,
				       "%u is out of range: keepaliveTimeSeconds must be at most "
				       "holdTimeSeconds %u (allowed: %s)",
				       nb->keepalive, nb->hold_time,
				       nb->hold_time ? "1..holdTimeSeconds" : "0 with holdTime 0");
	}
	if (conn.v) {
		SUB(p, path, used(f, N_CONN, N_CONN_OLD, keys));
		if ((rc = cy_get_seconds(c, conn.v, p, 1, 65535, false, &nb->connect_retry)))
			return rc;
	}
	return 0;
}

static int parse_neighbor(struct ctx *c, yaml_node_t *n, const char *path,
			  struct cfg_bgp_neighbor *nb, bool *af_explicit)
{
	const char *const *keys = nb_keys;
	struct fld f[N_N];
	char p[PATHBUF];
	const char *bad;
	unsigned v;
	int rc, t;

	memset(nb, 0, sizeof(*nb));
	if ((rc = cy_get_item_map(c, n, path, keys, N_N, f, "address and asn")))
		return rc;
	nb->line = cy_line_of(n);
	if (f[N_IFACE].v)
		return cy_fail(c, f[N_IFACE].k, path,
			       "interface (BGP unnumbered over IPv6 link-local addresses) is not "
			       "supported yet: give the neighbor's address");
	if (f[N_RANGE].v)
		return cy_fail(c, f[N_RANGE].k, path,
			       "listenRange (dynamic neighbors) is not supported yet: list each "
			       "neighbor with its address");
	if ((rc = cy_require(c, n, path, &f[N_ADDR], "address")) ||
	    (rc = cy_get_ip(c, f[N_ADDR].v, SUB(p, path, "address"), 0, &nb->addr)))
		return rc;
	if ((bad = cy_bad_peer_address(&nb->addr)))
		return cy_fail(c, f[N_ADDR].v, p,
			       "%s is %s (allowed: a unicast IPv4 or IPv6 address)", Q(f[N_ADDR].v),
			       bad);
	if (!f[N_ASN].v == !f[N_TYPE].v)
		return cy_fail(c, f[N_ASN].v ? f[N_TYPE].k : n, path,
			       f[N_ASN].v ? "asn and type cannot be set together"
					  : "needs asn or type (External or Internal)");
	if (f[N_ASN].v) {
		if ((rc = cy_get_asn(c, f[N_ASN].v, SUB(p, path, "asn"), &nb->asn)))
			return rc;
		nb->type = CFG_PEER_BY_ASN;
	} else {
		if ((rc = get_enum2(c, f[N_TYPE].v, SUB(p, path, "type"), peer_types,
				    peer_types_old, 2, &t)))
			return rc;
		nb->type = t ? CFG_PEER_INTERNAL : CFG_PEER_EXTERNAL;
	}
	if (f[N_HASN].v) { /* v0.1: checked against asn, otherwise unused */
		uint32_t h;
		SUB(p, path, "hostasn");
		if ((rc = cy_get_uint(c, f[N_HASN].v, p, 0, UINT32_MAX, &v)))
			return rc;
		h = v;
		if (nb->asn && h == nb->asn)
			return cy_fail(c, f[N_HASN].v, p,
				       "hostASN must be different from asn for eBGP");
	}
	nb->port = 179;
	if (f[N_PORT].v) {
		if ((rc = cy_get_uint(c, f[N_PORT].v, SUB(p, path, "port"), 1, 16384, &v)))
			return rc;
		nb->port = (uint16_t)v;
	}
	if (f[N_PWSECRET].v)
		return cy_fail(c, f[N_PWSECRET].k, path,
			       "passwordSecret is not supported: Peregrine does not read "
			       "Kubernetes Secrets; put the key in password");
	if (f[N_PW].v) {
		SUB(p, path, "password");
		if ((rc = cy_get_password(c, f[N_PW].v, p, nb->password, sizeof(nb->password))))
			return rc;
		for (const char *s = nb->password; *s; s++)
			if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
				return cy_fail(c, f[N_PW].v, p, "must not contain white space");
	}
	nb->connect_retry = 0; /* set by the caller: 120, or 5 with graceful restart */
	/* OpenPERouter renders "allowas-in" (FRR: our AS up to 3 times) for every Underlay
	 * neighbor in every family: all nodes of a cluster share the Underlay's AS, so a route
	 * from another node comes back through the fabric with our AS in its path. */
	nb->allowas_in = 3;
	if ((rc = parse_timers(c, f, path, nb)))
		return rc;
	if (f[N_PROPS].v && f[N_MHOP_OLD].v)
		return cy_fail(c, f[N_MHOP_OLD].k, path,
			       "'properties' and 'ebgpMultiHop' are the current and the legacy "
			       "field; give one");
	if (f[N_PROPS].v &&
	    (rc = parse_properties(c, f[N_PROPS].v, SUB(p, path, "properties"), &nb->ttl)))
		return rc;
	if (f[N_MHOP_OLD].v) {
		bool mh = false;
		if ((rc = cy_get_bool(c, f[N_MHOP_OLD].v, SUB(p, path, "ebgpMultiHop"), &mh)))
			return rc;
		nb->ttl = mh ? 255 : 0;
	}
	if (f[N_BFD].v && (rc = parse_bfd(c, f[N_BFD].v, SUB(p, path, "bfd"))))
		return rc;
	*af_explicit = false;
	if (f[N_AF].v) {
		if ((rc = parse_afs(c, f[N_AF].v, SUB(p, path, "addressFamilies"), &nb->families)))
			return rc;
		*af_explicit = nb->families != 0;
	}
	return 0;
}

enum {
	U_SEL,
	U_ASN,
	U_RID,
	U_RID_OLD,
	U_NB,
	U_IFS,
	U_NICS,
	U_TEP,
	U_EVPN,
	U_GR,
	U_ISIS,
	U_SRV6,
	U_RR,
	U_N
};
static const char *const u_keys[U_N] = {[U_SEL] = "nodeSelector", [U_ASN] = "asn",
					[U_RID] = "routerIDCIDR", [U_RID_OLD] = "routeridcidr",
					[U_NB] = "neighbors",	  [U_IFS] = "interfaces",
					[U_NICS] = "nics",	  [U_TEP] = "tunnelEndpoint",
					[U_EVPN] = "evpn",	  [U_GR] = "gracefulRestart",
					[U_ISIS] = "isis",	  [U_SRV6] = "srv6",
					[U_RR] = "routeReflector"};

static int add_interface(struct ctx *c, struct ounderlay *u, yaml_node_t *n, const char *path)
{
	char name[PG_IFNAME_MAX];
	int rc;

	if ((rc = get_ifname(c, n, path, true, name)))
		return rc;
	for (unsigned i = 0; i < u->n_ifs; i++)
		if (!strcmp(u->ifs[i], name))
			return cy_fail(c, n, path, "duplicate interface '%s' (first at line %d)",
				       name, cy_line_of(u->if_node[i]));
	if (u->n_ifs == MAX_INTERFACES)
		return cy_fail(c, n, path, "more than %d interfaces", MAX_INTERFACES);
	pg_strlcpy(u->ifs[u->n_ifs], name, PG_IFNAME_MAX);
	u->if_node[u->n_ifs++] = n;
	return 0;
}

static int parse_interfaces(struct ctx *c, struct ounderlay *u, yaml_node_t *n, const char *path,
			    bool legacy)
{
	static const char *const keys[] = {"type", "networkDevice", "cniDevice"};
	static const char *const types[] = {"NetworkDevice", "CNIDevice"};
	static const char *const nd_keys[] = {"interfaceName"};
	yaml_node_item_t *items;
	size_t count;
	int rc, t;

	if ((rc = cy_get_seq(c, n, path, &items, &count)))
		return rc;
	if (count == 0)
		return cy_fail(c, n, path, "at least one interface is required");
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		struct fld f[3], nf[1];
		char ip[PATHBUF], p[PATHBUF];
		IDX(ip, path, i);
		if (legacy) {
			if ((rc = add_interface(c, u, item, ip)))
				return rc;
			continue;
		}
		if ((rc = cy_get_item_map(c, item, ip, keys, 3, f, "type and networkDevice")) ||
		    (rc = cy_require(c, item, ip, &f[0], "type")) ||
		    (rc = cy_get_enum(c, f[0].v, SUB(p, ip, "type"), types, 2, &t)))
			return rc;
		if (t == 1)
			return cy_fail(c, f[0].v, p,
				       "CNIDevice is not supported: a CNI plugin provisions the "
				       "interface in OpenPERouter's network namespace, while "
				       "Peregrine attaches an existing interface (allowed: "
				       "NetworkDevice)");
		if (!f[1].v || f[2].v)
			return cy_fail(
			    c, f[2].v ? f[2].k : item, ip,
			    "type/config mismatch: networkDevice must be set if and only "
			    "if type is 'NetworkDevice'");
		SUB(p, ip, "networkDevice");
		if ((rc = cy_get_map(c, f[1].v, p, nd_keys, 1, nf)) ||
		    (rc = cy_require(c, f[1].v, p, &nf[0], "interfaceName")) ||
		    (rc = add_interface(c, u, nf[0].v, SUB(ip, p, "interfaceName"))))
			return rc;
	}
	return 0;
}

static int vtep_from_cidrs(struct ctx *c, struct ounderlay *u, yaml_node_t *n, const char *path)
{
	yaml_node_item_t *items;
	size_t count;
	int rc;

	if ((rc = cy_get_seq(c, n, path, &items, &count)))
		return rc;
	if (count == 0 || count > 2)
		return cy_fail(c, n, path, "%zu CIDRs (allowed: 1 or 2, at most one per family)",
			       count);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		struct pg_prefix pfx;
		char ip[PATHBUF], b[PG_PREFIX_FMT_LEN], sz[16];
		IDX(ip, path, i);
		if ((rc = get_cidr(c, item, ip, 0, &pfx)))
			return rc;
		if (pfx.ip.family == AF_INET6)
			return cy_fail(c, item, ip,
				       "IPv6 VTEPs are not supported (Peregrine's VXLAN tunnel "
				       "endpoint is IPv4; give an IPv4 CIDR)");
		if (u->has_vtep)
			return cy_fail(c, item, ip, "at most one IPv4 CIDR is allowed");
		if (!cidr_host(&pfx, (uint64_t)c->node_index, &u->vtep))
			return cy_fail(c, item, ip,
				       "node index %d is out of range for %s (the VTEP is its "
				       "address number %d; it has %s)",
				       c->node_index, fmt_prefix(&pfx, b), c->node_index,
				       cidr_size(&pfx, sz, sizeof(sz)));
		u->has_vtep = true;
		u->vtep_node = item;
	}
	return 0;
}

static int parse_underlay(struct ctx *c, struct oobj *o)
{
	const char *const *keys = u_keys;
	struct ounderlay *u = &c->opr->u;
	struct fld f[U_N], rid, pf[2];
	char sp[PATHBUF], p[PATHBUF], xp[PATHBUF], b[PG_PREFIX_FMT_LEN], sz[16];
	struct pg_prefix ridp;
	yaml_node_item_t *items;
	size_t count;
	int rc;

	OPATH(sp, o, "spec");
	if ((rc = cy_get_map(c, o->spec, sp, keys, U_N, f)) ||
	    (rc = node_selector(c, f[U_SEL].v, SUB(p, sp, keys[U_SEL]), &o->applies)))
		return rc;
	if (!o->applies)
		return 0;
	if (c->opr->has_underlay)
		return cy_fail(c, o->root, o->label,
			       "more than one Underlay applies to this node (the other is %s at "
			       "line %d); give them nodeSelectors that do not overlap",
			       u->o->label, cy_line_of(u->o->root));
	memset(u, 0, sizeof(*u));
	u->o = o;
	c->opr->has_underlay = true;
	if (f[U_ISIS].v)
		return cy_fail(c, f[U_ISIS].k, sp,
			       "isis is not supported: Peregrine has no IS-IS (OpenPERouter uses "
			       "it for the SRv6 underlay)");
	if (f[U_SRV6].v)
		return cy_fail(c, f[U_SRV6].k, sp,
			       "srv6 is not supported: Peregrine's dataplane has no SRv6");
	if (f[U_RR].v)
		return cy_fail(c, f[U_RR].k, sp,
			       "routeReflector is not supported: Peregrine does not reflect "
			       "routes (RFC 4456)");
	if ((rc = cy_require(c, o->spec, sp, &f[U_ASN], "asn")) ||
	    (rc = cy_get_asn(c, f[U_ASN].v, SUB(p, sp, "asn"), &u->asn)))
		return rc;
	u->asn_node = f[U_ASN].v;

	/* router ID: address index+1 of routerIDCIDR */
	if ((rc = either(c, f, U_RID, U_RID_OLD, keys, sp, &rid)))
		return rc;
	parse_prefix("10.0.0.0/24", &ridp, false);
	if (rid.v &&
	    (rc = get_cidr(c, rid.v, SUB(p, sp, used(f, U_RID, U_RID_OLD, keys)), AF_INET, &ridp)))
		return rc;
	struct pg_ip r;
	if (!cidr_host(&ridp, (uint64_t)c->node_index + 1, &r))
		return cy_fail(c, rid.v ? rid.v : o->spec, rid.v ? p : sp,
			       "node index %d is out of range for routerIDCIDR %s (the router ID "
			       "is its address number %d; it has %s)",
			       c->node_index, fmt_prefix(&ridp, b), c->node_index + 1,
			       cidr_size(&ridp, sz, sizeof(sz)));
	u->router_id = r.v4;

	/* interfaces (HEAD) or nics (v0.1) */
	if (f[U_IFS].v && f[U_NICS].v)
		return cy_fail(c, f[U_NICS].k, sp,
			       "'interfaces' and 'nics' are the current and the legacy field; "
			       "give one");
	if (f[U_IFS].v &&
	    (rc = parse_interfaces(c, u, f[U_IFS].v, SUB(p, sp, "interfaces"), false)))
		return rc;
	if (f[U_NICS].v && (rc = parse_interfaces(c, u, f[U_NICS].v, SUB(p, sp, "nics"), true)))
		return rc;

	/* tunnelEndpoint.cidrs (HEAD) or evpn.vtepcidr (v0.1) */
	if (f[U_TEP].v && f[U_EVPN].v)
		return cy_fail(c, f[U_EVPN].k, sp,
			       "'tunnelEndpoint' and 'evpn' are the current and the legacy field; "
			       "give one");
	if (f[U_TEP].v) {
		static const char *const tk[] = {"cidrs"};
		SUB(p, sp, "tunnelEndpoint");
		if ((rc = cy_get_map(c, f[U_TEP].v, p, tk, 1, pf)) ||
		    (rc = cy_require(c, f[U_TEP].v, p, &pf[0], "cidrs")) ||
		    (rc = vtep_from_cidrs(c, u, pf[0].v, SUB(xp, p, "cidrs"))))
			return rc;
	}
	if (f[U_EVPN].v) {
		static const char *const ek[] = {"vtepcidr", "vtepInterface"};
		SUB(p, sp, "evpn");
		if ((rc = cy_get_map(c, f[U_EVPN].v, p, ek, 2, pf)))
			return rc;
		if (pf[1].v)
			return cy_fail(c, pf[1].k, p,
				       "vtepInterface is not supported (OpenPERouter removed it): "
				       "give vtepcidr");
		if ((rc = cy_require(c, f[U_EVPN].v, p, &pf[0], "vtepcidr")))
			return rc;
		SUB(xp, p, "vtepcidr");
		pg_strlcpy(p, xp, sizeof(p));
		struct pg_prefix pfx;
		if ((rc = get_cidr(c, pf[0].v, p, 0, &pfx)))
			return rc;
		if (pfx.ip.family == AF_INET6)
			return cy_fail(c, pf[0].v, p,
				       "IPv6 VTEPs are not supported (Peregrine's VXLAN tunnel "
				       "endpoint is IPv4; give an IPv4 CIDR)");
		if (!cidr_host(&pfx, (uint64_t)c->node_index, &u->vtep))
			return cy_fail(c, pf[0].v, p,
				       "node index %d is out of range for %s (the VTEP is its "
				       "address number %d; it has %s)",
				       c->node_index, fmt_prefix(&pfx, b), c->node_index,
				       cidr_size(&pfx, sz, sizeof(sz)));
		u->has_vtep = true;
		u->vtep_node = pf[0].v;
	}

	if (f[U_GR].v) {
		static const char *const gk[] = {"restartTimeSeconds", "stalePathTimeSeconds"};
		unsigned v;
		SUB(p, sp, "gracefulRestart");
		if ((rc = cy_get_map(c, f[U_GR].v, p, gk, 2, pf)))
			return rc;
		u->gr = true;
		u->restart_time = 120;
		if (pf[0].v) {
			char gp[PATHBUF];
			if ((rc = cy_get_uint(c, pf[0].v, SUB(gp, p, gk[0]), 1, 4095, &v)))
				return rc;
			u->restart_time = (uint16_t)v;
		}
		if (pf[1].v) { /* stale paths are kept for the restart time */
			char gp[PATHBUF];
			if ((rc = cy_get_uint(c, pf[1].v, SUB(gp, p, gk[1]), 1, 4095, &v)))
				return rc;
		}
	}

	/* neighbors: 1..128, unique addresses */
	SUB(p, sp, "neighbors");
	if ((rc = cy_require(c, o->spec, sp, &f[U_NB], "neighbors")) ||
	    (rc = cy_get_seq(c, f[U_NB].v, p, &items, &count)))
		return rc;
	if (count == 0 || count > MAX_NEIGHBORS)
		return cy_fail(c, f[U_NB].v, p, "%zu neighbors (allowed: 1..%d)", count,
			       MAX_NEIGHBORS);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		struct cfg_bgp_neighbor *nb = &u->nb[i];
		char ip[PATHBUF], ap[PATHBUF];
		IDX(ip, p, i);
		if ((rc = parse_neighbor(c, item, ip, nb, &u->nb_af_explicit[i])))
			return rc;
		if (!nb->connect_retry)
			nb->connect_retry = u->gr ? CONNECT_GR : CONNECT_FRR;
		for (unsigned j = 0; j < u->n_nb; j++)
			if (ip_equal(&u->nb[j].addr, &nb->addr))
				return cy_fail(c, item, SUB(ap, ip, "address"),
					       "duplicate neighbor address %s (first at line %d)",
					       fmt_ip(&nb->addr, b), u->nb[j].line);
		u->nb_node[i] = item;
		u->n_nb++;
	}
	return 0;
}

/* --------------------------------------------------------------------------------------------
 * All objects
 */

int opr_parse(struct ctx *c)
{
	struct opr *opr = c->opr;
	yaml_document_t *saved = c->doc;
	int rc = 0;

	if (!opr)
		return 0;
	/* L3VNIs first: L2VNIs refer to them by name */
	static const enum okind order[] = {K_L3VNI, K_L2VNI, K_PASSTHROUGH, K_UNDERLAY};
	for (size_t k = 0; k < PG_ARRAY_SIZE(order) && !rc; k++) {
		for (unsigned i = 0; i < opr->n && !rc; i++) {
			struct oobj *o = &opr->objs[i];
			if (o->kind != order[k])
				continue;
			c->doc = o->doc;
			switch (o->kind) {
			case K_UNDERLAY:
				rc = parse_underlay(c, o);
				break;
			case K_L3VNI:
				rc = parse_l3vni(c, o);
				break;
			case K_L2VNI:
				rc = parse_l2vni(c, o);
				break;
			case K_PASSTHROUGH:
				rc = parse_passthrough(c, o);
				break;
			default:
				break;
			}
		}
	}
	c->doc = saved;
	if (rc)
		return rc;
	if (opr->selectors_seen && !c->n_labels)
		LOG_NOTICE("%s: no node labels (spec.nodeLabels or --node-label): nodeSelectors "
			   "were not evaluated, every OpenPERouter object applies",
			   c->file);

	/* cross-object checks among what applies */
	const struct oobj *pt = NULL;
	for (unsigned i = 0; i < opr->n; i++) {
		struct oobj *o = &opr->objs[i];
		if (!o->applies)
			continue;
		char sp[PATHBUF], p[PATHBUF];
		OPATH(sp, o, "spec");
		if (o->kind == K_PASSTHROUGH) {
			if (pt)
				return cy_fail(
				    c, o->root, o->label,
				    "can't have more than one L3Passthrough per node (the "
				    "other is %s at line %d)",
				    pt->label, cy_line_of(pt->root));
			pt = o;
		}
		if (o->kind == K_L3VNI || o->kind == K_L2VNI) {
			for (unsigned j = 0; j < i; j++) {
				const struct oobj *q = &opr->objs[j];
				if (!q->applies || (q->kind != K_L3VNI && q->kind != K_L2VNI))
					continue;
				if (q->vni == o->vni)
					return cy_fail(c, o->vni_node, SUB(p, sp, "vni"),
						       "duplicate VNI %u (also %s at line %d)",
						       o->vni, q->label, cy_line_of(q->root));
				if (o->kind == K_L3VNI && q->kind == K_L3VNI &&
				    !strcmp(q->vrf, o->vrf))
					return cy_fail(c, o->vrf_node, SUB(p, sp, "vrf"),
						       "more than one L3VNI in VRF '%s' (also %s "
						       "at line %d)",
						       o->vrf, q->label, cy_line_of(q->root));
			}
		}
		if (o->kind == K_L2VNI && o->domain[0]) {
			const struct oobj *l3 = NULL;
			char names[256];
			size_t n = 0;
			names[0] = '\0';
			for (unsigned j = 0; j < opr->n; j++) {
				const struct oobj *q = &opr->objs[j];
				if (!q->applies || q->kind != K_L3VNI)
					continue;
				if (!strcmp(q->name, o->domain) && !strcmp(q->ns, o->ns))
					l3 = q;
				if (n < sizeof(names))
					n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
							      n ? ", " : "", q->name);
			}
			if (!l3)
				return cy_fail(c, o->domain_node,
					       OPATH(p, o, "spec.routingDomain.l3vni.name"),
					       "no L3VNI named '%s' applies to this node (L3VNIs: "
					       "%s)",
					       o->domain, n ? names : "none");
			pg_strlcpy(o->vrf, l3->vrf, sizeof(o->vrf));
			o->has_vrf = true;
			o->vrf_node = o->domain_node;
		}
		/* host sessions: localCIDRs must not overlap */
		if (o->has_hs) {
			for (unsigned j = 0; j < i; j++) {
				const struct oobj *q = &opr->objs[j];
				if (!q->applies || !q->has_hs)
					continue;
				for (unsigned a = 0; a < o->hs.n; a++)
					for (unsigned b = 0; b < q->hs.n; b++) {
						char b1[PG_PREFIX_FMT_LEN], b2[PG_PREFIX_FMT_LEN];
						if (!prefix_contains(&o->hs.cidr[a],
								     &q->hs.cidr[b].ip) &&
						    !prefix_contains(&q->hs.cidr[b],
								     &o->hs.cidr[a].ip))
							continue;
						return cy_fail(
						    c, o->hs.cidr_node[a], o->hs.path,
						    "localCIDR %s overlaps %s of %s (line %d)",
						    fmt_prefix(&o->hs.cidr[a], b1),
						    fmt_prefix(&q->hs.cidr[b], b2), q->label,
						    cy_line_of(q->root));
					}
			}
		}
	}
	return 0;
}

bool opr_router_id(const struct ctx *c, uint32_t *rid)
{
	if (!c->opr || !c->opr->has_underlay)
		return false;
	*rid = c->opr->u.router_id;
	return true;
}

bool opr_has_ports(const struct ctx *c)
{
	if (!c->opr)
		return false;
	if (c->opr->has_underlay && c->opr->u.n_ifs)
		return true;
	for (unsigned i = 0; i < c->opr->n; i++)
		if (c->opr->objs[i].applies && c->opr->objs[i].kind == K_L2VNI)
			return true;
	return false;
}

/* The VRFs of the L3VNIs (and of legacy L2VNI vrf keys), before the Peregrine document. */
int opr_pre_vrfs(struct ctx *c)
{
	struct pg_config *cfg = c->cfg;

	if (!c->opr)
		return 0;
	for (unsigned i = 0; i < c->opr->n; i++) {
		const struct oobj *o = &c->opr->objs[i];
		if (!o->applies || !o->has_vrf || config_vrf_index(cfg, o->vrf) >= 0)
			continue;
		if (cfg->n_vrfs == PG_MAX_VRFS)
			return cy_fail(c, o->vrf_node, o->label, "more than %d VRFs",
				       PG_MAX_VRFS - 1);
		struct cfg_vrf *v = realloc(cfg->vrfs, (cfg->n_vrfs + 1) * sizeof(*v));
		if (!v)
			return cy_fail_nomem(c);
		cfg->vrfs = v;
		memset(&v[cfg->n_vrfs], 0, sizeof(*v));
		v[cfg->n_vrfs].line = cy_line_of(o->vrf_node);
		pg_strlcpy(v[cfg->n_vrfs].name, o->vrf, sizeof(v->name));
		cfg->n_vrfs++;
	}
	c->n_opr_vrfs = cfg->n_vrfs;
	return 0;
}

/* --------------------------------------------------------------------------------------------
 * Merging into the configuration
 */

static int grow(struct ctx *c, void **arr, unsigned n, size_t size)
{
	void *p = realloc(*arr, (n + 1) * size);

	if (!p)
		return cy_fail_nomem(c);
	memset((char *)p + n * size, 0, size);
	*arr = p;
	return 0;
}

static int add_port(struct ctx *c, yaml_node_t *n, const char *path, const char *name,
		    const char *device, int *idx)
{
	struct pg_config *cfg = c->cfg;
	struct cfg_port *port;

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct cfg_port *o = &cfg->ports[i];
		if (!strcmp(o->name, name) || !strcmp(o->device, device) ||
		    (!o->no_tap && (!strcmp(o->tap, name) || !strcmp(o->tap, device))))
			return cy_fail(
			    c, n, path,
			    "port '%s' (device '%s') clashes with port '%s' (device '%s', "
			    "line %d) of the Peregrine document",
			    name, device, o->name, o->device, o->line);
	}
	if (cfg->n_ports == PG_MAX_PORTS)
		return cy_fail(c, n, path, "port '%s' would be port %u, at most %d allowed", name,
			       cfg->n_ports + 1, PG_MAX_PORTS);
	if (grow(c, (void **)&cfg->ports, cfg->n_ports, sizeof(*port)))
		return -ENOMEM;
	port = &cfg->ports[cfg->n_ports];
	port->line = cy_line_of(n);
	pg_strlcpy(port->name, name, sizeof(port->name));
	pg_strlcpy(port->device, device, sizeof(port->device));
	port->driver = CFG_DRIVER_AUTO;
	port->mtu = 1500;
	port->vrf = PG_VRF_DEFAULT;
	port->l2vni = -1;
	port->host_session = -1;
	*idx = (int)cfg->n_ports++;
	return 0;
}

/* An Underlay interface: a port named after it, unless the Peregrine document has it. */
static int merge_interface(struct ctx *c, const struct ounderlay *u, unsigned i)
{
	struct pg_config *cfg = c->cfg;
	char p[PATHBUF], t[PG_NAME_MAX + 4];
	int idx;

	OPATH(p, u->o, "spec.interfaces");
	for (unsigned k = 0; k < cfg->n_ports; k++) {
		const struct cfg_port *o = &cfg->ports[k];
		if (strcmp(o->name, u->ifs[i]) != 0)
			continue;
		if (strcmp(o->device, u->ifs[i]) != 0 || o->vrf != PG_VRF_DEFAULT || o->l2vni >= 0)
			return cy_fail(
			    c, u->if_node[i], p,
			    "interface '%s' is port '%s' of the Peregrine document (line "
			    "%d) with device '%s'%s; the same port there needs device "
			    "'%s' in the default VRF",
			    u->ifs[i], o->name, o->line, o->device, o->vrf ? " in another VRF" : "",
			    u->ifs[i]);
		return 0; /* the Peregrine document's port (driver, addresses, MTU...) */
	}
	if (add_port(c, u->if_node[i], p, u->ifs[i], u->ifs[i], &idx))
		return -EINVAL;
	snprintf(t, sizeof(t), "pg-%s", u->ifs[i]);
	pg_strlcpy(cfg->ports[idx].tap, t, sizeof(cfg->ports[idx].tap));
	cfg->ports[idx].exception = CFG_EXC_AUTO;
	return 0;
}

static bool rts_equal(const uint64_t *a, unsigned na, const uint64_t *b, unsigned nb)
{
	return na == nb && !memcmp(a, b, na * sizeof(*a));
}

static int check_udp_port(struct ctx *c, const struct oobj *o, const char *path)
{
	const struct pg_config *cfg = c->cfg;
	uint16_t want = cfg->n_l3vnis	? cfg->l3vnis[0].udp_port
			: cfg->n_l2vnis ? cfg->l2vnis[0].udp_port
					: o->udp_port;
	int line = cfg->n_l3vnis ? cfg->l3vnis[0].line : cfg->n_l2vnis ? cfg->l2vnis[0].line : 0;

	if (o->udp_port == want)
		return 0;
	return cy_fail(c, o->port_node ? o->port_node : o->spec, path,
		       "all VNIs share one VXLAN UDP port in Peregrine: %u differs from %u (line "
		       "%d)",
		       o->udp_port, want, line);
}

static int merge_l3vni(struct ctx *c, const struct oobj *o)
{
	struct pg_config *cfg = c->cfg;
	struct cfg_l3vni *l;
	char p[PATHBUF];
	int vrf = config_vrf_index(cfg, o->vrf);

	OPATH(p, o, "spec.vni");
	for (unsigned i = 0; i < cfg->n_l2vnis; i++)
		if (cfg->l2vnis[i].vni == o->vni)
			return cy_fail(
			    c, o->vni_node, p,
			    "VNI %u is also an L2VNI of the Peregrine document (line %d)", o->vni,
			    cfg->l2vnis[i].line);
	for (unsigned i = 0; i < cfg->n_l3vnis; i++) {
		l = &cfg->l3vnis[i];
		if (l->vni != o->vni && l->vrf != vrf)
			continue;
		if (l->vni != o->vni || l->vrf != vrf || l->udp_port != o->udp_port ||
		    !rts_equal(l->import_rts, l->n_import_rts, o->imp, o->n_imp) ||
		    !rts_equal(l->export_rts, l->n_export_rts, o->exp, o->n_exp))
			return cy_fail(c, o->vni_node, p,
				       "L3VNI %u in VRF '%s' differs from L3VNI %u in VRF '%s' of "
				       "the Peregrine document (line %d): define it once, or "
				       "identically",
				       o->vni, o->vrf, l->vni, cfg->vrfs[l->vrf].name, l->line);
		return 0; /* the same L3VNI (the Peregrine document may add routerMac) */
	}
	if (cfg->n_l3vnis + cfg->n_l2vnis >= PG_MAX_VNIS)
		return cy_fail(c, o->vni_node, p, "more than %d VNIs", PG_MAX_VNIS);
	if (check_udp_port(c, o, OPATH(p, o, "spec.vxlanPort")))
		return -EINVAL;
	if (grow(c, (void **)&cfg->l3vnis, cfg->n_l3vnis, sizeof(*l)))
		return -ENOMEM;
	l = &cfg->l3vnis[cfg->n_l3vnis];
	l->line = cy_line_of(o->root);
	l->vni = o->vni;
	l->vrf = (uint16_t)vrf;
	l->udp_port = o->udp_port;
	l->n_import_rts = o->n_imp;
	l->n_export_rts = o->n_exp;
	memcpy(l->import_rts, o->imp, sizeof(o->imp));
	memcpy(l->export_rts, o->exp, sizeof(o->exp));
	cfg->n_l3vnis++;
	return 0;
}

/* The host side of an L2VNI: a TAP named like OpenPERouter's veth, bridged into the VNI. */
static int merge_l2vni_port(struct ctx *c, const struct oobj *o, int *idx)
{
	struct pg_config *cfg = c->cfg;
	char p[PATHBUF], name[PG_NAME_MAX], dev[64];

	snprintf(name, sizeof(name), "host-e-%u", o->vni);
	snprintf(dev, sizeof(dev), "net_tap_l2v%u,iface=%s", o->vni, name);
	if (add_port(c, o->root, OPATH(p, o, "spec"), name, dev, idx))
		return -EINVAL;
	struct cfg_port *port = &cfg->ports[*idx];
	port->exception = CFG_EXC_TAP;
	port->no_tap = true; /* bridged: no exception path */
	if (o->bridge_create)
		snprintf(port->bridge, sizeof(port->bridge), "br-hs-%u", o->vni);
	else
		pg_strlcpy(port->bridge, o->bridge, sizeof(port->bridge));
	port->bridge_create = o->bridge_create;
	return 0;
}

static int merge_l2vni(struct ctx *c, const struct oobj *o, int idx)
{
	struct pg_config *cfg = c->cfg;
	struct cfg_l2vni *l;
	char p[PATHBUF];

	OPATH(p, o, "spec.vni");
	for (unsigned i = 0; i < cfg->n_l3vnis; i++)
		if (cfg->l3vnis[i].vni == o->vni)
			return cy_fail(c, o->vni_node, p, "VNI %u is already an L3VNI (line %d)",
				       o->vni, cfg->l3vnis[i].line);
	for (unsigned i = 0; i < cfg->n_l2vnis; i++)
		if (cfg->l2vnis[i].vni == o->vni)
			return cy_fail(
			    c, o->vni_node, p,
			    "VNI %u is also an L2VNI of the Peregrine document (line %d); "
			    "define it once",
			    o->vni, cfg->l2vnis[i].line);
	if (cfg->n_l3vnis + cfg->n_l2vnis >= PG_MAX_VNIS)
		return cy_fail(c, o->vni_node, p, "more than %d VNIs", PG_MAX_VNIS);
	if (check_udp_port(c, o, OPATH(p, o, "spec.vxlanPort")))
		return -EINVAL;
	cfg->ports[idx].l2vni = (int)cfg->n_l2vnis;
	if (grow(c, (void **)&cfg->l2vnis, cfg->n_l2vnis, sizeof(*l)))
		return -ENOMEM;
	cfg->cap_l2vnis = cfg->n_l2vnis + 1;
	l = &cfg->l2vnis[cfg->n_l2vnis];
	l->line = cy_line_of(o->root);
	l->vni = o->vni;
	l->udp_port = o->udp_port;
	l->mac_ageing = 300;
	l->irb_port = -1;
	l->ports[l->n_ports++] = (uint16_t)idx;
	cy_l2vni_default_gw_mac(o->vni, &l->gw_mac);
	/* routed when it has gateway addresses (Peregrine's IRB needs them) */
	if (o->has_vrf && o->n_gw) {
		l->has_vrf = true;
		l->vrf = (uint16_t)config_vrf_index(cfg, o->vrf);
		l->n_gw = o->n_gw;
		memcpy(l->gw, o->gw, sizeof(o->gw));
		if (cy_l2vni_irb_port(c, o->gw_node, OPATH(p, o, "spec.gatewayIPs"), l))
			return -EINVAL;
	}
	cfg->n_l2vnis++;
	return 0;
}

static int add_network(struct ctx *c, const struct pg_ip *ip)
{
	struct cfg_bgp *bgp = &c->cfg->bgp;
	struct pg_prefix p;

	memset(&p, 0, sizeof(p)); /* compared byte for byte: no stray padding */
	p.ip.family = ip->family;
	if (ip->family == AF_INET)
		p.ip.v4 = ip->v4;
	else
		memcpy(p.ip.v6, ip->v6, 16);
	p.len = ip->family == AF_INET ? 32 : 128;

	for (unsigned i = 0; i < bgp->n_networks; i++)
		if (bgp->networks[i].len == p.len && ip_equal(&bgp->networks[i].ip, ip))
			return 0;
	if (grow(c, (void **)&bgp->networks, bgp->n_networks, sizeof(p)))
		return -ENOMEM;
	memcpy(&bgp->networks[bgp->n_networks++], &p, sizeof(p));
	return 0;
}

static int merge_host_session(struct ctx *c, const struct oobj *o)
{
	struct pg_config *cfg = c->cfg;
	struct cfg_host_session *h;

	for (unsigned i = 0; i < cfg->n_host_sessions; i++)
		if (!strcmp(cfg->host_sessions[i].name, o->bridge))
			return cy_fail(
			    c, o->hs.node, o->hs.path,
			    "host session '%s' is also defined by the Peregrine document "
			    "(line %d)",
			    o->bridge, cfg->host_sessions[i].line);
	if (cfg->n_host_sessions == CFG_MAX_HOST_SESSIONS)
		return cy_fail(c, o->hs.node, o->hs.path, "more than %d host sessions",
			       CFG_MAX_HOST_SESSIONS);
	if (grow(c, (void **)&cfg->host_sessions, cfg->n_host_sessions, sizeof(*h)))
		return -ENOMEM;
	h = &cfg->host_sessions[cfg->n_host_sessions];
	h->line = cy_line_of(o->hs.node);
	pg_strlcpy(h->name, o->bridge, sizeof(h->name));
	h->vrf = o->kind == K_L3VNI ? (uint16_t)config_vrf_index(cfg, o->vrf) : PG_VRF_DEFAULT;
	h->asn = o->hs.asn;
	h->host_type = o->hs.type;
	h->host_asn = o->hs.host_asn;
	h->mtu = 1500;
	h->n_addrs = o->hs.n;
	memcpy(h->router, o->hs.router, sizeof(h->router));
	memcpy(h->host, o->hs.host, sizeof(h->host));
	h->port = -1;
	cfg->n_host_sessions++;
	int rc = config_host_session_port(c, o->hs.node, o->hs.path, cfg->n_host_sessions - 1);
	if (rc)
		return rc;
	/* L3Passthrough: the host side is announced to the fabric */
	if (o->kind == K_PASSTHROUGH)
		for (unsigned i = 0; i < o->hs.n; i++)
			if (add_network(c, &o->hs.host[i].ip))
				return -ENOMEM;
	return 0;
}

/* OpenPERouter's default address families of a neighbor (defaultNLPsForNeighbor). */
static uint32_t default_families(const struct ctx *c, const struct cfg_bgp_neighbor *nb)
{
	uint32_t af = nb->addr.family == AF_INET6 ? CFG_BGP_AF_IPV6 : CFG_BGP_AF_IPV4;
	const struct opr *opr = c->opr;

	for (unsigned i = 0; i < opr->n; i++) {
		const struct oobj *o = &opr->objs[i];
		if (!o->applies)
			continue;
		if (o->kind == K_L3VNI || o->kind == K_L2VNI)
			af |= CFG_BGP_AF_IPV4 | CFG_BGP_AF_EVPN;
		if (o->kind == K_PASSTHROUGH)
			for (unsigned k = 0; k < o->hs.n; k++)
				af |= o->hs.cidr[k].ip.family == AF_INET ? CFG_BGP_AF_IPV4
									 : CFG_BGP_AF_IPV6;
	}
	if (opr->u.has_vtep)
		af |= CFG_BGP_AF_IPV4;
	return af;
}

static bool neighbor_same(const struct cfg_bgp_neighbor *a, const struct cfg_bgp_neighbor *b)
{
	struct cfg_bgp_neighbor x = *a, y = *b;

	x.line = y.line = 0;
	return !memcmp(&x, &y, sizeof(x));
}

static int merge_underlay(struct ctx *c)
{
	struct pg_config *cfg = c->cfg;
	struct cfg_bgp *bgp = &cfg->bgp;
	const struct ounderlay *u = &c->opr->u;
	char p[PATHBUF], np[PATHBUF], b[PG_IP_FMT_LEN], b2[PG_IP_FMT_LEN];
	int rc;

	if (u->has_vtep) {
		if (cfg->has_vtep && !ip_equal(&cfg->vtep, &u->vtep))
			return cy_fail(c, u->vtep_node, OPATH(p, u->o, "spec.tunnelEndpoint"),
				       "the VTEP of node %d is %s, but the Peregrine document's "
				       "vtep is %s",
				       c->node_index, fmt_ip(&u->vtep, b), fmt_ip(&cfg->vtep, b2));
		cfg->has_vtep = true;
		cfg->vtep = u->vtep;
	}
	if (bgp->enabled) {
		if (bgp->asn != u->asn)
			return cy_fail(c, u->asn_node, OPATH(p, u->o, "spec.asn"),
				       "%u differs from the Peregrine document's bgp.asn %u (line "
				       "%d)",
				       u->asn, bgp->asn, bgp->line);
		if (bgp->router_id != u->router_id) {
			struct pg_ip r1 = {.family = AF_INET, .v4 = u->router_id};
			struct pg_ip r2 = {.family = AF_INET, .v4 = bgp->router_id};
			return cy_fail(c, u->o->spec, OPATH(p, u->o, "spec.routerIDCIDR"),
				       "the router ID of node %d is %s, but the Peregrine "
				       "document's bgp.routerId is %s (line %d)",
				       c->node_index, fmt_ip(&r1, b), fmt_ip(&r2, b2), bgp->line);
		}
	} else {
		bgp->enabled = true;
		bgp->line = cy_line_of(u->o->root);
		bgp->asn = u->asn;
		bgp->router_id = u->router_id;
		bgp->listen_port = 179;
		bgp->max_paths = 16;
		bgp->hold_time = 90;
		bgp->keepalive = 30;
		bgp->connect_retry = 5;
		bgp->graceful_restart = true;
		bgp->restart_time = 120;
	}
	bgp->has_router_id = true;
	if (u->gr) {
		bgp->graceful_restart = true;
		bgp->restart_time = u->restart_time;
	}
	for (unsigned i = 0; i < u->n_nb; i++) {
		struct cfg_bgp_neighbor nb = u->nb[i];
		bool dup = false;
		if (!u->nb_af_explicit[i])
			nb.families = default_families(c, &nb);
		const struct cfg_port *own = cy_own_address(cfg, &nb.addr);
		IDX(p, OPATH(np, u->o, "spec.neighbors"), i);
		if (own)
			return cy_fail(c, u->nb_node[i], p,
				       "%s is our own address on port '%s' (line %d)",
				       fmt_ip(&nb.addr, b2), own->name, own->line);
		for (unsigned k = 0; k < bgp->n_neighbors; k++) {
			if (!ip_equal(&bgp->neighbors[k].addr, &nb.addr))
				continue;
			if (!neighbor_same(&bgp->neighbors[k], &nb))
				return cy_fail(
				    c, u->nb_node[i], p,
				    "neighbor %s is also in the Peregrine document (line "
				    "%d) with other settings: define it once, or "
				    "identically",
				    fmt_ip(&nb.addr, b2), bgp->neighbors[k].line);
			dup = true;
		}
		if (dup)
			continue;
		if (bgp->n_neighbors == CFG_BGP_MAX_NEIGHBORS)
			return cy_fail(c, u->nb_node[i], p, "more than %d neighbors",
				       CFG_BGP_MAX_NEIGHBORS);
		if (grow(c, (void **)&bgp->neighbors, bgp->n_neighbors, sizeof(nb)))
			return -ENOMEM;
		bgp->neighbors[bgp->n_neighbors++] = nb;
	}
	if (u->has_vtep && (rc = add_network(c, &u->vtep)))
		return rc;
	return 0;
}

int opr_merge(struct ctx *c)
{
	struct opr *opr = c->opr;
	yaml_document_t *saved = c->doc;
	int rc = 0;

	if (!opr)
		return 0;
	/* the ports first (the underlay's, the L2VNIs' TAPs), then what refers to them; the
	 * gateway ports of routed L2VNIs come last, as when the printed file is read back */
	int *tap_port = calloc(opr->n, sizeof(*tap_port));
	if (!tap_port)
		return cy_fail_nomem(c);
	if (opr->has_underlay) {
		c->doc = opr->u.o->doc;
		for (unsigned i = 0; i < opr->u.n_ifs && !rc; i++)
			rc = merge_interface(c, &opr->u, i);
	}
	for (unsigned i = 0; i < opr->n && !rc; i++) {
		const struct oobj *o = &opr->objs[i];
		c->doc = o->doc;
		if (o->applies && o->kind == K_L2VNI)
			rc = merge_l2vni_port(c, o, &tap_port[i]);
	}
	for (unsigned i = 0; i < opr->n && !rc; i++) {
		const struct oobj *o = &opr->objs[i];
		c->doc = o->doc;
		if (o->applies && o->kind == K_L3VNI)
			rc = merge_l3vni(c, o);
	}
	for (unsigned i = 0; i < opr->n && !rc; i++) {
		const struct oobj *o = &opr->objs[i];
		c->doc = o->doc;
		if (o->applies && o->kind == K_L2VNI)
			rc = merge_l2vni(c, o, tap_port[i]);
	}
	if (!rc && opr->has_underlay) {
		c->doc = opr->u.o->doc;
		rc = merge_underlay(c);
	}
	for (unsigned i = 0; i < opr->n && !rc; i++) {
		const struct oobj *o = &opr->objs[i];
		c->doc = o->doc;
		if (o->applies && o->has_hs)
			rc = merge_host_session(c, o);
	}
	/* VNIs and host sessions need what only an Underlay gives */
	for (unsigned i = 0; i < opr->n && !rc; i++) {
		const struct oobj *o = &opr->objs[i];
		if (!o->applies || o->kind == K_UNDERLAY)
			continue;
		if (!c->cfg->bgp.enabled)
			rc = cy_fail(c, o->root, o->label,
				     "needs an Underlay (its asn and neighbors) or the Peregrine "
				     "document's bgp");
		else if ((o->kind == K_L3VNI || o->kind == K_L2VNI) && !c->cfg->has_vtep)
			rc = cy_fail(c, o->root, o->label,
				     "needs a VTEP: the Underlay's tunnelEndpoint.cidrs (or the "
				     "Peregrine document's vtep)");
	}
	c->doc = saved;
	free(tap_port);
	return rc;
}

void opr_free(struct ctx *c)
{
	if (!c->opr)
		return;
	free(c->opr->objs);
	free(c->opr);
	c->opr = NULL;
}
