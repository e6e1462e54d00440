/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The persistent binding cache: the file format (src/ha/bcache-store.h) from
 * bytes laid out by hand, malformed files, and the journal on a real file
 * (append, replay, compaction, a corrupt file moved aside), with the cost of
 * a change and of a compaction at 10,000 bindings printed (the numbers in
 * doc/architecture.md come from here).
 */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/time-util.h"
#include "ha/bcache-journal.h"
#include "ha/bcache-store.h"

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static struct in6_addr tmp_addr;
#define AP(s) (tmp_addr = A(s), &tmp_addr)

static struct in6_addr hoa_n(uint32_t n)
{
	struct in6_addr a = A("2001:db8:1::");

	a.s6_addr[12] = (uint8_t)(n >> 24);
	a.s6_addr[13] = (uint8_t)(n >> 16);
	a.s6_addr[14] = (uint8_t)(n >> 8);
	a.s6_addr[15] = (uint8_t)n;
	return a;
}

#define MAXREC 32
struct got {
	struct bcs_record r[MAXREC];
	size_t n;
};

static int collect(const struct bcs_record *r, void *ud)
{
	struct got *g = ud;

	ck_assert_uint_lt(g->n, MAXREC);
	g->r[g->n++] = *r;
	return 0;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* The header by hand: "MIP6BC\r\n", version 1, reserved 0, CRC-32 of those 12 octets. */
static size_t hand_header(uint8_t *b)
{
	memcpy(b, "MIP6BC\r\n\0\1\0\0", 12);
	put_be(b + 12, bcs_crc32(b, 12), 4);
	return 16;
}

/* A PUT by hand after the layout in bcache-store.h. */
static size_t hand_put(uint8_t *b, const char *hoa, const char *coa, uint16_t seq, uint64_t exp)
{
	struct in6_addr h = A(hoa), c = A(coa), l = A("2001:db8:1::1");

	memset(b, 0, BCS_PUT_LEN);
	b[0] = 1, b[1] = 1, b[2] = 0, b[3] = 120;
	memcpy(b + 4, &h, 16);
	memcpy(b + 20, &c, 16);
	memcpy(b + 36, &l, 16);
	memcpy(b + 52, &c, 16);
	put_be(b + 84, seq, 2);
	put_be(b + 86, 0xc000, 2);
	put_be(b + 88, 600, 4);
	put_be(b + 92, exp, 8);
	put_be(b + 100, exp - 600000000ULL, 8);
	put_be(b + 108, 7, 4);
	b[112] = 1;
	put_be(b + 116, bcs_crc32(b, 116), 4);
	return BCS_PUT_LEN;
}

static size_t hand_del(uint8_t *b, const char *hoa)
{
	struct in6_addr h = A(hoa);

	b[0] = 2, b[1] = 1, b[2] = 0, b[3] = 24;
	memcpy(b + 4, &h, 16);
	put_be(b + 20, bcs_crc32(b, 20), 4);
	return BCS_DEL_LEN;
}

START_TEST(crc32_check_value)
{
	/* The standard check value of CRC-32/ISO-HDLC. */
	ck_assert_uint_eq(bcs_crc32((const uint8_t *)"123456789", 9), 0xcbf43926U);
}
END_TEST

START_TEST(parse_hand_made_file)
{
	uint8_t f[512];
	size_t len = hand_header(f), good;
	const char *why;
	struct got g = { .n = 0 };

	len += hand_put(f + len, "2001:db8:1::100", "2001:db8:2::100", 42, 1700000000000000ULL);
	len += hand_del(f + len, "2001:db8:1::100");
	ck_assert_int_eq(bcs_parse(f, len, collect, &g, &good, &why), 0);
	ck_assert_uint_eq(good, len);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_uint_eq(g.r[0].type, BCS_PUT);
	ck_assert_uint_eq(g.r[0].seq, 42);
	ck_assert_uint_eq(g.r[0].bu_flags, 0xc000);
	ck_assert_uint_eq(g.r[0].lifetime_sec, 600);
	ck_assert_uint_eq(g.r[0].expires_rt, 1700000000000000ULL);
	ck_assert_uint_eq(g.r[0].ifindex, 7);
	ck_assert_uint_eq(g.r[0].flags, BCS_F_LL_PROXY);
	ck_assert_mem_eq(&g.r[0].coa, AP("2001:db8:2::100"), 16);
	ck_assert_uint_eq(g.r[1].type, BCS_DEL);
	ck_assert_mem_eq(&g.r[1].hoa, AP("2001:db8:1::100"), 16);
}
END_TEST

START_TEST(builder_matches_the_layout)
{
	uint8_t hand[BCS_PUT_LEN], built[BCS_PUT_LEN], h1[16], h2[16];
	struct bcs_record r = { .type = BCS_PUT, .hoa = A("2001:db8:1::100"), .coa = A("2001:db8:2::100"),
				.local = A("2001:db8:1::1"), .ba_dst = A("2001:db8:2::100"), .seq = 42,
				.bu_flags = 0xc000, .lifetime_sec = 600, .expires_rt = 1700000000000000ULL,
				.registered_rt = 1700000000000000ULL - 600000000ULL, .ifindex = 7,
				.flags = BCS_F_LL_PROXY };

	hand_put(hand, "2001:db8:1::100", "2001:db8:2::100", 42, 1700000000000000ULL);
	ck_assert_int_eq(bcs_record_build(&r, built, sizeof(built)), BCS_PUT_LEN);
	ck_assert_mem_eq(hand, built, BCS_PUT_LEN);
	ck_assert_int_eq(bcs_record_build(&r, built, BCS_PUT_LEN - 1), -ENOBUFS);
	r.type = 9;
	ck_assert_int_eq(bcs_record_build(&r, built, sizeof(built)), -EINVAL);
	hand_header(h1);
	ck_assert_uint_eq(bcs_header_build(h2), 16);
	ck_assert_mem_eq(h1, h2, 16);
}
END_TEST

/* Every malformed case: the valid prefix is delivered, the reason names the fault. */
START_TEST(malformed_files)
{
	uint8_t f[512], m[512];
	size_t len = hand_header(f), rec1, good;
	const char *why;
	struct got g;

	rec1 = len + hand_put(f + len, "2001:db8:1::100", "2001:db8:2::100", 1, 1700000000000000ULL);
	len = rec1 + hand_put(f + rec1, "2001:db8:1::200", "2001:db8:2::200", 2, 1700000000000000ULL);
	/* Truncated anywhere in the second record: the first survives. */
	for (size_t cut = rec1 + 1; cut < len; cut++) {
		g.n = 0;
		ck_assert_int_eq(bcs_parse(f, cut, collect, &g, &good, &why), -EBADMSG);
		ck_assert_uint_eq(good, rec1);
		ck_assert_uint_eq(g.n, 1);
		ck_assert_ptr_nonnull(why);
	}
	/* Truncated header, bad magic, unknown version, bad header CRC: nothing. */
	for (size_t cut = 0; cut < 16; cut++) {
		g.n = 0;
		ck_assert_int_eq(bcs_parse(f, cut, collect, &g, &good, &why), -EBADMSG);
		ck_assert_uint_eq(good, 0);
		ck_assert_uint_eq(g.n, 0);
	}
	for (size_t at = 0; at < 16; at++) {
		memcpy(m, f, len);
		m[at] ^= 0x01;
		g.n = 0;
		ck_assert_int_eq(bcs_parse(m, len, collect, &g, &good, &why), -EBADMSG);
		ck_assert_uint_eq(g.n, 0);
	}
	/* One flipped bit anywhere in the second record: CRC, length, type or version fault. */
	for (size_t at = rec1; at < len; at++) {
		memcpy(m, f, len);
		m[at] ^= 0x10;
		g.n = 0;
		ck_assert_int_eq(bcs_parse(m, len, collect, &g, &good, &why), -EBADMSG);
		ck_assert_uint_eq(good, rec1);
		ck_assert_uint_eq(g.n, 1);
	}
	/* A length field of 0 (no progress) and of 0xffff. */
	memcpy(m, f, len);
	m[rec1 + 2] = 0, m[rec1 + 3] = 0;
	ck_assert_int_eq(bcs_parse(m, len, collect, &g, &good, &why), -EBADMSG);
	ck_assert_str_eq(why, "bad record length");
	m[rec1 + 2] = 0xff, m[rec1 + 3] = 0xff;
	ck_assert_int_eq(bcs_parse(m, len, collect, &g, &good, &why), -EBADMSG);
	ck_assert_str_eq(why, "truncated record");
	/* Reserved bits set with a valid CRC. */
	memcpy(m, f, len);
	m[rec1 + 113] = 1;
	put_be(m + rec1 + 116, bcs_crc32(m + rec1, 116), 4);
	ck_assert_int_eq(bcs_parse(m, len, collect, &g, &good, &why), -EBADMSG);
	ck_assert_uint_eq(good, rec1);
	/* A DEL-sized record claiming to be a PUT. */
	memcpy(m, f, rec1);
	hand_del(m + rec1, "2001:db8:1::100");
	m[rec1] = 1;
	put_be(m + rec1 + 20, bcs_crc32(m + rec1, 20), 4);
	ck_assert_int_eq(bcs_parse(m, rec1 + 24, collect, &g, &good, &why), -EBADMSG);
	ck_assert_str_eq(why, "unknown record type or length");
}
END_TEST

static char dir[64];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-bcache-store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rm_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int count_each(const struct bcs_record *r, void *ud)
{
	size_t *live = ud;

	/* HoAs 0..n-1 in the test: index by the last two octets. */
	live[r->hoa.s6_addr[14] << 8 | r->hoa.s6_addr[15]] = r->type == BCS_PUT ? r->seq : 0;
	return 0;
}

START_TEST(journal_append_replay_compact)
{
	static size_t seen[65536];
	struct bcj *j;
	bool corrupt;
	struct bcs_record r = { .type = BCS_PUT, .coa = A("2001:db8:2::1"), .lifetime_sec = 600 };

	mkdir_tmp();
	ck_assert_int_eq(bcj_open(dir, &j), 0);
	for (uint32_t i = 0; i < 100; i++) {
		r.hoa = hoa_n(i);
		r.seq = (uint16_t)(i + 1);
		ck_assert_int_eq(bcj_append(j, &r), 0);
	}
	r.type = BCS_DEL;
	r.hoa = hoa_n(5);
	ck_assert_int_eq(bcj_append(j, &r), 0);
	ck_assert(bcj_dirty(j));
	ck_assert_int_eq(bcj_sync(j), 0);
	ck_assert(!bcj_dirty(j));
	ck_assert_uint_eq(bcj_records(j), 101);
	j = bcj_close(j);

	memset(seen, 0, sizeof(seen));
	ck_assert_int_eq(bcj_open(dir, &j), 0);
	ck_assert_int_eq(bcj_load(j, count_each, seen, &corrupt), 101);
	ck_assert(!corrupt);
	ck_assert_uint_eq(seen[4], 5);
	ck_assert_uint_eq(seen[5], 0);
	ck_assert_uint_eq(seen[99], 100);
	/* Compaction: one PUT per live binding, atomically. */
	ck_assert_int_eq(bcj_compact_begin(j), 0);
	r.type = BCS_PUT;
	r.hoa = hoa_n(7), r.seq = 700;
	ck_assert_int_eq(bcj_compact_add(j, &r), 0);
	ck_assert_int_eq(bcj_compact_commit(j), 0);
	ck_assert_uint_eq(bcj_records(j), 1);
	r.hoa = hoa_n(8), r.seq = 800;
	ck_assert_int_eq(bcj_append(j, &r), 0); /* appends go to the new file */
	j = bcj_close(j);
	memset(seen, 0, sizeof(seen));
	ck_assert_int_eq(bcj_open(dir, &j), 0);
	ck_assert_int_eq(bcj_load(j, count_each, seen, &corrupt), 2);
	ck_assert_uint_eq(seen[7], 700);
	ck_assert_uint_eq(seen[8], 800);
	ck_assert_uint_eq(seen[99], 0);
	j = bcj_close(j);
	rm_tmp();
}
END_TEST

/* A file cut in the middle of a record: logged, moved aside, what was valid is kept. */
START_TEST(journal_truncated_file_moved_aside)
{
	static size_t seen[65536];
	char path[128];
	struct bcj *j;
	bool corrupt;
	struct bcs_record r = { .type = BCS_PUT, .coa = A("2001:db8:2::1"), .lifetime_sec = 600 };
	struct dirent *de;
	DIR *d;
	int aside = 0;

	mkdir_tmp();
	ck_assert_int_eq(bcj_open(dir, &j), 0);
	for (uint32_t i = 0; i < 10; i++) {
		r.hoa = hoa_n(i);
		r.seq = (uint16_t)(i + 1);
		ck_assert_int_eq(bcj_append(j, &r), 0);
	}
	j = bcj_close(j);
	snprintf(path, sizeof(path), "%s/bcache", dir);
	ck_assert_int_eq(truncate(path, 16 + 5 * 120 + 60), 0); /* half of the sixth record */
	memset(seen, 0, sizeof(seen));
	ck_assert_int_eq(bcj_open(dir, &j), 0);
	ck_assert_int_eq(bcj_load(j, count_each, seen, &corrupt), 5);
	ck_assert(corrupt);
	ck_assert_uint_eq(seen[4], 5);
	ck_assert_uint_eq(seen[5], 0);
	ck_assert_uint_eq(bcj_records(j), 0);
	j = bcj_close(j);
	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)))
		aside += strncmp(de->d_name, "bcache.corrupt-", 15) == 0;
	closedir(d);
	ck_assert_int_eq(aside, 1);
	/* The new file is a valid empty one. */
	ck_assert_int_eq(bcj_open(dir, &j), 0);
	ck_assert_int_eq(bcj_load(j, count_each, seen, &corrupt), 0);
	ck_assert(!corrupt);
	j = bcj_close(j);
	rm_tmp();
}
END_TEST

/* 10,000 bindings: the cost of one change (an append) and of a compaction. */
START_TEST(journal_cost_at_10k)
{
	enum { N = 10000 };
	static size_t seen[65536];
	struct bcj *j;
	bool corrupt;
	struct bcs_record r = { .type = BCS_PUT, .coa = A("2001:db8:2::1"), .lifetime_sec = 600 };
	usec_t t0, t_append, t_compact, t_load;

	mkdir_tmp();
	ck_assert_int_eq(bcj_open(dir, &j), 0);
	t0 = now_usec();
	for (uint32_t i = 0; i < 2 * N; i++) {
		r.hoa = hoa_n(i % N);
		r.seq = (uint16_t)(i + 1);
		ck_assert_int_eq(bcj_append(j, &r), 0);
	}
	t_append = now_usec() - t0;
	ck_assert_int_eq(bcj_sync(j), 0);
	t0 = now_usec();
	ck_assert_int_eq(bcj_compact_begin(j), 0);
	for (uint32_t i = 0; i < N; i++) {
		r.hoa = hoa_n(i);
		r.seq = (uint16_t)(N + i + 1);
		ck_assert_int_eq(bcj_compact_add(j, &r), 0);
	}
	ck_assert_int_eq(bcj_compact_commit(j), 0);
	t_compact = now_usec() - t0;
	j = bcj_close(j);
	memset(seen, 0, sizeof(seen));
	t0 = now_usec();
	ck_assert_int_eq(bcj_open(dir, &j), 0);
	ck_assert_int_eq(bcj_load(j, count_each, seen, &corrupt), N);
	t_load = now_usec() - t0;
	ck_assert_uint_eq(seen[N - 1], 2 * N);
	ck_assert_uint_eq(bcj_should_compact(j, N), false);
	j = bcj_close(j);
	fprintf(stderr, "bcache journal at %d bindings: %.2f us per change (append), compaction %.1f ms "
			"(write + fsync + rename, %d octets), load %.1f ms\n",
		N, (double)t_append / (2 * N), (double)t_compact / 1000, 16 + N * BCS_PUT_LEN, (double)t_load / 1000);
	rm_tmp();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bcache-store");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, crc32_check_value);
	tcase_add_test(tc, parse_hand_made_file);
	tcase_add_test(tc, builder_matches_the_layout);
	tcase_add_test(tc, malformed_files);
	tcase_add_test(tc, journal_append_replay_compact);
	tcase_add_test(tc, journal_truncated_file_moved_aside);
	tcase_add_test(tc, journal_cost_at_10k);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
