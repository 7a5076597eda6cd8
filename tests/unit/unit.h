/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Shared helpers for the dataplane unit tests. Plain executables, no framework: every check
 * that fails prints FILE:LINE with the values, and unit_done() turns the count into the exit
 * status. Each test is one translation unit, so the state below is static.
 *
 * unit_eal_init() starts DPDK the way every dataplane test needs it: two lcores, no hugepages,
 * no PCI, no shared config, a runtime directory private to this process (removed at exit), then
 * rcu_init().
 */

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "addr.h"
#include "rcu.h"

/* Failures printed in full (UNIT_MAX_PRINT in the environment overrides); the rest are counted. */
#define UNIT_MAX_PRINT 60

static unsigned long unit_checks, unit_failures, unit_max_print = UNIT_MAX_PRINT;

static inline bool unit_report(const char *file, int line)
{
	unit_failures++;
	if (unit_failures == unit_max_print + 1)
		fprintf(stderr, "... further failures are counted, not printed\n");
	if (unit_failures > unit_max_print)
		return false;
	fprintf(stderr, "%s:%d: check failed: ", file, line);
	return true;
}

/* CHECK(cond, fmt, ...): fmt describes the values involved. */
#define CHECK(cond, ...)                                          \
	do {                                                      \
		unit_checks++;                                    \
		if (!(cond) && unit_report(__FILE__, __LINE__)) { \
			fprintf(stderr, "%s: ", #cond);           \
			fprintf(stderr, __VA_ARGS__);             \
			fputc('\n', stderr);                      \
		}                                                 \
	} while (0)

/* Integer equality, both values printed (signed). */
#define CHECK_EQ(got, want)                                                                      \
	do {                                                                                     \
		long long got_ = (long long)(got), want_ = (long long)(want);                    \
		CHECK(got_ == want_, "%s = %lld, expected %s = %lld", #got, got_, #want, want_); \
	} while (0)

/* Integer equality printed in hex (unsigned). */
#define CHECK_EQX(got, want)                                                                 \
	do {                                                                                 \
		unsigned long long got_ = (unsigned long long)(got),                         \
				   want_ = (unsigned long long)(want);                       \
		CHECK(got_ == want_, "%s = 0x%llx, expected %s = 0x%llx", #got, got_, #want, \
		      want_);                                                                \
	} while (0)

/* Byte-for-byte comparison; on failure the first differing offset and both buffers in hex. */
#define CHECK_MEM(got, want, len, what) \
	unit_check_mem(__FILE__, __LINE__, (const void *)(got), (const void *)(want), (len), (what))

static inline void unit_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i && i % 16 == 0 ? "\n    " : (i ? " " : ""), p[i]);
	fputc('\n', stderr);
}

static inline void unit_check_mem(const char *file, int line, const void *got, const void *want,
				  size_t len, const char *what)
{
	const uint8_t *g = got, *w = want;
	size_t i;

	unit_checks++;
	for (i = 0; i < len && g[i] == w[i]; i++)
		;
	if (i == len || !unit_report(file, line))
		return;
	fprintf(stderr, "%s: %zu bytes differ first at offset %zu (got 0x%02x, expected 0x%02x)\n",
		what, len, i, g[i], w[i]);
	fprintf(stderr, "  got:      ");
	unit_hex(g, len);
	fprintf(stderr, "  expected: ");
	unit_hex(w, len);
}

/* UNIT_ONLY=name[,name...] in the environment runs only the named parts of a test. */
static inline bool unit_selected(const char *name)
{
	const char *only = getenv("UNIT_ONLY");
	size_t n = strlen(name);

	if (!only || !*only)
		return true;
	for (const char *p = only; p && *p;) {
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == 0))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

/* Print the summary; returns the exit status for main(). */
static inline int unit_done(const char *name)
{
	if (unit_failures) {
		fprintf(stderr, "%s: %lu of %lu checks FAILED\n", name, unit_failures, unit_checks);
		return 1;
	}
	printf("%s: all %lu checks passed\n", name, unit_checks);
	return 0;
}

/* ---- small helpers ---- */

static inline struct pg_ip unit_ip(const char *s)
{
	struct pg_ip ip;

	if (parse_ip(s, &ip) < 0) {
		fprintf(stderr, "unit: bad IP literal '%s'\n", s);
		abort();
	}
	return ip;
}

static inline struct pg_prefix unit_prefix(const char *s)
{
	struct pg_prefix p;

	if (parse_prefix(s, &p, true) < 0) {
		fprintf(stderr, "unit: bad prefix literal '%s'\n", s);
		abort();
	}
	return p;
}

static inline struct pg_mac unit_mac(const char *s)
{
	struct pg_mac m;

	if (parse_mac(s, &m) < 0) {
		fprintf(stderr, "unit: bad MAC literal '%s'\n", s);
		abort();
	}
	return m;
}

/* IPv4 address in network order from text. */
static inline uint32_t unit_ip4(const char *s)
{
	return unit_ip(s).v4;
}

static inline double unit_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* xorshift64*: deterministic per seed, printed so that a failure can be replayed (UNIT_SEED). */
static uint64_t unit_rng_state = 0x9e3779b97f4a7c15ull;

static inline uint64_t unit_rand64(void)
{
	uint64_t x = unit_rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	unit_rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static inline uint32_t unit_rand32(void)
{
	return (uint32_t)(unit_rand64() >> 32);
}

/* Uniform in [0, n). */
static inline uint32_t unit_rand_below(uint32_t n)
{
	return (uint32_t)(((unit_rand64() >> 32) * (uint64_t)n) >> 32);
}

static inline void unit_seed(const char *name)
{
	const char *s = getenv("UNIT_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : 0x5eed1234abcdull;

	unit_rng_state = seed ? seed : 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("UNIT_MAX_PRINT"))
		unit_max_print = strtoul(getenv("UNIT_MAX_PRINT"), NULL, 0);
	printf("%s: seed 0x%" PRIx64 " (set UNIT_SEED to replay)\n", name, seed);
}

/* ---- DPDK ---- */

static char unit_runtime_dir[PATH_MAX];

static int unit_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void unit_eal_cleanup(void)
{
	rte_eal_cleanup();
	/* Only ever the directory named after our own --file-prefix. */
	if (unit_runtime_dir[0] && strstr(unit_runtime_dir, "/pgtest-"))
		nftw(unit_runtime_dir, unit_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static inline int unit_eal_init(void)
{
	char prefix[64];
	char *argv[] = {
	    "test", "-l",	"0-1",	       "--no-huge", "-m",
	    "1024", "--no-pci", "--no-shconf", prefix,	    "--log-level=*:warning",
	    NULL,
	};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	int ret;

	snprintf(prefix, sizeof(prefix), "--file-prefix=pgtest-%d", (int)getpid());
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	snprintf(unit_runtime_dir, sizeof(unit_runtime_dir), "%s", rte_eal_get_runtime_dir());
	atexit(unit_eal_cleanup);
	ret = rcu_init();
	if (ret < 0) {
		fprintf(stderr, "rcu_init: %s\n", strerror(-ret));
		return -1;
	}
	return 0;
}

/* A port on a DPDK vdev (net_null, net_ring) with a fixed MAC, one queue. Returns its index or -1.
 */
#include "dp_setup.h"
static inline int unit_port_add(const char *name, const char *device, const char *mac, uint16_t mtu,
				uint16_t vrf)
{
	struct dp_port_conf pc = {.name = name,
				  .device = device,
				  .has_mac = true,
				  .mac = unit_mac(mac),
				  .mtu = mtu,
				  .vrf = vrf,
				  .n_queues = 1};
	uint16_t idx;

	return dp_port_add(&pc, &idx) < 0 ? -1 : idx;
}
