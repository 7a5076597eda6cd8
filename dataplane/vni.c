/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>

#include "log.h"
#include "vni.h"

/* Control thread only. */
static uint32_t slot_vni[PG_MAX_VNIS];
static uint16_t slot_vrf[PG_MAX_VNIS];
struct tun_refs {
	uint32_t remote;
	uint32_t vxlan, ipip;
	uint16_t vrf;
};
#define TUN_MAX 4096
static struct tun_refs tun_refs[TUN_MAX];
static unsigned seq;

static struct rte_hash *lf_hash_create(const char *prefix, unsigned entries)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_hash_crc,
		.socket_id = SOCKET_ID_ANY,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash_rcu_config rc = {.v = rcu_dpdk_qsbr(), .mode = RTE_HASH_QSBR_MODE_DQ};
	struct rte_hash *h;

	snprintf(name, sizeof(name), "%s%u", prefix, seq++);
	h = rte_hash_create(&hp);
	if (!h) {
		LOG_ERR("%s table: %s", prefix, rte_strerror(rte_errno));
		return NULL;
	}
	if (rte_hash_rcu_qsbr_add(h, &rc) != 0) {
		LOG_ERR("%s table: attaching RCU failed", prefix);
		rte_hash_free(h);
		return NULL;
	}
	return h;
}

int vni_init(void)
{
	memset(slot_vni, 0, sizeof(slot_vni));
	memset(tun_refs, 0, sizeof(tun_refs));
	dp.vni = lf_hash_create("vni", PG_MAX_VNIS * 2);
	dp.tun4 = lf_hash_create("tun", TUN_MAX * 2);
	return dp.vni && dp.tun4 ? 0 : -ENOMEM;
}

void vni_fini(void)
{
	rte_hash_free(dp.vni);
	rte_hash_free(dp.tun4);
	dp.vni = dp.tun4 = NULL;
}

int vni_slot(uint32_t vni)
{
	for (unsigned i = 1; i < PG_MAX_VNIS; i++)
		if (slot_vni[i] == vni)
			return (int)i;
	return -ENOENT;
}

uint32_t vni_of_slot(unsigned slot)
{
	return slot < PG_MAX_VNIS ? slot_vni[slot] : 0;
}

uint16_t vni_vrf_of_slot(unsigned slot)
{
	return slot < PG_MAX_VNIS ? slot_vrf[slot] : 0;
}

int vni_add(uint32_t vni, uint16_t vrf, const struct pg_mac *rmac)
{
	int slot = vni_slot(vni);

	if (vni == 0 || vni > 0xffffff)
		return -EINVAL;
	if (slot < 0) {
		/* Slot 0 is never used so a zeroed counter index means "no VNI". */
		for (unsigned i = 1; i < PG_MAX_VNIS; i++) {
			if (slot_vni[i] == 0) {
				slot = (int)i;
				break;
			}
		}
		if (slot < 0)
			return -ENOSPC;
	}
	memcpy(&dp.vni_rmac[slot], rmac, 6);
	slot_vni[slot] = vni;
	slot_vrf[slot] = vrf;
	uintptr_t data = ((uintptr_t)vrf << 16) | (uintptr_t)slot;
	if (rte_hash_add_key_data(dp.vni, &vni, (void *)data) < 0) {
		slot_vni[slot] = 0;
		return -ENOSPC;
	}
	return slot;
}

int vni_del(uint32_t vni)
{
	int slot = vni_slot(vni);

	if (slot < 0)
		return slot;
	rte_hash_del_key(dp.vni, &vni);
	slot_vni[slot] = 0;
	return 0;
}

static struct tun_refs *tun_find(uint32_t remote, bool create)
{
	struct tun_refs *free_slot = NULL;

	for (unsigned i = 0; i < TUN_MAX; i++) {
		if (tun_refs[i].remote == remote && (tun_refs[i].vxlan || tun_refs[i].ipip))
			return &tun_refs[i];
		if (!free_slot && !tun_refs[i].vxlan && !tun_refs[i].ipip)
			free_slot = &tun_refs[i];
	}
	if (!create || !free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->remote = remote;
	return free_slot;
}

static int tun_publish(struct tun_refs *t)
{
	uint32_t flags = (t->vxlan ? TUN_F_VXLAN : 0) | (t->ipip ? TUN_F_IPIP : 0);

	if (!flags)
		return rte_hash_del_key(dp.tun4, &t->remote) < 0 ? -ENOENT : 0;
	uintptr_t data = ((uintptr_t)t->vrf << 16) | flags;
	return rte_hash_add_key_data(dp.tun4, &t->remote, (void *)data) < 0 ? -ENOSPC : 0;
}

int tun_ref(uint32_t remote_be, uint32_t flag, uint16_t vrf)
{
	struct tun_refs *t = tun_find(remote_be, true);

	if (!t)
		return -ENOSPC;
	if (flag & TUN_F_VXLAN)
		t->vxlan++;
	if (flag & TUN_F_IPIP) {
		t->ipip++;
		t->vrf = vrf;
	}
	return tun_publish(t);
}

void tun_unref(uint32_t remote_be, uint32_t flag)
{
	struct tun_refs *t = tun_find(remote_be, false);

	if (!t)
		return;
	if ((flag & TUN_F_VXLAN) && t->vxlan)
		t->vxlan--;
	if ((flag & TUN_F_IPIP) && t->ipip)
		t->ipip--;
	tun_publish(t);
}

int tun_walk(int (*cb)(uint32_t remote_be, uint32_t flags, uint16_t vrf, void *), void *arg)
{
	for (unsigned i = 0; i < TUN_MAX; i++) {
		struct tun_refs *t = &tun_refs[i];
		uint32_t flags = (t->vxlan ? TUN_F_VXLAN : 0) | (t->ipip ? TUN_F_IPIP : 0);
		if (!flags)
			continue;
		int ret = cb(t->remote, flags, t->vrf, arg);
		if (ret)
			return ret;
	}
	return 0;
}
