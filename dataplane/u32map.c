/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "u32map.h"

static struct u32map *u32map_build(const struct u32map_slot *e, uint32_t n)
{
	uint32_t size = 16;
	struct u32map *m;

	while (size < n * 2)
		size *= 2;
	m = aligned_alloc(
	    RTE_CACHE_LINE_SIZE,
	    RTE_ALIGN_CEIL(sizeof(*m) + size * sizeof(m->slot[0]), RTE_CACHE_LINE_SIZE));
	if (!m)
		return NULL;
	memset(m, 0, sizeof(*m) + size * sizeof(m->slot[0]));
	m->mask = size - 1;
	m->count = n;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = pg_crc32_u32(e[k].key, 0) & m->mask;
		while (m->slot[i].key != 0)
			i = (i + 1) & m->mask;
		m->slot[i] = e[k];
	}
	return m;
}

static void u32map_free(void *p)
{
	free(p);
}

static int u32map_publish(struct u32map_ctl *c)
{
	struct u32map *m = u32map_build(c->e, c->n), *old = c->pub;

	if (!m)
		return -ENOMEM;
	rcu_assign_pointer(c->pub, m);
	rcu_defer_free(u32map_free, old);
	return 0;
}

int u32map_init(struct u32map_ctl *c)
{
	memset(c, 0, sizeof(*c));
	return u32map_publish(c);
}

void u32map_fini(struct u32map_ctl *c)
{
	free(c->pub);
	free(c->e);
	memset(c, 0, sizeof(*c));
}

static int u32map_find(const struct u32map_ctl *c, uint32_t key)
{
	for (uint32_t i = 0; i < c->n; i++)
		if (c->e[i].key == key)
			return (int)i;
	return -1;
}

bool u32map_get_ctl(const struct u32map_ctl *c, uint32_t key, uint32_t *val)
{
	int i = u32map_find(c, key);

	if (i < 0)
		return false;
	*val = c->e[i].val;
	return true;
}

int u32map_set(struct u32map_ctl *c, uint32_t key, uint32_t val)
{
	int i = u32map_find(c, key);

	if (key == 0)
		return -EINVAL;
	if (i >= 0) {
		if (c->e[i].val == val)
			return 0;
		c->e[i].val = val;
		return u32map_publish(c);
	}
	if (c->n == c->cap) {
		uint32_t cap = c->cap ? c->cap * 2 : 64;
		struct u32map_slot *e = realloc(c->e, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		c->e = e;
		c->cap = cap;
	}
	c->e[c->n++] = (struct u32map_slot){key, val};
	int ret = u32map_publish(c);
	if (ret < 0)
		c->n--;
	return ret;
}

int u32map_del(struct u32map_ctl *c, uint32_t key)
{
	int i = u32map_find(c, key);

	if (i < 0)
		return -ENOENT;
	c->e[i] = c->e[--c->n];
	return u32map_publish(c);
}
