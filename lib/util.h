/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define PG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PG_MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define PG_MAX(a, b)	 ((a) > (b) ? (a) : (b))
#define PG_LIKELY(x)	 __builtin_expect(!!(x), 1)
#define PG_UNLIKELY(x)	 __builtin_expect(!!(x), 0)

/* Copy a C string into a fixed buffer, always terminated; returns -ENAMETOOLONG if cut. */
int pg_strlcpy(char *dst, const char *src, size_t size);
