/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The persistent binding cache on disk (NonVolatileBindingCache): one file,
 * DIR/bcache, in the format of bcache-store.h, under the unit's StateDirectory=
 * ($STATE_DIRECTORY, else /var/lib/mip6d).
 *
 * A change costs one append of one record (120 octets) with write(2) on an
 * O_APPEND descriptor: it is in the page cache when the call returns, so it
 * survives a crash of the daemon (SIGKILL, abort); fdatasync(2) runs at most
 * once per BCJ_SYNC_USEC for whatever was appended (the caller's timer calls
 * bcj_sync()), and at close. So a power loss loses at most that interval; no
 * change ever rewrites the file.
 *
 * Compaction replaces the file by one PUT per live binding, atomically: write
 * DIR/bcache.new, fsync it, rename(2) it over DIR/bcache, fsync DIR. A reader
 * sees the old file or the new one, never a mix. The caller compacts when
 * bcj_should_compact() says the file holds more than BCJ_COMPACT_FACTOR times
 * the live set (and at least BCJ_COMPACT_MIN records).
 *
 * Loading: a file that does not parse to its end (truncated, a bad CRC...) is
 * logged with the offset and the reason, renamed to DIR/bcache.corrupt-<unix
 * time>, and what was valid before the bad record is delivered: the caller then
 * compacts, which writes a new file from that.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/time-util.h"
#include "ha/bcache-store.h"

#define BCJ_DEFAULT_DIR "/var/lib/mip6d"
#define BCJ_FILE "bcache"
#define BCJ_SYNC_USEC (1 * USEC_PER_SEC)
#define BCJ_COMPACT_FACTOR 4
#define BCJ_COMPACT_MIN 1024

struct bcj;

/* The state directory: $STATE_DIRECTORY (its first entry) or BCJ_DEFAULT_DIR. */
const char *bcj_default_dir(void);
/* Open (create if missing, with DIR, mode 0700) DIR/bcache. */
int bcj_open(const char *dir, struct bcj **ret);
struct bcj *bcj_close(struct bcj *j);
/*
 * Replay the file into each(). Returns the number of records delivered (>= 0)
 * whether or not the file was intact (a corrupt one is moved aside and logged:
 * *ret_corrupt is set), or a negative errno when the file cannot be read.
 */
int bcj_load(struct bcj *j, int (*each)(const struct bcs_record *r, void *ud), void *ud, bool *ret_corrupt);
/* Append one record (no sync; see above). */
int bcj_append(struct bcj *j, const struct bcs_record *r);
/* fdatasync what was appended, if anything. */
int bcj_sync(struct bcj *j);
bool bcj_dirty(const struct bcj *j);
/* Records in the file now (after a load: those read; after a compaction: the live set). */
size_t bcj_records(const struct bcj *j);
bool bcj_should_compact(const struct bcj *j, size_t live);

/* Compaction: begin, one add per live binding, commit (or abort on error). */
int bcj_compact_begin(struct bcj *j);
int bcj_compact_add(struct bcj *j, const struct bcs_record *r);
int bcj_compact_commit(struct bcj *j);
const char *bcj_path(const struct bcj *j);
