/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The persistent binding cache on disk: see bcache-journal.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/log.h"
#include "ha/bcache-journal.h"

#define BCJ_LOAD_MAX (512U * 1024 * 1024) /* 4 million records: far beyond any HA */
#define BCJ_WBUF 65536

struct bcj {
	char dir[PATH_MAX];
	char path[PATH_MAX];
	int fd;         /* O_APPEND on path */
	int dfd;        /* the directory, for its fsync after a rename */
	int new_fd;     /* compaction in progress: path.new */
	size_t records; /* records in the file */
	size_t new_records;
	bool dirty;     /* appended since the last fdatasync */
	uint8_t *wbuf;  /* compaction write buffer */
	size_t wlen;
};

const char *bcj_default_dir(void)
{
	static char dir[PATH_MAX];
	const char *s = getenv("STATE_DIRECTORY");
	size_t n;

	if (!s || !*s)
		return BCJ_DEFAULT_DIR;
	n = strcspn(s, ":"); /* systemd lists several directories separated by ':' */
	if (n >= sizeof(dir))
		return BCJ_DEFAULT_DIR;
	memcpy(dir, s, n);
	dir[n] = '\0';
	return dir;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A new, empty file (the header only). */
static int write_header(int fd)
{
	uint8_t h[BCS_HEADER_LEN];

	return write_all(fd, h, bcs_header_build(h));
}

int bcj_open(const char *dir, struct bcj **ret)
{
	_cleanup_(freep) struct bcj *j = calloc(1, sizeof(*j));
	struct stat st;
	int r;

	if (!j)
		return -ENOMEM;
	if (snprintf(j->dir, sizeof(j->dir), "%s", dir) >= (int)sizeof(j->dir) ||
	    snprintf(j->path, sizeof(j->path), "%s/%s", dir, BCJ_FILE) >= (int)sizeof(j->path))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	j->new_fd = -1;
	j->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dfd < 0)
		return -errno;
	j->fd = open(j->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		r = -errno;
		close(j->dfd);
		return r;
	}
	if (fstat(j->fd, &st) == 0 && st.st_size == 0 && (r = write_header(j->fd)) < 0) {
		close(j->fd);
		close(j->dfd);
		return r;
	}
	*ret = TAKE_PTR(j);
	return 0;
}

struct bcj *bcj_close(struct bcj *j)
{
	if (!j)
		return NULL;
	(void)bcj_sync(j);
	if (j->new_fd >= 0) {
		close(j->new_fd);
		(void)unlinkat(j->dfd, BCJ_FILE ".new", 0);
	}
	close(j->fd);
	close(j->dfd);
	free(j->wbuf);
	free(j);
	return NULL;
}

const char *bcj_path(const struct bcj *j)
{
	return j->path;
}

static int read_file(int fd, uint8_t **ret, size_t *ret_len)
{
	struct stat st;
	uint8_t *buf;
	size_t off = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size > BCJ_LOAD_MAX)
		return -EFBIG;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (off < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + off, (size_t)st.st_size - off, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* shorter than fstat said: parse what is there */
		off += (size_t)n;
	}
	*ret = buf;
	*ret_len = off;
	return 0;
}

/* The file is corrupt: keep it for the operator under another name, start a new one. */
static int move_aside(struct bcj *j, size_t good, size_t len, const char *reason)
{
	char aside[PATH_MAX + 32];
	int fd;

	snprintf(aside, sizeof(aside), "%s.corrupt-%lld", j->path, (long long)time(NULL));
	log_error("binding cache file %s: %s at offset %zu of %zu; keeping the %zu valid octets' bindings, "
		  "file moved to %s", j->path, reason ? reason : "bad data", good, len, good, aside);
	if (rename(j->path, aside) < 0)
		log_warning_errno(errno, "cannot move %s aside: %m", j->path);
	fd = open(j->path, O_RDWR | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(j->fd);
	j->fd = fd;
	return write_header(fd);
}

int bcj_load(struct bcj *j, int (*each)(const struct bcs_record *r, void *ud), void *ud, bool *ret_corrupt)
{
	_cleanup_(freep) uint8_t *buf = NULL;
	const char *reason = NULL;
	size_t len = 0, good = 0, n = 0;
	int r;

	*ret_corrupt = false;
	if ((r = read_file(j->fd, &buf, &len)) < 0)
		return r;
	r = bcs_parse(buf, len, each, ud, &good, &reason);
	if (r == -EBADMSG && reason) {
		*ret_corrupt = true;
		if ((r = move_aside(j, good, len, reason)) < 0)
			return r;
	} else if (r < 0)
		return r;
	/* Records delivered: the valid prefix holds only whole records, PUT or DEL. */
	for (size_t off = BCS_HEADER_LEN; off + 4 <= good; n++)
		off += (size_t)(buf[off + 2] << 8 | buf[off + 3]);
	j->records = *ret_corrupt ? 0 : n;
	return (int)n;
}

int bcj_append(struct bcj *j, const struct bcs_record *rec)
{
	uint8_t b[BCS_RECORD_MAX];
	int len = bcs_record_build(rec, b, sizeof(b)), r;

	if (len < 0)
		return len;
	/* One write(2) of a whole record on O_APPEND: it lands whole or is cut at the end (a crash). */
	if ((r = write_all(j->fd, b, (size_t)len)) < 0)
		return r;
	j->records++;
	j->dirty = true;
	return 0;
}

int bcj_sync(struct bcj *j)
{
	if (!j->dirty)
		return 0;
	j->dirty = false;
	return fdatasync(j->fd) < 0 ? -errno : 0;
}

bool bcj_dirty(const struct bcj *j)
{
	return j->dirty;
}

size_t bcj_records(const struct bcj *j)
{
	return j->records;
}

bool bcj_should_compact(const struct bcj *j, size_t live)
{
	return j->records >= BCJ_COMPACT_MIN && j->records > BCJ_COMPACT_FACTOR * live;
}

int bcj_compact_begin(struct bcj *j)
{
	if (j->new_fd >= 0)
		return -EBUSY;
	if (!j->wbuf && !(j->wbuf = malloc(BCJ_WBUF)))
		return -ENOMEM;
	j->new_fd = openat(j->dfd, BCJ_FILE ".new", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (j->new_fd < 0)
		return -errno;
	j->wlen = bcs_header_build(j->wbuf);
	j->new_records = 0;
	return 0;
}

static int compact_abort(struct bcj *j, int r)
{
	close(j->new_fd);
	j->new_fd = -1;
	(void)unlinkat(j->dfd, BCJ_FILE ".new", 0);
	return r;
}

int bcj_compact_add(struct bcj *j, const struct bcs_record *rec)
{
	int len, r;

	if (j->new_fd < 0)
		return -EBADF;
	if (BCJ_WBUF - j->wlen < BCS_RECORD_MAX) {
		if ((r = write_all(j->new_fd, j->wbuf, j->wlen)) < 0)
			return compact_abort(j, r);
		j->wlen = 0;
	}
	len = bcs_record_build(rec, j->wbuf + j->wlen, BCJ_WBUF - j->wlen);
	if (len < 0)
		return len;
	j->wlen += (size_t)len;
	j->new_records++;
	return 0;
}

/* write + fsync + rename + fsync of the directory: the old file or the new one, never a mix. */
int bcj_compact_commit(struct bcj *j)
{
	int r, fd;

	if (j->new_fd < 0)
		return -EBADF;
	if ((r = write_all(j->new_fd, j->wbuf, j->wlen)) < 0 || (fsync(j->new_fd) < 0 && (r = -errno)))
		return compact_abort(j, r);
	if (renameat(j->dfd, BCJ_FILE ".new", j->dfd, BCJ_FILE) < 0)
		return compact_abort(j, -errno);
	(void)fsync(j->dfd);
	close(j->new_fd);
	j->new_fd = -1;
	fd = open(j->path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(j->fd);
	j->fd = fd;
	j->records = j->new_records;
	j->dirty = false;
	return 0;
}
