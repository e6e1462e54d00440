/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Home Agents List (RFC 6275 §10.1, §10.5.1) and the order of a DHAAD Reply's
 * addresses (§10.5). Router Advertisements are laid out byte by byte here from
 * RFC 4861 §4.2 (header), §4.6.2 (Prefix Information) and RFC 6275 §7.1 (H bit),
 * §7.2 (R bit), §7.4 (Home Agent Information option), then parsed by ndisc_ra_parse().
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ha/ha-list.h"
#include "icmp6/ndisc.h"

#define SEC UINT64_C(1000000)

static struct in6_addr A(const char *s)
{
	struct in6_addr a;
	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

struct ra_bytes {
	uint8_t b[512];
	size_t len;
};

/* RFC 4861 §4.2: type 134, code 0, checksum, cur hop limit, M|O|H flags, router lifetime, timers. */
static void ra_start(struct ra_bytes *r, bool h, uint16_t router_lifetime)
{
	memset(r, 0, sizeof(*r));
	r->b[0] = 134;
	r->b[4] = 64;
	r->b[5] = h ? 0x20 : 0; /* RFC 6275 §7.1: H is the third bit */
	r->b[6] = (uint8_t)(router_lifetime >> 8);
	r->b[7] = (uint8_t)router_lifetime;
	r->len = 16;
}

/* RFC 6275 §7.4: type 8, length 1, reserved (16 bits), preference, lifetime. */
static void ra_ha_info(struct ra_bytes *r, uint16_t pref, uint16_t lifetime)
{
	uint8_t *o = r->b + r->len;

	o[0] = 8;
	o[1] = 1;
	o[4] = (uint8_t)(pref >> 8);
	o[5] = (uint8_t)pref;
	o[6] = (uint8_t)(lifetime >> 8);
	o[7] = (uint8_t)lifetime;
	r->len += 8;
}

/* RFC 4861 §4.6.2 with RFC 6275 §7.2's R bit (0x20): the Prefix field holds the router's address. */
static void ra_pio(struct ra_bytes *r, const char *addr, uint8_t plen, bool router_bit, uint32_t valid)
{
	uint8_t *o = r->b + r->len;
	struct in6_addr a = A(addr);

	o[0] = 3;
	o[1] = 4;
	o[2] = plen;
	o[3] = (uint8_t)(0x80 | 0x40 | (router_bit ? 0x20 : 0));
	o[4] = (uint8_t)(valid >> 24);
	o[5] = (uint8_t)(valid >> 16);
	o[6] = (uint8_t)(valid >> 8);
	o[7] = (uint8_t)valid;
	memcpy(o + 8, o + 4, 4); /* preferred = valid */
	memcpy(o + 16, &a, 16);
	r->len += 32;
}

static enum hal_ra_result feed(struct hal_link *l, const char *src, const struct ra_bytes *r, uint64_t now)
{
	struct ndisc_ra ra;
	struct in6_addr s = A(src);

	ck_assert_int_eq(ndisc_ra_parse(r->b, r->len, &ra), 0);
	return hal_on_ra(l, &s, &ra, now);
}

static bool EQ(const struct in6_addr *a, const char *s)
{
	struct in6_addr b = A(s);
	return IN6_ARE_ADDR_EQUAL(a, &b);
}

static uint32_t rnd_state;
static uint32_t lcg(void *userdata)
{
	(void)userdata;
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static struct hal_link L;

static void setup(void)
{
	memset(&L, 0, sizeof(L));
	rnd_state = 1;
}

/* §10.5.1: H set, HA Information option present: preference and lifetime from the option. */
START_TEST(ra_with_ha_info_creates_entry)
{
	struct ra_bytes r;

	ra_start(&r, true, 1800);
	ra_ha_info(&r, 20, 600);
	ra_pio(&r, "2001:db8:1::2", 64, true, 3600);
	ra_pio(&r, "2001:db8:1::", 64, false, 3600); /* no R bit: not an address of the HA */
	ck_assert_int_eq(feed(&L, "fe80::2", &r, 10 * SEC), HAL_RA_ADDED);
	ck_assert_uint_eq(L.n_agents, 1);
	ck_assert_uint_eq(L.agents[0].preference, 20);
	ck_assert_uint_eq(L.agents[0].expires_us, 610 * SEC);
	ck_assert_uint_eq(L.agents[0].n_addrs, 1);
	ck_assert(EQ(&L.agents[0].addrs[0].addr, "2001:db8:1::2"));
	ck_assert_uint_eq(L.agents[0].addrs[0].expires_us, 3610 * SEC);
}
END_TEST

/* RFC 4291 §2.6.1: an R-bit prefix with a zero interface identifier (radvd's bare
 * prefix) is the Subnet-Router anycast address, not the agent's address. */
START_TEST(zero_interface_id_is_not_an_address)
{
	struct ra_bytes r;

	ra_start(&r, true, 1800);
	ra_pio(&r, "2001:db8:1::", 64, true, 3600);
	ra_pio(&r, "2001:db8:2:0:8000::", 65, true, 3600); /* zero after bit 65 */
	ra_pio(&r, "2001:db8:3::1", 64, true, 3600);     /* the agent's own address */
	ra_pio(&r, "2001:db8:4::1", 128, true, 3600);    /* /128: the whole address */
	ck_assert_int_eq(feed(&L, "fe80::2", &r, 10 * SEC), HAL_RA_ADDED);
	ck_assert_uint_eq(L.agents[0].n_addrs, 2);
	ck_assert(EQ(&L.agents[0].addrs[0].addr, "2001:db8:3::1"));
	ck_assert(EQ(&L.agents[0].addrs[1].addr, "2001:db8:4::1"));
}
END_TEST

/* §10.5.1: without the option, preference 0 and the router lifetime. */
START_TEST(ra_without_ha_info_uses_router_lifetime)
{
	struct ra_bytes r;

	ra_start(&r, true, 90);
	ra_pio(&r, "2001:db8:1::3", 64, true, 3600);
	ck_assert_int_eq(feed(&L, "fe80::3", &r, 0), HAL_RA_ADDED);
	ck_assert_uint_eq(L.agents[0].preference, 0);
	ck_assert_uint_eq(L.agents[0].expires_us, 90 * SEC);
	/* the next RA resets lifetime and preference */
	ra_start(&r, true, 90);
	ra_ha_info(&r, 7, 300);
	ck_assert_int_eq(feed(&L, "fe80::3", &r, 50 * SEC), HAL_RA_UPDATED);
	ck_assert_uint_eq(L.agents[0].preference, 7);
	ck_assert_uint_eq(L.agents[0].expires_us, 350 * SEC);
	ck_assert_uint_eq(L.agents[0].n_addrs, 1); /* kept: no PIO said otherwise */
}
END_TEST

/* §10.5.1: H clear deletes the sender's entry; HA lifetime 0 deletes it at once. */
START_TEST(h_clear_or_lifetime_zero_deletes)
{
	struct ra_bytes r;

	ra_start(&r, true, 1800);
	ck_assert_int_eq(feed(&L, "fe80::2", &r, 0), HAL_RA_ADDED);
	ck_assert_int_eq(feed(&L, "fe80::4", &r, 0), HAL_RA_ADDED);
	ra_start(&r, false, 1800);
	ck_assert_int_eq(feed(&L, "fe80::2", &r, SEC), HAL_RA_NOT_HA);
	ck_assert_uint_eq(L.n_agents, 1);
	ck_assert(EQ(&L.agents[0].lladdr, "fe80::4"));
	/* an option lifetime of 0 is forbidden (§7.4) and counts as absent: the router lifetime rules */
	ra_start(&r, true, 1800);
	ra_ha_info(&r, 1, 0);
	ck_assert_int_eq(feed(&L, "fe80::4", &r, SEC), HAL_RA_UPDATED);
	ck_assert_uint_eq(L.agents[0].expires_us, 1801 * SEC);
	ra_start(&r, true, 0);
	ck_assert_int_eq(feed(&L, "fe80::4", &r, SEC), HAL_RA_REMOVED);
	ck_assert_uint_eq(L.n_agents, 0);
	/* lifetime 0 for an unknown agent creates nothing */
	ck_assert_int_eq(feed(&L, "fe80::5", &r, SEC), HAL_RA_NOT_HA);
	ck_assert_uint_eq(L.n_agents, 0);
}
END_TEST

/* §10.5.1: entries and addresses are deleted when their lifetimes end. */
START_TEST(expiry_of_agents_and_addresses)
{
	struct ra_bytes r;

	ra_start(&r, true, 1800);
	ra_ha_info(&r, 0, 100);
	ra_pio(&r, "2001:db8:1::2", 64, true, 30);
	ra_pio(&r, "2001:db8:2::2", 64, true, 60);
	ck_assert_int_eq(feed(&L, "fe80::2", &r, 0), HAL_RA_ADDED);
	ck_assert_uint_eq(hal_next_expiry(&L), 30 * SEC);
	ck_assert_uint_eq(hal_expire(&L, 30 * SEC), 0);
	ck_assert_uint_eq(L.agents[0].n_addrs, 1);
	ck_assert(EQ(&L.agents[0].addrs[0].addr, "2001:db8:2::2"));
	ck_assert_uint_eq(hal_next_expiry(&L), 60 * SEC);
	ck_assert_uint_eq(hal_expire(&L, 100 * SEC), 1);
	ck_assert_uint_eq(L.n_agents, 0);
	ck_assert_uint_eq(hal_next_expiry(&L), UINT64_MAX);
}
END_TEST

/* A valid lifetime of 0 in an R-bit PIO withdraws that address. */
START_TEST(pio_valid_zero_withdraws_address)
{
	struct ra_bytes r;

	ra_start(&r, true, 1800);
	ra_pio(&r, "2001:db8:1::2", 64, true, 3600);
	ra_pio(&r, "2001:db8:2::2", 64, true, 3600);
	ck_assert_int_eq(feed(&L, "fe80::2", &r, 0), HAL_RA_ADDED);
	ra_start(&r, true, 1800);
	ra_pio(&r, "2001:db8:1::2", 64, true, 0);
	ck_assert_int_eq(feed(&L, "fe80::2", &r, SEC), HAL_RA_UPDATED);
	ck_assert_uint_eq(L.agents[0].n_addrs, 1);
	ck_assert(EQ(&L.agents[0].addrs[0].addr, "2001:db8:2::2"));
}
END_TEST

/* The self entry never expires; its own RA gives it its preference and nothing else. */
START_TEST(self_entry)
{
	struct in6_addr g = A("2001:db8:1::1"), g2[2] = { A("2001:db8:1::1"), A("2001:db8:2::1") },
			ll = A("fe80::1");
	struct ra_bytes r;

	ck_assert_int_eq(hal_set_self(&L, &ll, &g, 1), 0);
	ck_assert_uint_eq(L.agents[0].preference, 0);
	ra_start(&r, true, 1800);
	ra_ha_info(&r, 9, 100);
	ra_pio(&r, "2001:db8:9::1", 64, true, 10);
	ck_assert_int_eq(feed(&L, "fe80::1", &r, 0), HAL_RA_SELF);
	ck_assert_uint_eq(L.agents[0].preference, 9);
	ck_assert_uint_eq(L.agents[0].n_addrs, 1);
	ck_assert_uint_eq(L.agents[0].expires_us, UINT64_MAX);
	/* new own addresses keep the preference heard */
	ck_assert_int_eq(hal_set_self(&L, &ll, g2, 2), 0);
	ck_assert_uint_eq(L.agents[0].preference, 9);
	ck_assert_uint_eq(L.agents[0].n_addrs, 2);
	ra_start(&r, false, 0);
	ck_assert_int_eq(feed(&L, "fe80::1", &r, 0), HAL_RA_NOT_HA);
	ck_assert_uint_eq(L.n_agents, 1);
	ck_assert_uint_eq(hal_expire(&L, UINT64_MAX - 1), 0);
	ck_assert_uint_eq(L.n_agents, 1);
}
END_TEST

/* Bounded: a new agent beyond HAL_MAX_AGENTS is refused, the table does not grow. */
START_TEST(list_full_refuses)
{
	struct ra_bytes r;
	char src[64];

	ra_start(&r, true, 1800);
	for (int i = 0; i < HAL_MAX_AGENTS; i++) {
		snprintf(src, sizeof(src), "fe80::%x", i + 16);
		ck_assert_int_eq(feed(&L, src, &r, 0), HAL_RA_ADDED);
	}
	ck_assert_int_eq(feed(&L, "fe80::ffff", &r, 0), HAL_RA_FULL);
	ck_assert_uint_eq(L.n_agents, HAL_MAX_AGENTS);
}
END_TEST

static int position(const struct in6_addr *v, size_t n, const char *s)
{
	struct in6_addr a = A(s);

	for (size_t i = 0; i < n; i++)
		if (IN6_ARE_ADDR_EQUAL(&v[i], &a))
			return (int)i;
	return -1;
}

/* §10.5: decreasing preference; equal preferences in an order that varies between Replies. */
START_TEST(reply_order)
{
	struct in6_addr g = A("2001:db8:1::1"), ll = A("fe80::1"), out[NDISC_DHAAD_MAX_ADDRS];
	struct ra_bytes r;
	bool b_first = false, c_first = false;

	ck_assert_int_eq(hal_set_self(&L, &ll, &g, 1), 0);
	ra_start(&r, true, 1800);
	ra_ha_info(&r, 10, 1000);
	feed(&L, "fe80::1", &r, 0); /* our own RA: preference 10 */
	ra_start(&r, true, 1800);
	ra_ha_info(&r, 20, 1000);
	ra_pio(&r, "2001:db8:1::a", 64, true, 3600);
	feed(&L, "fe80::a", &r, 0);
	ra_start(&r, true, 1800);
	ra_ha_info(&r, 5, 1000);
	ra_pio(&r, "2001:db8:1::b", 64, true, 3600);
	feed(&L, "fe80::b", &r, 0);
	ra_start(&r, true, 1800);
	ra_ha_info(&r, 5, 1000);
	ra_pio(&r, "2001:db8:1::c", 64, true, 3600);
	feed(&L, "fe80::c", &r, 0);
	for (int k = 0; k < 64; k++) {
		size_t n = hal_reply_addrs(&L, SEC, false, out, NDISC_DHAAD_MAX_ADDRS, lcg, NULL);

		ck_assert_uint_eq(n, 4);
		ck_assert_int_eq(position(out, n, "2001:db8:1::a"), 0);
		ck_assert_int_eq(position(out, n, "2001:db8:1::1"), 1);
		ck_assert_int_ge(position(out, n, "2001:db8:1::b"), 2);
		ck_assert_int_ge(position(out, n, "2001:db8:1::c"), 2);
		b_first |= position(out, n, "2001:db8:1::b") == 2;
		c_first |= position(out, n, "2001:db8:1::c") == 2;
	}
	ck_assert(b_first && c_first);
	/* cut to max, the highest preferences kept */
	ck_assert_uint_eq(hal_reply_addrs(&L, SEC, false, out, 2, lcg, NULL), 2);
	ck_assert_int_eq(position(out, 2, "2001:db8:1::a"), 0);
	ck_assert_int_eq(position(out, 2, "2001:db8:1::1"), 1);
	/* an expired agent is not listed even before hal_expire ran */
	ck_assert_int_eq(position(out, hal_reply_addrs(&L, 1001 * SEC, false, out, NDISC_DHAAD_MAX_ADDRS, lcg, NULL),
				  "2001:db8:1::a"),
			 -1);
}
END_TEST

/* RFC 3963 §7.2: with the R flag only agents that serve mobile routers are listed. */
START_TEST(reply_mobile_routers_only)
{
	struct in6_addr out[4];
	struct ra_bytes r;

	ra_start(&r, true, 1800);
	ra_ha_info(&r, 1, 1000);
	r.b[r.len - 6] = 0x80; /* RFC 3963 §7.3: the R bit, first bit of the option's third octet */
	ra_pio(&r, "2001:db8:1::a", 64, true, 3600);
	feed(&L, "fe80::a", &r, 0);
	ra_start(&r, true, 1800);
	ra_pio(&r, "2001:db8:1::b", 64, true, 3600);
	feed(&L, "fe80::b", &r, 0);
	ck_assert_uint_eq(hal_reply_addrs(&L, 0, true, out, 4, lcg, NULL), 1);
	ck_assert(EQ(&out[0], "2001:db8:1::a"));
	ck_assert_uint_eq(hal_reply_addrs(&L, 0, false, out, 4, lcg, NULL), 2);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ha-list");
	TCase *t = tcase_create("core");

	tcase_add_checked_fixture(t, setup, NULL);
	tcase_add_test(t, ra_with_ha_info_creates_entry);
	tcase_add_test(t, ra_without_ha_info_uses_router_lifetime);
	tcase_add_test(t, zero_interface_id_is_not_an_address);
	tcase_add_test(t, h_clear_or_lifetime_zero_deletes);
	tcase_add_test(t, expiry_of_agents_and_addresses);
	tcase_add_test(t, pio_valid_zero_withdraws_address);
	tcase_add_test(t, self_entry);
	tcase_add_test(t, list_full_refuses);
	tcase_add_test(t, reply_order);
	tcase_add_test(t, reply_mobile_routers_only);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
