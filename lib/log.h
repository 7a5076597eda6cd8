/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Leveled logging for the control thread and start-up code. Workers never log: they count.
 * Output goes to stderr, one line per message, prefixed with the level.
 */

enum pg_log_level {
	PG_LOG_ERR = 0,
	PG_LOG_WARN,
	PG_LOG_NOTICE,
	PG_LOG_INFO,
	PG_LOG_DEBUG,
};

extern enum pg_log_level pg_log_threshold;

void pg_log(enum pg_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int pg_log_level_parse(const char *s, enum pg_log_level *out);
const char *pg_log_level_fmt(enum pg_log_level lvl);

#define LOG_ERR(...)	pg_log(PG_LOG_ERR, __VA_ARGS__)
#define LOG_WARN(...)	pg_log(PG_LOG_WARN, __VA_ARGS__)
#define LOG_NOTICE(...) pg_log(PG_LOG_NOTICE, __VA_ARGS__)
#define LOG_INFO(...)	pg_log(PG_LOG_INFO, __VA_ARGS__)
#define LOG_DEBUG(...)	pg_log(PG_LOG_DEBUG, __VA_ARGS__)
