/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

enum pg_log_level pg_log_threshold = PG_LOG_NOTICE;

static const char *const level_names[] = {"error", "warning", "notice", "info", "debug"};

const char *pg_log_level_fmt(enum pg_log_level lvl)
{
	return (unsigned)lvl < 5 ? level_names[lvl] : "?";
}

int pg_log_level_parse(const char *s, enum pg_log_level *out)
{
	for (unsigned i = 0; i < 5; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum pg_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void pg_log(enum pg_log_level lvl, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (lvl > pg_log_threshold)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "peregrine: %s: %s\n", pg_log_level_fmt(lvl), buf);
}
