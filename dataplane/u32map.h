/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * A small read-mostly map from a non-zero u32 key to a u32 value: open addressing, linear probing,
 * load factor <= 1/2, one cache line holds eight slots. Readers (workers) look up lock-free in the
 * published copy; the control thread rebuilds a new copy on every change and swaps it under RCU
 * (copy-on-write). Meant for tables of up to some thousands of entries that change rarely: the VNI
 * table and the tunnel endpoint table.
 */

#include <stdbool.h>
#include <stdint.h>

#include "pkt.h"
#include "rcu.h"

struct u32map_slot {
	uint32_t key; /* 0 = empty */
	uint32_t val;
};

struct u32map {
	uint32_t mask;
	uint32_t count;
	struct u32map_slot slot[];
};

/* Control side: the authoritative entries, and the published copy. */
struct u32map_ctl {
	struct u32map *pub; /* read by workers with rcu_dereference */
	uint32_t n, cap;
	struct u32map_slot *e;
};

int u32map_init(struct u32map_ctl *c);
void u32map_fini(struct u32map_ctl *c);
/* Insert or replace, then publish. */
int u32map_set(struct u32map_ctl *c, uint32_t key, uint32_t val);
/* Remove (-ENOENT if absent), then publish. */
int u32map_del(struct u32map_ctl *c, uint32_t key);
/* Control side lookup. */
bool u32map_get_ctl(const struct u32map_ctl *c, uint32_t key, uint32_t *val);

static inline bool u32map_lookup(const struct u32map *m, uint32_t key, uint32_t *val)
{
	uint32_t i = pg_crc32_u32(key, 0) & m->mask;

	if (unlikely(key == 0)) /* 0 marks empty slots */
		return false;
	for (;;) {
		const struct u32map_slot *s = &m->slot[i];
		if (s->key == key) {
			*val = s->val;
			return true;
		}
		if (s->key == 0)
			return false;
		i = (i + 1) & m->mask;
	}
}
