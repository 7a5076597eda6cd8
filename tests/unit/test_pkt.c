/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-packet arithmetic of dataplane/pkt.h against DPDK's reference implementations or plain
 * restatements of the rules: IPv4 header checksum test (good, corrupted and random headers), the
 * 32 -> 16 bit fold, CRC32-C and byte swaps, the multiple-of-0xffff test, the fast IPv4 header
 * test, the TTL decrement with its checksum update, the tunnel template checksum and the IPv4
 * flow hash. No EAL needed.
 */
#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>

#include "pkt.h"
#include "unit.h"

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t rnd64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The reference: fold with a loop, exactly as RFC 1071 describes it. */
static uint16_t fold_ref(uint32_t t)
{
	while (t >> 16)
		t = (t & 0xffff) + (t >> 16);
	return (uint16_t)t;
}

static void test_cksum(void)
{
	/* 2-byte aligned like a header after a 14-byte Ethernet header. */
	uint8_t buf[2 + 20] __attribute__((aligned(8)));
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 2);
	unsigned bad_good = 0, bad_bad = 0, bad_rand = 0;

	for (unsigned i = 0; i < 1000000; i++) {
		for (unsigned k = 0; k < 20; k++)
			buf[2 + k] = (uint8_t)rnd64();
		/* Every third header is skewed towards the edge cases of the fold (0x0000/0xffff
		 * words, sums that carry out of 32 bits). */
		if (i % 3 == 0)
			for (unsigned k = 0; k < 20; k++)
				buf[2 + k] = (rnd64() & 1) ? 0xff : 0x00;
		bool ref = rte_raw_cksum(ip, 20) == 0xffff;
		if (ip4_cksum20_ok(ip) != ref)
			bad_rand++;
		ip->version_ihl = 0x45; /* rte_ipv4_cksum sums IHL words */
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (!ip4_cksum20_ok(ip) || !ip4_cksum_ok(ip, 20))
			bad_good++;
		/* One flipped bit always changes a one's complement sum. */
		unsigned bit = (unsigned)(rnd64() % 160);
		buf[2 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (ip4_cksum20_ok(ip))
			bad_bad++;
	}
	CHECK(bad_rand == 0, "%u random headers judged differently from rte_raw_cksum", bad_rand);
	CHECK(bad_good == 0, "%u correct headers rejected", bad_good);
	CHECK(bad_bad == 0, "%u corrupted headers accepted", bad_bad);

	/* Options: the generic path. */
	uint8_t opt[2 + 24] __attribute__((aligned(8)));
	struct rte_ipv4_hdr *ip6w = (struct rte_ipv4_hdr *)(opt + 2);
	for (unsigned k = 0; k < 24; k++)
		opt[2 + k] = (uint8_t)(k * 37 + 1);
	ip6w->version_ihl = 0x46;
	ip6w->hdr_checksum = 0;
	ip6w->hdr_checksum = (uint16_t)~rte_raw_cksum(ip6w, 24);
	CHECK(ip4_cksum_ok(ip6w, 24), "24-byte header with a correct checksum rejected");
	opt[2 + 21] ^= 0x10;
	CHECK(!ip4_cksum_ok(ip6w, 24), "24-byte header with a corrupted option accepted");
}

static void test_fold(void)
{
	static const uint32_t edge[] = {0,	    1,		0xffff,	    0x10000,	0x1fffe,
					0xfffeffff, 0xffff0000, 0xffffffff, 0x8000ffff, 0x0001ffff};
	unsigned bad = 0;

	for (unsigned i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		CHECK(pg_csum_fold32(edge[i]) == fold_ref(edge[i]), "fold(%#x) = %#x, want %#x",
		      edge[i], pg_csum_fold32(edge[i]), fold_ref(edge[i]));
	for (unsigned i = 0; i < 1000000; i++) {
		uint32_t t = (uint32_t)rnd64();
		bad += pg_csum_fold32(t) != fold_ref(t);
	}
	CHECK(bad == 0, "%u random folds differ from the reference", bad);
}

static void test_crc_bswap(void)
{
	unsigned bad32 = 0, bad64 = 0, badsw = 0;

	for (unsigned i = 0; i < 100000; i++) {
		uint64_t x = rnd64();
		uint32_t init = (uint32_t)rnd64();
		bad32 += pg_crc32_u32((uint32_t)x, init) != rte_hash_crc_4byte((uint32_t)x, init);
		bad64 += pg_crc32_u64(x, init) != rte_hash_crc_8byte(x, init);
		badsw += pg_bswap16(x) != rte_be_to_cpu_16((uint16_t)x) ||
			 pg_bswap32(x) != rte_be_to_cpu_32((uint32_t)x);
	}
	CHECK(bad32 == 0, "%u crc32 (4 bytes) differ from rte_hash_crc_4byte", bad32);
	CHECK(bad64 == 0, "%u crc32 (8 bytes) differ from rte_hash_crc_8byte", bad64);
	CHECK(badsw == 0, "%u byte swaps differ from rte_be_to_cpu", badsw);
	/* Known value: the CRC32-C (Castagnoli, RFC 3720) of four zero bytes is 0x48674bc7, the
	 * inverse of the register after running them from ~0. */
	CHECK(~pg_crc32_u32(0, 0xffffffff) == 0x48674bc7, "crc32c(0, ~0) = %#x",
	      pg_crc32_u32(0, 0xffffffff));
}

static void test_mult_ffff(void)
{
	static const uint64_t edge[] = {0,
					1,
					0xfffe,
					0xffff,
					0x10000,
					0x1fffe,
					0xffff0000ull,
					0xfffeffffull,
					0x0001000100010001ull,
					0x0001000100010002ull,
					0xfffefffefffeffffull,
					0xffffffffffff0000ull,
					0xfffffffffffeffffull,
					UINT64_MAX - 1,
					UINT64_MAX};
	unsigned bad = 0;

	for (unsigned i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		for (int64_t d = -2; d <= 2; d++) {
			uint64_t s = edge[i] + (uint64_t)d;
			bad += pg_mult_ffff(s) != (s % 0xffff == 0);
		}
	for (unsigned i = 0; i < 1000000; i++) {
		uint64_t s = rnd64();
		bad += pg_mult_ffff(s) != (s % 0xffff == 0);
		s = (s % (UINT64_MAX / 0xffff + 1)) * 0xffff; /* a multiple */
		bad += !pg_mult_ffff(s) || pg_mult_ffff(s + 1) != ((s + 1) % 0xffff == 0);
	}
	CHECK(bad == 0, "%u values judged differently from s %% 0xffff == 0", bad);

	/* ip4_sum20: congruent to the 16-bit word sum, 0 only for zeros. */
	uint8_t buf[2 + 20] __attribute__((aligned(8)));
	unsigned bad_mod = 0, bad_zero = 0;
	for (unsigned i = 0; i < 1000000; i++) {
		for (unsigned k = 0; k < 20; k++)
			buf[2 + k] = (i % 3 == 0) ? ((rnd64() & 1) ? 0xff : 0) : (uint8_t)rnd64();
		uint64_t words = 0;
		for (unsigned k = 0; k < 20; k += 2) {
			uint16_t v;
			memcpy(&v, buf + 2 + k, 2);
			words += v;
		}
		uint64_t s = ip4_sum20(buf + 2);
		bad_mod += s % 0xffff != words % 0xffff;
		bad_zero += (s == 0) != (words == 0);
	}
	memset(buf, 0, sizeof(buf));
	CHECK(ip4_sum20(buf + 2) == 0, "sum of a zero header");
	CHECK(bad_mod == 0, "%u sums not congruent to the word sum", bad_mod);
	CHECK(bad_zero == 0, "%u sums zero for a non-zero header or the reverse", bad_zero);
}

/* ip4_hdr20_odd against the rules it stands for. */
static bool src_bad_ref(uint8_t o)
{
	return o == 127 || o >= 224;
}

static bool dst_odd_ref(uint8_t o)
{
	return o == 0 || o == 127 || o >= 224;
}

static void test_hdr20_odd(void)
{
	uint8_t buf[2 + 20] __attribute__((aligned(8)));
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 2);
	static const uint8_t octets[] = {0, 1, 10, 126, 127, 128, 223, 224, 239, 240, 254, 255};
	unsigned bad = 0, fast = 0;

	for (unsigned i = 0; i < 2000000; i++) {
		for (unsigned k = 0; k < 20; k++)
			buf[2 + k] = (uint8_t)rnd64();
		uint32_t l3len = (uint32_t)(rnd64() % 0x10000);
		/* mostly the common case, each field sometimes off */
		if (rnd64() % 8)
			ip->version_ihl = 0x45;
		if (rnd64() % 4)
			ip->total_length = pg_bswap16((uint16_t)l3len);
		else if (rnd64() % 2)
			ip->total_length = pg_bswap16((uint16_t)(l3len ^ (1u << (rnd64() % 16))));
		buf[2 + 12] = rnd64() % 2 ? octets[rnd64() % sizeof(octets)] : (uint8_t)rnd64();
		buf[2 + 16] = rnd64() % 2 ? octets[rnd64() % sizeof(octets)] : (uint8_t)rnd64();
		bool want = ip->version_ihl == 0x45 && pg_bswap16(ip->total_length) == l3len &&
			    !src_bad_ref(buf[2 + 12]) && !dst_odd_ref(buf[2 + 16]);
		bool got = ip4_hdr20_odd(buf + 2, l3len) == 0;
		bad += got != want;
		fast += got;
	}
	CHECK(bad == 0, "%u headers judged differently from the rules", bad);
	CHECK(fast > 100000, "only %u common-case headers generated", fast);
	for (unsigned o = 0; o < 256; o++) {
		memset(buf, 0, sizeof(buf));
		ip->version_ihl = 0x45;
		ip->total_length = pg_bswap16(20);
		buf[2 + 12] = (uint8_t)o;
		buf[2 + 16] = 10;
		CHECK((ip4_hdr20_odd(buf + 2, 20) == 0) == !src_bad_ref((uint8_t)o), "source %u.x",
		      o);
		buf[2 + 12] = 10;
		buf[2 + 16] = (uint8_t)o;
		CHECK((ip4_hdr20_odd(buf + 2, 20) == 0) == !dst_odd_ref((uint8_t)o),
		      "destination %u.x", o);
	}
}

/* ip4_ttl_dec against the per-field update of RFC 1624 as the full path writes it. */
static void test_ttl_dec(void)
{
	uint8_t buf[2 + 20] __attribute__((aligned(8)));
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 2);
	unsigned bad = 0, bad_valid = 0;

	for (uint32_t hc = 0; hc <= 0xffff; hc++)
		for (uint32_t ttl = 2; ttl <= 255; ttl += (ttl < 8 || ttl > 250) ? 1 : 31) {
			for (unsigned k = 0; k < 20; k++)
				buf[2 + k] = (uint8_t)(k * 13 + hc);
			ip->time_to_live = (uint8_t)ttl;
			ip->hdr_checksum = (uint16_t)hc;
			uint8_t want[20];
			memcpy(want, buf + 2, 20);
			struct rte_ipv4_hdr *w4 = (struct rte_ipv4_hdr *)want;
			w4->time_to_live--;
			uint32_t sum = (uint32_t)w4->hdr_checksum + pg_bswap16(0x0100);
			w4->hdr_checksum = (uint16_t)(sum + (sum >= 0xffff));
			ip4_ttl_dec(buf + 2);
			bad += memcmp(buf + 2, want, 20) != 0;
		}
	CHECK(bad == 0, "%u TTL decrements differ from the field-by-field update", bad);
	/* On headers with a correct checksum the result is the recomputed checksum. */
	for (unsigned i = 0; i < 200000; i++) {
		for (unsigned k = 0; k < 20; k++)
			buf[2 + k] = (uint8_t)rnd64();
		ip->version_ihl = 0x45;
		ip->time_to_live = (uint8_t)(2 + rnd64() % 254);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		ip4_ttl_dec(buf + 2);
		uint16_t got = ip->hdr_checksum;
		ip->hdr_checksum = 0;
		bad_valid += got != rte_ipv4_cksum(ip);
	}
	CHECK(bad_valid == 0,
	      "%u decremented headers with a checksum other than the recomputed one", bad_valid);
}

/* nexthop.h's nh_ip_csum_add_len, restated: the template checksum plus a total length. */
static uint16_t csum_add_len_ref(uint16_t tmpl, uint16_t len_be)
{
	uint32_t s = (uint16_t)~tmpl;
	s += len_be;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void test_csum_add_len(void)
{
	static const uint16_t lens[] = {0, 1, 20, 0x1400, 0xfeff, 0xfffe, 0xffff, 0x8000, 0x7fff};
	unsigned bad = 0;

	for (uint32_t c = 0; c <= 0xffff; c++) {
		for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
			bad += ip4_csum_add_len((uint16_t)c, lens[i]) !=
			       csum_add_len_ref((uint16_t)c, lens[i]);
		uint16_t l = (uint16_t)rnd64();
		bad += ip4_csum_add_len((uint16_t)c, l) != csum_add_len_ref((uint16_t)c, l);
	}
	CHECK(bad == 0, "%u template checksums differ from the reference", bad);
}

/* ip4_csum_add_len_h: the same checksum from the byte-swapped inverted template and a host-order
 * length, byte-swapped. */
static void test_csum_add_len_h(void)
{
	static const uint16_t lens[] = {0, 1, 20, 0x1400, 0xfeff, 0xfffe, 0xffff, 0x8000, 0x7fff};
	unsigned bad = 0;

	for (uint32_t c = 0; c <= 0xffff; c++) {
		const uint16_t hinv = (uint16_t)~pg_bswap16((uint16_t)c);
		for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
			bad += pg_bswap16(ip4_csum_add_len_h(hinv, lens[i])) !=
			       csum_add_len_ref((uint16_t)c, pg_bswap16(lens[i]));
		uint16_t l = (uint16_t)rnd64();
		bad += pg_bswap16(ip4_csum_add_len_h(hinv, l)) !=
		       csum_add_len_ref((uint16_t)c, pg_bswap16(l));
	}
	CHECK(bad == 0, "%u host-order template checksums differ from the reference", bad);
}

/* The flow hash as the worker first computed it (field by field). */
static uint32_t flow_hash4_ref(const struct rte_ipv4_hdr *ip)
{
	uint32_t src, dst;

	memcpy(&src, &ip->src_addr, 4);
	memcpy(&dst, &ip->dst_addr, 4);
	uint32_t h = rte_hash_crc_8byte(((uint64_t)src << 32) | dst, ip->next_proto_id);
	if ((ip->next_proto_id == IPPROTO_TCP || ip->next_proto_id == IPPROTO_UDP) &&
	    !(ip->fragment_offset & pg_bswap16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG))) {
		uint32_t ports;
		memcpy(&ports, (const uint8_t *)ip + ((ip->version_ihl & 0xf) << 2), 4);
		h = rte_hash_crc_4byte(ports, h);
	}
	return h;
}

static void test_flow_hash4(void)
{
	uint8_t buf[2 + 64] __attribute__((aligned(8)));
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 2);
	static const uint8_t protos[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_IPIP, 0};
	unsigned bad = 0;

	for (unsigned i = 0; i < 500000; i++) {
		for (unsigned k = 0; k < 64; k++)
			buf[2 + k] = (uint8_t)rnd64();
		ip->version_ihl = (uint8_t)(0x40 | (5 + rnd64() % 11));
		ip->next_proto_id = protos[rnd64() % sizeof(protos)];
		if (rnd64() % 2)
			ip->fragment_offset =
			    (uint16_t)(rnd64() % 2 ? pg_bswap16(RTE_IPV4_HDR_DF_FLAG) : 0);
		bad += flow_hash4(ip) != flow_hash4_ref(ip);
	}
	CHECK(bad == 0, "%u flow hashes differ from the field-by-field hash", bad);
}

int main(void)
{
	test_cksum();
	test_fold();
	test_crc_bswap();
	test_mult_ffff();
	test_hdr20_odd();
	test_ttl_dec();
	test_csum_add_len();
	test_csum_add_len_h();
	test_flow_hash4();
	return unit_done("pkt");
}
