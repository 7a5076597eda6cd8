/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Internal to the configuration loader (config.c, config_opr.c): the parse context and the small
 * schema helpers that walk libyaml's node tree. Every helper that fails writes one line
 * "FILE:LINE:COL: FIELD: message" into the context and returns -EINVAL (or -ENOMEM).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <yaml.h>

#include "config.h"

#define PATHBUF 160 /* "spec.routes[N].nexthops[M].vxlan.routerMac" and such */
#define QLEN	80  /* quoted values in messages are cut to this */

struct ctx {
	const char *file;
	yaml_document_t *doc;
	char *err;
	size_t errlen;
	struct pg_config *cfg;
	/* the first node that needs spec.vtep, with its path */
	const yaml_node_t *vtep_user;
	char vtep_user_path[PATHBUF];
	yaml_node_t *pe_vtep; /* spec.vtep of the Peregrine document */
	yaml_node_t *hs_node; /* spec.hostSessions of the Peregrine document, when not empty */
	/* which node this is: --node-index / spec.nodeIndex, --node-label / spec.nodeLabels */
	int node_index;
	unsigned n_labels;
	struct cy_label {
		char *key, *val;
	} * labels;
	/* OpenPERouter documents (config_opr.c); the VRFs they created come first */
	struct opr *opr;
	unsigned n_opr_vrfs;
};

/* One key of a mapping (cy_get_map). */
struct fld {
	yaml_node_t *k, *v; /* key and value nodes, NULL when the key is absent */
};

#define Q(n)		    cy_describe((n), (char[QLEN]){0})
#define QS(s)		    cy_quote((s), strlen(s), (char[QLEN]){0})
#define SUB(buf, path, key) cy_subpath((buf), sizeof(buf), (path), (key))
#define IDX(buf, path, i)   cy_idxpath((buf), sizeof(buf), (path), (i))

int __attribute__((format(printf, 5, 6)))
cy_fail_at(struct ctx *c, int line, int col, const char *path, const char *fmt, ...);
int cy_line_of(const yaml_node_t *n);
int cy_col_of(const yaml_node_t *n);
int __attribute__((format(printf, 4, 5)))
cy_fail(struct ctx *c, const yaml_node_t *n, const char *path, const char *fmt, ...);
int cy_fail_nomem(struct ctx *c);
const char *cy_quote(const char *s, size_t len, char *buf);
bool cy_is_null(const yaml_node_t *n);
const char *cy_describe(const yaml_node_t *n, char *buf);
const char *cy_subpath(char *buf, size_t len, const char *path, const char *key);
const char *cy_idxpath(char *buf, size_t len, const char *path, size_t i);
const char *cy_join(const char *const *names, size_t n, char *buf, size_t len);
yaml_node_t *cy_node(struct ctx *c, int id);
bool cy_scalar_is(const yaml_node_t *n, const char *s);
int cy_get_map(struct ctx *c, yaml_node_t *n, const char *path, const char *const keys[],
	       size_t nkeys, struct fld out[]);
int cy_require(struct ctx *c, yaml_node_t *map, const char *path, const struct fld *f,
	       const char *key);
int cy_get_seq(struct ctx *c, yaml_node_t *n, const char *path, yaml_node_item_t **items,
	       size_t *count);
int cy_get_scalar(struct ctx *c, yaml_node_t *n, const char *path, const char *expect,
		  const char **out);
int cy_get_string(struct ctx *c, yaml_node_t *n, const char *path, char *dst, size_t size);
bool cy_parse_decimal(const char *s, unsigned long long *out);
int cy_get_uint_kw(struct ctx *c, yaml_node_t *n, const char *path, unsigned long long min,
		   unsigned long long max, const char *keyword, unsigned long long *out);
int cy_get_uint(struct ctx *c, yaml_node_t *n, const char *path, unsigned long long min,
		unsigned long long max, unsigned *out);
int cy_get_enum(struct ctx *c, yaml_node_t *n, const char *path, const char *const names[],
		size_t count, int *out);
bool cy_bool_value(const yaml_node_t *n, bool *out);
int cy_get_bool(struct ctx *c, yaml_node_t *n, const char *path, bool *out);
const char *cy_family_name(int family);
int cy_get_ip(struct ctx *c, yaml_node_t *n, const char *path, int family, struct pg_ip *out);
int cy_get_prefix(struct ctx *c, yaml_node_t *n, const char *path, bool strict,
		  struct pg_prefix *out);
int cy_get_mac(struct ctx *c, yaml_node_t *n, const char *path, struct pg_mac *out);
int cy_get_name(struct ctx *c, yaml_node_t *n, const char *path, char *dst, size_t size);
bool cy_is_ifname(const char *s);
bool cy_is_vdev(const char *s);
int cy_port_index(const struct pg_config *cfg, const char *name);
int cy_get_list(struct ctx *c, yaml_node_t *n, const char *path, size_t max, const char *what,
		size_t size, yaml_node_item_t **items, size_t *count, void **arr);
int cy_get_item_map(struct ctx *c, yaml_node_t *item, const char *path, const char *const *keys,
		    unsigned n_keys, struct fld *f, const char *what);
int cy_get_rts(struct ctx *c, yaml_node_t *n, const char *path, uint64_t *out, unsigned *count);
void cy_l2vni_default_gw_mac(uint32_t vni, struct pg_mac *m);
int cy_get_asn(struct ctx *c, yaml_node_t *n, const char *path, uint32_t *out);
bool cy_parse_duration(const char *s, unsigned long long *out);
int cy_get_seconds(struct ctx *c, yaml_node_t *n, const char *path, unsigned min, unsigned max,
		   bool zero_ok, uint16_t *out);
int cy_get_multihop(struct ctx *c, yaml_node_t *n, const char *path, uint8_t *ttl);
int cy_get_password(struct ctx *c, yaml_node_t *n, const char *path, char *dst, size_t size);
const struct cfg_port *cy_own_address(const struct pg_config *cfg, const struct pg_ip *ip);
/* ip is one of spec.loopbacks. */
bool cy_is_loopback(const struct pg_config *cfg, const struct pg_ip *ip);
const char *cy_bad_peer_address(const struct pg_ip *ip);
int cy_l2vni_irb_port(struct ctx *c, yaml_node_t *n, const char *path, struct cfg_l2vni *l);
/* The port of host session cfg.host_sessions[idx] (filled in): a net_tap whose Linux side is the
 * host interface, in the session's VRF, with the router-side addresses. */
int config_host_session_port(struct ctx *c, yaml_node_t *n, const char *path, unsigned idx);

/* config_opr.c: OpenPERouter's kinds. */
int opr_add_doc(struct ctx *c, yaml_document_t *doc, yaml_node_t *root, yaml_node_t *kind);
int opr_parse(struct ctx *c);
int opr_pre_vrfs(struct ctx *c);
int opr_merge(struct ctx *c);
void opr_free(struct ctx *c);
bool opr_router_id(const struct ctx *c, uint32_t *rid);
bool opr_has_ports(const struct ctx *c);
