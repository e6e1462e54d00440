/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include <systemd/sd-journal.h>

#include "core/log.h"

static enum log_target log_target_current = LOG_TARGET_STDERR;
static int log_max_level = LOG_INFO;

static const char *const log_target_names[_LOG_TARGET_MAX] = {
	[LOG_TARGET_AUTO] = "auto",
	[LOG_TARGET_STDERR] = "stderr",
	[LOG_TARGET_JOURNAL] = "journal",
};

enum log_target log_target_from_string(const char *s)
{
	for (size_t i = 0; i < _LOG_TARGET_MAX; i++)
		if (s && strcmp(s, log_target_names[i]) == 0)
			return (enum log_target)i;
	return _LOG_TARGET_INVALID;
}

void log_open(enum log_target target)
{
	if (target == LOG_TARGET_AUTO)
		/* systemd sets JOURNAL_STREAM when stderr is connected to the journal. */
		target = getenv("JOURNAL_STREAM") ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
	log_target_current = target;
}

bool log_to_journal(void)
{
	return log_target_current == LOG_TARGET_JOURNAL;
}

void log_set_max_level(int level)
{
	log_max_level = level;
}

int log_get_max_level(void)
{
	return log_max_level;
}

static const char *level_name(int level)
{
	static const char *const names[] = { "emerg", "alert", "crit", "error",
					     "warning", "notice", "info", "debug" };
	return (level >= 0 && level < (int)ELEMENTSOF(names)) ? names[level] : "?";
}

/* stderr is unbuffered: the line is put together first and leaves in one write. */
static void log_stderr(int level, const char *msg, const char *const *fields, const char *file, int line,
		       const char *func)
{
	char buf[4096];
	size_t len = 0;
	int n;

#define LOG_APPEND(...)                                                                  \
	do {                                                                             \
		n = snprintf(buf + len, sizeof(buf) - len, __VA_ARGS__);                 \
		len = n < 0 ? len : (size_t)n >= sizeof(buf) - len ? sizeof(buf) - 1 : len + (size_t)n; \
	} while (0)
	LOG_APPEND("mip6d[%s]: %s", level_name(level), msg);
	for (size_t i = 0; fields && fields[i]; i++)
		LOG_APPEND("%s%s", i == 0 ? " [" : " ", fields[i]);
	if (fields && fields[0])
		LOG_APPEND("]");
	if (log_max_level >= LOG_DEBUG)
		LOG_APPEND(" (%s:%d %s)", file, line, func);
#undef LOG_APPEND
	if (len >= sizeof(buf) - 1)
		len = sizeof(buf) - 2; /* a cut line still ends with its newline */
	buf[len++] = '\n';
	(void)fwrite(buf, 1, len, stderr);
}

int log_internal(int level, int err, const char *file, int line, const char *func,
		 const char *const *fields, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	int saved = errno;

	if (err < 0)
		err = -err;
	/* %m prints the error passed in, not whatever errno happens to be. */
	errno = err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (log_target_current == LOG_TARGET_JOURNAL) {
		char prio[32], cfile[512], cline[32], cfunc[256], errno_f[32], m[2100];
		struct iovec iov[16 + 32];
		size_t n = 0;

		snprintf(m, sizeof(m), "MESSAGE=%s", msg);
		snprintf(prio, sizeof(prio), "PRIORITY=%d", level);
		snprintf(cfile, sizeof(cfile), "CODE_FILE=%s", file);
		snprintf(cline, sizeof(cline), "CODE_LINE=%d", line);
		snprintf(cfunc, sizeof(cfunc), "CODE_FUNC=%s", func);
		iov[n++] = (struct iovec){ m, strlen(m) };
		iov[n++] = (struct iovec){ prio, strlen(prio) };
		iov[n++] = (struct iovec){ cfile, strlen(cfile) };
		iov[n++] = (struct iovec){ cline, strlen(cline) };
		iov[n++] = (struct iovec){ cfunc, strlen(cfunc) };
		iov[n++] = (struct iovec){ (char *)"SYSLOG_IDENTIFIER=mip6d", 23 };
		if (err) {
			snprintf(errno_f, sizeof(errno_f), "ERRNO=%d", err);
			iov[n++] = (struct iovec){ errno_f, strlen(errno_f) };
		}
		for (size_t i = 0; fields && fields[i] && n < ELEMENTSOF(iov); i++)
			iov[n++] = (struct iovec){ (char *)fields[i], strlen(fields[i]) };
		sd_journal_sendv(iov, (int)n);
	} else
		log_stderr(level, msg, fields, file, line, func);
	errno = saved;
	return -err;
}
