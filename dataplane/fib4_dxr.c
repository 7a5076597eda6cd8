/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compact IPv4 table: control side (see fib4_dxr.h for the layout the workers read).
 *
 * Per /16 the control side keeps either one (next hop, route length) pair, when no route longer
 * than /16 lies inside it (c1, d1), or a control chunk: the /16's address ranges, each with the
 * next hop and prefix length of the route behind it, neighbours never with both equal. A route
 * change paints its range with the rule fib4_dir24 uses for its entries:
 *
 *   add ip/len, nh        ranges (parts of ranges) inside ip/len whose length is <= len get it
 *   replace               those whose length is == len (they are the route's) get the new nh
 *   delete                those get the parent's (nh, length), found by hash probes
 *
 * so a change never searches for the routes inside its range. A route up to /16 paints the c1/d1
 * entries of its /16s and every control chunk among them whole; a longer route one chunk. A /16
 * gets a control chunk with its first route longer than /16 and loses it with its last (it is one
 * range again then). The workers' chunk of a /16 is built from its control chunk at flush time,
 * neighbouring ranges with the same next hop merged (route lengths do not matter there).
 *
 * The pool: chunks are blocks of 2^k 8-byte units, cut from one address-space reservation per
 * table (bump allocation, pages touched as it fills), freed blocks kept on one free list per k
 * (a block's first word links it) once a grace period has passed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_errno.h>

#include "bigmem.h"
#include "fib4_dir24.h" /* FIB4_TOP */
#include "fib4_dxr.h"

#define L1_N	     FIB4_DXR_L1_N
#define NONE	     UINT32_MAX
#define N_CLASS	     24
#define ARRAYS_BYTES ((size_t)L1_N * (4 + 4 + 1 + 8)) /* w1, c1, d1, cc */

/* One range of a control chunk: from start to the next range's start (or the /16's end). */
struct range {
	uint32_t nh;
	uint16_t start;
	uint8_t len;
};

struct chunk {
	uint32_t n, cap;
	uint32_t deep; /* routes longer than /16 inside the /16 */
	struct range r[];
};

struct pend {
	uint32_t off;
	uint8_t cls;
};

/* Control thread only. */
struct fib4_dxr_ctl {
	struct fib4_rset rs;
	unsigned max_routes;
	void *map;    /* the arrays below and the pool: one reservation */
	uint32_t *w1; /* l1, writable */
	uint32_t *c1; /* per /16 without a control chunk: next hop ... */
	uint8_t *d1;  /* ... and route length */
	struct chunk **cc;
	uint64_t has[L1_N / 64];   /* bit i: cc[i] is set */
	uint64_t dirty[L1_N / 64]; /* bit i: /16 i changed since the last flush */
	unsigned n_dirty;
	/* the pool */
	uint32_t *pool;
	uint32_t top, units; /* units handed out by the bump allocator, units reserved */
	uint32_t freel[N_CLASS];
	struct pend *pend;
	unsigned n_pend, cap_pend;
	size_t pend_bytes;
	/* painting */
	struct range *scratch;
	unsigned scratch_cap;
	unsigned n_chunks;
	size_t chunk_bytes; /* control chunks' malloc sizes */
};

static inline bool bit_get(const uint64_t *m, uint32_t i)
{
	return (m[i / 64] >> (i % 64)) & 1;
}

static inline void mark_dirty(struct fib4_dxr_ctl *c, uint32_t i)
{
	if (!bit_get(c->dirty, i)) {
		c->dirty[i / 64] |= 1ull << (i % 64);
		c->n_dirty++;
	}
}

/* ---- pool ---- */

/* Units of a published chunk of n ranges, and its class (log2 of the block). */
static inline uint32_t chunk_units(uint32_t n)
{
	uint32_t words = 1 + (n + 1) / 2 + n;
	return (words + 1) / 2;
}

static inline uint8_t units_class(uint32_t u)
{
	uint8_t k = 0;

	while ((1u << k) < u)
		k++;
	return k;
}

static uint32_t pool_alloc(struct fib4_dxr_ctl *c, uint8_t cls)
{
	uint32_t off = c->freel[cls];

	if (off != NONE) {
		c->freel[cls] = c->pool[(size_t)off * 2];
		return off;
	}
	if (cls >= N_CLASS || c->units - c->top < (1u << cls))
		return NONE;
	off = c->top;
	c->top += 1u << cls;
	return off;
}

static int pend_push(struct fib4_dxr_ctl *c, uint32_t off, uint8_t cls)
{
	if (c->n_pend == c->cap_pend) {
		unsigned cap = c->cap_pend ? c->cap_pend * 2 : 256;
		struct pend *p = realloc(c->pend, cap * sizeof(*p));
		if (p == NULL)
			return -ENOMEM; /* the block is lost to the pool, never reused: safe */
		c->pend = p;
		c->cap_pend = cap;
	}
	c->pend[c->n_pend++] = (struct pend){off, cls};
	c->pend_bytes += (size_t)8 << cls;
	return 0;
}

/* ---- control chunks ---- */

static int scratch_reserve(struct fib4_dxr_ctl *c, uint32_t n)
{
	if (n <= c->scratch_cap)
		return 0;
	unsigned cap = c->scratch_cap * 2 > n ? c->scratch_cap * 2 : n;
	struct range *s = realloc(c->scratch, cap * sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	c->scratch = s;
	c->scratch_cap = cap;
	return 0;
}

/* Room for n ranges in chunk *pc (and in the scratch array). */
static int chunk_reserve(struct fib4_dxr_ctl *c, struct chunk **pc, uint32_t n)
{
	struct chunk *ch = *pc;

	if (scratch_reserve(c, n) < 0)
		return -ENOMEM;
	if (n <= ch->cap)
		return 0;
	uint32_t cap = ch->cap * 2 > n ? ch->cap * 2 : n;
	struct chunk *x = realloc(ch, sizeof(*ch) + cap * sizeof(ch->r[0]));
	if (x == NULL)
		return -ENOMEM;
	c->chunk_bytes += (size_t)(cap - x->cap) * sizeof(x->r[0]);
	x->cap = cap;
	*pc = x;
	return 0;
}

/* /16 i gets a control chunk (one range: its current next hop and length). */
static struct chunk *chunk_get(struct fib4_dxr_ctl *c, uint32_t i)
{
	if (bit_get(c->has, i))
		return c->cc[i];
	const uint32_t cap = 4;
	struct chunk *ch = malloc(sizeof(*ch) + cap * sizeof(ch->r[0]));
	if (ch == NULL || scratch_reserve(c, cap + 2) < 0) {
		free(ch);
		return NULL;
	}
	pg_touch_pages(&c->c1[i], 4);
	pg_touch_pages(&c->d1[i], 1);
	ch->n = 1;
	ch->cap = cap;
	ch->deep = 0;
	ch->r[0] = (struct range){.nh = c->c1[i], .start = 0, .len = c->d1[i]};
	c->cc[i] = ch;
	c->has[i / 64] |= 1ull << (i % 64);
	c->n_chunks++;
	c->chunk_bytes += sizeof(*ch) + cap * sizeof(ch->r[0]);
	return ch;
}

/* /16 i has no route longer than /16 any more: one (next hop, length) again. */
static void chunk_drop(struct fib4_dxr_ctl *c, uint32_t i)
{
	struct chunk *ch = c->cc[i];

	c->c1[i] = ch->r[0].nh;
	c->d1[i] = ch->r[0].len;
	c->chunk_bytes -= sizeof(*ch) + ch->cap * sizeof(ch->r[0]);
	c->n_chunks--;
	free(ch);
	c->cc[i] = NULL;
	c->has[i / 64] &= ~(1ull << (i % 64));
}

static inline void emit(struct range *o, uint32_t *m, uint32_t start, uint32_t nh, uint8_t len)
{
	if (*m && o[*m - 1].nh == nh && o[*m - 1].len == len)
		return;
	o[(*m)++] = (struct range){.nh = nh, .start = (uint16_t)start, .len = len};
}

/* In [lo, hi] of the chunk, the ranges whose length is <= len (le) or == len (!le) get (nh, nd).
 * The chunk has room for 2 more ranges (chunk_reserve). Returns whether anything changed. */
static bool chunk_paint(struct fib4_dxr_ctl *c, struct chunk *ch, uint32_t lo, uint32_t hi,
			uint8_t len, bool le, uint32_t nh, uint8_t nd)
{
	struct range *o = c->scratch;
	uint32_t m = 0;
	bool changed = false;

	for (uint32_t k = 0; k < ch->n; k++) {
		const struct range r = ch->r[k];
		const uint32_t s = r.start, e = (k + 1 < ch->n ? ch->r[k + 1].start : L1_N) - 1;
		if (e < lo || s > hi) {
			emit(o, &m, s, r.nh, r.len);
			continue;
		}
		const bool hit = le ? r.len <= len : r.len == len;
		if (!hit) {
			emit(o, &m, s, r.nh, r.len);
			continue;
		}
		changed |= r.nh != nh || r.len != nd;
		if (s < lo)
			emit(o, &m, s, r.nh, r.len);
		emit(o, &m, s < lo ? lo : s, nh, nd);
		if (e > hi)
			emit(o, &m, hi + 1, r.nh, r.len);
	}
	if (!changed)
		return false;
	memcpy(ch->r, o, m * sizeof(*o));
	ch->n = m;
	return true;
}

/* ---- painting ---- */

/* In the range of ip/len, what holds a route of length <= len (le) or == len (!le) gets (nh, nd).
 * A route longer than /16: the chunk of its /16 exists and has room (the caller made sure). */
static void paint(struct fib4_dxr_ctl *c, uint32_t ip, uint8_t len, bool le, uint32_t nh,
		  uint8_t nd)
{
	if (ip >= FIB4_TOP)
		return; /* never routed */
	if (len > 16) {
		const uint32_t i = ip >> 16, lo = ip & 0xffff, hi = lo + (1u << (32 - len)) - 1;
		if (chunk_paint(c, c->cc[i], lo, hi, len, le, nh, nd))
			mark_dirty(c, i);
		return;
	}
	uint32_t b = ip >> 16, e = b + (1u << (16 - len));
	if (e > FIB4_TOP >> 16)
		e = FIB4_TOP >> 16;
	pg_touch_pages(&c->c1[b], (e - b) * sizeof(c->c1[0]));
	pg_touch_pages(&c->d1[b], e - b);
	for (uint32_t i = b; i < e; i++) {
		if (bit_get(c->has, i)) {
			/* whole chunks: no range is split, no room needed */
			if (chunk_paint(c, c->cc[i], 0, L1_N - 1, len, le, nh, nd))
				mark_dirty(c, i);
		} else if (le ? c->d1[i] <= len : c->d1[i] == len) {
			if (c->c1[i] != nh || c->d1[i] != nd) {
				c->c1[i] = nh;
				c->d1[i] = nd;
				mark_dirty(c, i);
			}
		}
	}
}

/* ---- the table ---- */

struct fib4_dxr *fib4_dxr_create(unsigned max_routes, unsigned init_routes)
{
	struct fib4_dxr *d = calloc(1, sizeof(*d));
	struct fib4_dxr_ctl *c = calloc(1, sizeof(*c));

	if (d == NULL || c == NULL || max_routes == 0)
		goto fail;
	d->c = c;
	c->max_routes = max_routes;
	if (fib4_rset_init(&c->rs, init_routes ? init_routes : 1024, false) < 0)
		goto fail;
	/* Nothing is faulted in: pages are written as routes arrive (MAP_NORESERVE: the pool is
	 * address space until used). */
	c->map = mmap(NULL, ARRAYS_BYTES + FIB4_DXR_POOL, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (c->map == MAP_FAILED) {
		c->map = NULL;
		goto fail;
	}
	uint8_t *p = c->map;
	c->w1 = (uint32_t *)p;
	c->c1 = (uint32_t *)(p + (size_t)L1_N * 4);
	c->d1 = p + (size_t)L1_N * 8;
	c->cc = (struct chunk **)(p + (size_t)L1_N * 9);
	c->pool = (uint32_t *)(p + ARRAYS_BYTES);
	c->units = (uint32_t)(FIB4_DXR_POOL / 8);
	for (unsigned k = 0; k < N_CLASS; k++)
		c->freel[k] = NONE;
	if (scratch_reserve(c, 64) < 0)
		goto fail;
	d->l1 = c->w1;
	d->pool = c->pool;
	return d;
fail:
	if (d)
		d->c = c;
	fib4_dxr_free(d);
	if (d == NULL)
		free(c);
	rte_errno = ENOMEM;
	return NULL;
}

void fib4_dxr_free(struct fib4_dxr *d)
{
	if (d == NULL)
		return;
	struct fib4_dxr_ctl *c = d->c;
	if (c != NULL) {
		for (uint32_t w = 0; w < L1_N / 64; w++)
			for (uint64_t x = c->has[w]; x; x &= x - 1)
				free(c->cc[w * 64 + (uint32_t)__builtin_ctzll(x)]);
		if (c->map)
			munmap(c->map, ARRAYS_BYTES + FIB4_DXR_POOL);
		fib4_rset_fini(&c->rs);
		free(c->pend);
		free(c->scratch);
		free(c);
	}
	free(d);
}

int fib4_dxr_add(struct fib4_dxr *d, uint32_t ip, uint8_t depth, uint32_t nh, uint8_t tag,
		 struct fib4_route *old)
{
	struct fib4_dxr_ctl *c = d->c;
	struct fib4_route *r;

	if (old != NULL)
		old->nh = 0;
	if (depth > 32 || nh == 0 || nh >= FIB4_DXR_EXT)
		return -EINVAL;
	ip &= fib4_depth_mask(depth);
	const bool deep = depth > 16 && ip < FIB4_TOP;
	const uint32_t i = ip >> 16;
	r = fib4_rset_find(&c->rs, ip, depth);
	if (r != NULL) {
		if (old != NULL)
			*old = *r;
		r->tag = tag;
		if (r->nh == nh)
			return 0;
		if (deep && chunk_reserve(c, &c->cc[i], c->cc[i]->n + 2) < 0)
			return -ENOMEM;
		r->nh = nh;
		paint(c, ip, depth, false, nh, depth);
		return 0;
	}
	if (c->rs.n_routes >= c->max_routes)
		return -ENOSPC;
	bool fresh = false;
	if (deep) {
		fresh = !bit_get(c->has, i);
		struct chunk *ch = chunk_get(c, i);
		if (ch == NULL || chunk_reserve(c, &c->cc[i], ch->n + 2) < 0)
			goto nomem;
	}
	if (fib4_rset_insert(&c->rs, ip, depth, nh, tag) < 0)
		goto nomem;
	if (deep)
		c->cc[i]->deep++;
	paint(c, ip, depth, true, nh, depth);
	return 0;
nomem:
	if (fresh && bit_get(c->has, i))
		chunk_drop(c, i); /* still the one range it was made of */
	return -ENOMEM;
}

int fib4_dxr_del(struct fib4_dxr *d, uint32_t ip, uint8_t depth, struct fib4_route *old)
{
	struct fib4_dxr_ctl *c = d->c;
	struct fib4_route *r;
	uint8_t plen;

	if (old != NULL)
		old->nh = 0;
	if (depth > 32)
		return -EINVAL;
	ip &= fib4_depth_mask(depth);
	r = fib4_rset_find(&c->rs, ip, depth);
	if (r == NULL)
		return -ENOENT;
	const bool deep = depth > 16 && ip < FIB4_TOP;
	const uint32_t i = ip >> 16;
	if (deep && chunk_reserve(c, &c->cc[i], c->cc[i]->n + 2) < 0)
		return -ENOMEM;
	if (old != NULL)
		*old = *r;
	fib4_rset_remove(&c->rs, r);
	uint32_t pnh = fib4_rset_parent(&c->rs, ip, depth, &plen);
	paint(c, ip, depth, false, pnh, plen);
	if (deep && --c->cc[i]->deep == 0) {
		/* Only routes up to /16 left in it: one range. */
		pg_touch_pages(&c->c1[i], 4);
		pg_touch_pages(&c->d1[i], 1);
		if (c->cc[i]->n == 1)
			chunk_drop(c, i);
		mark_dirty(c, i);
	}
	return 0;
}

const struct fib4_route *fib4_dxr_find(const struct fib4_dxr *d, uint32_t ip, uint8_t depth)
{
	if (depth > 32)
		return NULL;
	return fib4_rset_find(&d->c->rs, ip & fib4_depth_mask(depth), depth);
}

int fib4_dxr_walk(const struct fib4_dxr *d, int (*cb)(const struct fib4_route *, void *), void *arg)
{
	return fib4_rset_walk(&d->c->rs, cb, arg);
}

void fib4_dxr_prefetch(const struct fib4_dxr *d, uint32_t ip, uint8_t depth)
{
	const struct fib4_dxr_ctl *c = d->c;

	if (depth > 32)
		return;
	ip &= fib4_depth_mask(depth);
	rte_prefetch0(&c->rs.slot[fib4_rset_home(&c->rs, ip, depth)]);
	if (bit_get(c->has, ip >> 16))
		rte_prefetch0(c->cc[ip >> 16]);
}

uint32_t fib4_dxr_lookup_rib(const struct fib4_dxr *d, uint32_t ip)
{
	const struct fib4_dxr_ctl *c = d->c;
	const uint32_t i = ip >> 16, x = ip & 0xffff;

	if (!bit_get(c->has, i))
		return c->c1[i];
	const struct chunk *ch = c->cc[i];
	uint32_t lo = 0, len = ch->n;
	while (len > 1) {
		const uint32_t half = len >> 1;
		lo = ch->r[lo + half].start <= x ? lo + half : lo;
		len -= half;
	}
	return ch->r[lo].nh;
}

unsigned fib4_dxr_routes(const struct fib4_dxr *d)
{
	return d->c->rs.n_routes;
}

unsigned fib4_dxr_dirty(const struct fib4_dxr *d)
{
	return d->c->n_dirty;
}

unsigned fib4_dxr_pending(const struct fib4_dxr *d)
{
	return d->c->n_pend;
}

size_t fib4_dxr_pending_bytes(const struct fib4_dxr *d)
{
	return d->c->pend_bytes;
}

size_t fib4_dxr_pool_bytes(const struct fib4_dxr *d)
{
	return (size_t)d->c->top * 8;
}

void fib4_dxr_reclaim(struct fib4_dxr *d)
{
	struct fib4_dxr_ctl *c = d->c;

	for (unsigned k = 0; k < c->n_pend; k++) {
		const struct pend p = c->pend[k];
		c->pool[(size_t)p.off * 2] = c->freel[p.cls];
		c->freel[p.cls] = p.off;
	}
	c->n_pend = 0;
	c->pend_bytes = 0;
}

/* The workers' l1 entry for /16 i: its next hop, or a new chunk (NONE: the pool is full). */
static uint32_t publish(struct fib4_dxr_ctl *c, uint32_t i)
{
	if (!bit_get(c->has, i))
		return c->c1[i];
	const struct chunk *ch = c->cc[i];
	uint32_t m = 1;
	for (uint32_t k = 1; k < ch->n; k++)
		m += ch->r[k].nh != ch->r[k - 1].nh;
	if (m == 1)
		return ch->r[0].nh;
	const uint32_t off = pool_alloc(c, units_class(chunk_units(m)));
	if (off == NONE)
		return NONE;
	uint32_t *p = &c->pool[(size_t)off * 2];
	uint16_t *s = (uint16_t *)(p + 1);
	uint32_t *nh = p + 1 + (m + 1) / 2;
	uint32_t j = 0;
	p[0] = m;
	for (uint32_t k = 0; k < ch->n; k++) {
		if (k > 0 && ch->r[k].nh == ch->r[k - 1].nh)
			continue;
		s[j] = ch->r[k].start;
		nh[j++] = ch->r[k].nh;
	}
	if (m & 1)
		s[m] = 0xffff; /* padding, never compared */
	return FIB4_DXR_EXT | off;
}

int fib4_dxr_flush(struct fib4_dxr *d)
{
	struct fib4_dxr_ctl *c = d->c;
	int ret = 0;

	for (uint32_t w = 0; w < L1_N / 64 && c->n_dirty; w++) {
		for (uint64_t x = c->dirty[w]; x; x &= x - 1) {
			const uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(x);
			const uint32_t v = publish(c, i), old = c->w1[i];
			if (v == NONE) {
				ret = -ENOMEM;
				continue;
			}
			c->dirty[w] &= ~(1ull << (i % 64));
			c->n_dirty--;
			if (v == old)
				continue;
			/* The chunk is written before the entry points to it. */
			__atomic_store_n(&c->w1[i], v, __ATOMIC_RELEASE);
			if (old & FIB4_DXR_EXT) {
				const uint32_t o = old & ~FIB4_DXR_EXT;
				pend_push(c, o, units_class(chunk_units(c->pool[(size_t)o * 2])));
			}
		}
	}
	return ret;
}

void fib4_dxr_stats(const struct fib4_dxr *d, struct fib4_dxr_stats *st)
{
	const struct fib4_dxr_ctl *c = d->c;

	memset(st, 0, sizeof(*st));
	st->routes = c->rs.n_routes;
	st->chunks = c->n_chunks;
	for (uint32_t w = 0; w < L1_N / 64; w++)
		for (uint64_t x = c->has[w]; x; x &= x - 1)
			st->ranges += c->cc[w * 64 + (uint32_t)__builtin_ctzll(x)]->n;
	st->pool_bytes = (size_t)c->top * 8;
	st->ctl_bytes = fib4_rset_bytes(&c->rs) + c->chunk_bytes + sizeof(*c) +
			(size_t)c->scratch_cap * sizeof(struct range);
	size_t l1 = 0;
	for (uint32_t a = 0; a < ARRAYS_BYTES; a += 4096) {
		unsigned char v;
		if (mincore((uint8_t *)c->map + a, 4096, &v) == 0 && (v & 1))
			l1 += 4096;
	}
	st->l1_bytes = l1;
}
