/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging. Under systemd (JOURNAL_STREAM set) records go to the journal with
 * structured fields (CODE_FILE/LINE/FUNC, ERRNO, and caller-supplied ones such
 * as MIP6_HOA=, MIP6_COA=); otherwise to stderr as one line. log_*_errno()
 * return -abs(err) so that the deciding layer can write
 *     return log_warning_errno(r, "…: %m");
 * and %m prints strerror(err). Codecs never log above debug.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <syslog.h>

#include "core/cleanup.h"

enum log_target {
	LOG_TARGET_AUTO,
	LOG_TARGET_STDERR,
	LOG_TARGET_JOURNAL,
	_LOG_TARGET_MAX,
	_LOG_TARGET_INVALID = -EINVAL,
};

void log_open(enum log_target target);
enum log_target log_target_from_string(const char *s);
void log_set_max_level(int level);
int log_get_max_level(void);
bool log_to_journal(void);

/*
 * fields: NULL or a NULL-terminated array of "KEY=value" strings added to the
 * journal record (and appended in brackets on stderr).
 */
int log_internal(int level, int err, const char *file, int line, const char *func,
		 const char *const *fields, const char *fmt, ...) _printf_(7, 8);

#define log_full_errno_fields(level, err, fields, ...)                                \
	({                                                                              \
		int _l_ = (level), _e_ = (err);                                         \
		(_l_ <= log_get_max_level())                                            \
			? log_internal(_l_, _e_, __FILE__, __LINE__, __func__, fields,  \
				       __VA_ARGS__)                                     \
			: -abs(_e_);                                                    \
	})
#define log_full_errno(level, err, ...) log_full_errno_fields(level, err, NULL, __VA_ARGS__)
#define log_full(level, ...) (void)log_full_errno(level, 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_notice_errno(e, ...) log_full_errno(LOG_NOTICE, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)

/* Build a fields array inline: LOG_FIELDS("MIP6_HOA=2001:db8::1", buf2) */
/* "MIP6_HOA=" / "MIP6_COA=" plus an address: the journal fields of records about a mobile node. */
#define LOG_ADDR_FIELD_MAX (9 + 46)
#define LOG_FIELDS(...) ((const char *const[]){ __VA_ARGS__, NULL })
