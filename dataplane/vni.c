/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "vni.h"

/* Control thread only. */
static uint32_t slot_vni[PG_MAX_VNIS];
static uint16_t slot_vrf[PG_MAX_VNIS];
struct tun_refs {
	uint32_t remote;
	uint32_t vxlan, ipip;
	uint16_t vrf;
	bool explicit_vrf;
};
#define TUN_MAX 4096
static struct tun_refs tun_refs[TUN_MAX];

int vni_init(void)
{
	memset(slot_vni, 0, sizeof(slot_vni));
	memset(tun_refs, 0, sizeof(tun_refs));
	if (u32map_init(&dp.vni) < 0 || u32map_init(&dp.tun4) < 0)
		return -ENOMEM;
	return 0;
}

void vni_fini(void)
{
	u32map_fini(&dp.vni);
	u32map_fini(&dp.tun4);
}

int vni_slot(uint32_t vni)
{
	if (vni == 0)
		return -ENOENT;
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
	if (u32map_set(&dp.vni, vni, ((uint32_t)vrf << 16) | (uint32_t)slot) < 0) {
		slot_vni[slot] = 0;
		return -ENOMEM;
	}
	return slot;
}

int vni_del(uint32_t vni)
{
	int slot = vni_slot(vni);

	if (slot < 0)
		return slot;
	u32map_del(&dp.vni, vni);
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
		return u32map_del(&dp.tun4, t->remote);
	return u32map_set(&dp.tun4, t->remote, ((uint32_t)t->vrf << 16) | flags);
}

int tun_ref(uint32_t remote_be, uint32_t flag, uint16_t vrf, bool explicit_vrf)
{
	struct tun_refs *t = tun_find(remote_be, true);

	if (!t)
		return -ENOSPC;
	if (flag & TUN_F_VXLAN)
		t->vxlan++;
	if (flag & TUN_F_IPIP) {
		if (explicit_vrf || (!t->explicit_vrf && t->ipip == 0))
			t->vrf = vrf;
		t->explicit_vrf |= explicit_vrf;
		t->ipip++;
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
	if ((flag & TUN_F_IPIP) && t->ipip && --t->ipip == 0)
		t->explicit_vrf = false;
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
