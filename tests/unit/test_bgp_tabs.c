/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RIB's hash tables (control/bgp/bgp_rib_int.h): the chained htab and the open-addressing
 * otab, growing step by step and reserved at once (htab_reserve; otab_reserve on huge pages, the
 * start-up presize of the destination tables), every entry still found afterwards, and a
 * reserved table that grows again (back on 4 KiB pages) and is freed the way it was allocated
 * (under ASan: no leak, no bad free).
 */
#include <errno.h>

#include "bgp_rib_int.h"
#include "unit.h"

struct node {
	struct hnode h;
	unsigned id;
};

static uint32_t mix(unsigned i)
{
	return hash_bytes(&i, sizeof(i), 7);
}

/* Every node of nodes[0..n) in the bucket its hash says, the count right. */
static unsigned htab_found(const struct htab *t, const struct node *nodes, unsigned n)
{
	unsigned found = 0;

	for (unsigned i = 0; i < n; i++)
		for (const struct hnode *x = t->b[nodes[i].h.hash & t->mask]; x; x = x->next)
			if (x == &nodes[i].h) {
				found++;
				break;
			}
	return found;
}

static void test_htab(void)
{
	static struct node nodes[5000];
	struct htab t;

	CHECK_EQ(htab_init(&t, 16), 0);
	for (unsigned i = 0; i < 100; i++) {
		nodes[i].id = i;
		nodes[i].h.hash = mix(i);
		htab_add(&t, &nodes[i].h);
	}
	CHECK_EQ(t.mask + 1, 128); /* grew by doubling past 16, 32, 64 */
	htab_reserve(&t, 3000);
	CHECK_EQ(t.mask + 1, 4096); /* one step to a power of two >= 3000 */
	CHECK_EQ(t.n, 100);
	CHECK_EQ(htab_found(&t, nodes, 100), 100);
	htab_reserve(&t, 10); /* never shrinks */
	CHECK_EQ(t.mask + 1, 4096);
	for (unsigned i = 100; i < 4096; i++) {
		nodes[i].id = i;
		nodes[i].h.hash = mix(i);
		htab_add(&t, &nodes[i].h);
	}
	CHECK_EQ(t.mask + 1, 4096); /* room for them: no growth */
	for (unsigned i = 4096; i < 5000; i++) {
		nodes[i].id = i;
		nodes[i].h.hash = mix(i);
		htab_add(&t, &nodes[i].h);
	}
	CHECK_EQ(t.mask + 1, 8192);
	CHECK_EQ(htab_found(&t, nodes, 5000), 5000);
	htab_del(&t, &nodes[7].h);
	CHECK_EQ(t.n, 4999);
	CHECK_EQ(htab_found(&t, nodes, 5000), 4999);
	free(t.b);
}

static unsigned otab_found(const struct otab *t, const unsigned *vals, unsigned n)
{
	unsigned found = 0;

	for (unsigned i = 0; i < n; i++) {
		uint32_t h = mix(vals[i]);
		for (size_t k = otab_home(t, h); t->s[k].p; k = (k + 1) & t->mask)
			if (t->s[k].hash == h && t->s[k].p == &vals[i]) {
				found++;
				break;
			}
	}
	return found;
}

static void test_otab(void)
{
	enum { N = 200000 };
	static unsigned vals[N];
	struct otab t;

	for (unsigned i = 0; i < N; i++)
		vals[i] = i;
	CHECK_EQ(otab_init(&t, 4096), 0);
	CHECK(!t.big, "a new table is on 4 KiB pages");
	for (unsigned i = 0; i < 1000; i++)
		CHECK_EQ(otab_add(&t, mix(vals[i]), &vals[i]), 0);
	/* 150000 at a load of at most 3/4: 262144 slots (4 MiB) on huge pages */
	CHECK_EQ(otab_reserve(&t, 150000, true), 0);
	CHECK_EQ(t.mask + 1, 262144);
	CHECK(t.big, "a reserved table is on huge pages");
	CHECK_EQ(t.n, 1000);
	CHECK_EQ(otab_found(&t, vals, 1000), 1000);
	CHECK_EQ(otab_reserve(&t, 1000, true), 0); /* never shrinks */
	CHECK_EQ(t.mask + 1, 262144);
	for (unsigned i = 1000; i < 196608; i++) /* 3/4 of 262144: no growth yet */
		otab_add(&t, mix(vals[i]), &vals[i]);
	CHECK_EQ(t.mask + 1, 262144);
	CHECK(t.big, "still the reserved array");
	for (unsigned i = 196608; i < N; i++) /* past 3/4: grows, on 4 KiB pages again */
		otab_add(&t, mix(vals[i]), &vals[i]);
	CHECK_EQ(t.mask + 1, 524288);
	CHECK(!t.big, "grown while routes arrive: 4 KiB pages");
	CHECK_EQ(t.n, N);
	CHECK_EQ(otab_found(&t, vals, N), N);
	otab_del(&t, mix(vals[5]), &vals[5]);
	CHECK_EQ(t.n, N - 1);
	CHECK_EQ(otab_found(&t, vals, N), N - 1);
	otab_fini(&t);
	CHECK(t.s == NULL && t.mask == 0 && t.n == 0, "freed");

	/* A small reservation (under 1 MiB) on "huge pages" is calloc'ed and freed as such. */
	CHECK_EQ(otab_init(&t, 16), 0);
	CHECK_EQ(otab_reserve(&t, 1000, true), 0);
	CHECK_EQ(t.mask + 1, 2048);
	for (unsigned i = 0; i < 1000; i++)
		otab_add(&t, mix(vals[i]), &vals[i]);
	CHECK_EQ(otab_found(&t, vals, 1000), 1000);
	otab_fini(&t);
}

int main(void)
{
	test_htab();
	test_otab();
	return unit_done("test_bgp_tabs");
}
