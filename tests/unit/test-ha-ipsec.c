/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HA's MN–HA SPD fails closed (RFC 4877 §4.3, §7.2), driven through the
 * manager with a fake kernel: the entries are installed at start and a refusal
 * ends the start before READY; a reload that adds an IPsecPolicySet installs
 * its entries before the new configuration is swapped in, and a kernel refusal
 * undoes them and refuses the reload (old configuration, counted as failed);
 * a reload that drops a set deletes its entries; shutdown deletes what is
 * installed. Links are real, in a private network namespace (as test-ha).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "ha/ha.h"
#include "io/io.h"
#include "ipsec/spd.h"
#include "manager.h"
#include "mh/mh-codec.h"
#include "netlink/nl-kernel.h"
#include "event-loop.h"

#define HOA1 "2001:db8:1::100"
#define HOA2 "2001:db8:1::200"
#define MAX_KREQ 256

static struct {
	struct manager *m;
	char dir[64], conf[128], keys[128];
	uint16_t type[MAX_KREQ];
	struct knl_xfrm_policy pol[MAX_KREQ];
	unsigned n;
	struct in6_addr refuse; /* the kernel refuses an inbound policy from this HoA (:: = none) */
	unsigned delsa, newsa;  /* XFRM_MSG_DELSA / XFRM_MSG_NEWSA requests of the static ESP SAs */
	bool persist;           /* NonVolatileBindingCache in the configuration */
	struct {
		uint8_t buf[128];
		size_t len;
		struct in6_addr dst, rh2;
		bool has_rh2;
	} ba[16];
	unsigned n_ba;
} F;

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static int fake_kernel(int protocol, const uint8_t *msg, size_t len, void *ud)
{
	struct knl_event ev;
	uint16_t type;

	memcpy(&type, msg + 4, sizeof(type));
	if (protocol == NETLINK_XFRM && type == XFRM_MSG_DELSA && len >= NLMSG_HDRLEN + sizeof(struct xfrm_usersa_id)) {
		struct xfrm_usersa_id id;

		memcpy(&id, msg + NLMSG_HDRLEN, sizeof(id));
		F.delsa += id.proto == IPPROTO_ESP;
	}
	if (protocol == NETLINK_XFRM && type == XFRM_MSG_NEWSA && len >= NLMSG_HDRLEN + sizeof(struct xfrm_usersa_info)) {
		struct xfrm_usersa_info si;

		memcpy(&si, msg + NLMSG_HDRLEN, sizeof(si));
		F.newsa += si.id.proto == IPPROTO_ESP;
	}
	if (protocol != NETLINK_XFRM || knl_parse_xfrm(msg, len, &ev) != 1 || ev.type != KNL_EVENT_XFRM_POLICY)
		return 0;
	ck_assert_uint_lt(F.n, MAX_KREQ);
	F.type[F.n] = type;
	F.pol[F.n++] = ev.policy;
	if (type != XFRM_MSG_DELPOLICY && ev.policy.dir == XFRM_POLICY_IN &&
	    !IN6_IS_ADDR_UNSPECIFIED(&F.refuse) && IN6_ARE_ADDR_EQUAL(&ev.policy.sel.src, &F.refuse))
		return -EPERM;
	return 0;
}

static void capture(const struct io_sent *s, void *ud)
{
	if (s->proto != IPPROTO_MH || s->len < 12 || s->buf[2] != 6 || F.n_ba >= 16)
		return;
	memcpy(F.ba[F.n_ba].buf, s->buf, s->len < 128 ? s->len : 128);
	F.ba[F.n_ba].len = s->len;
	F.ba[F.n_ba].dst = s->dst;
	F.ba[F.n_ba].has_rh2 = s->has_rh2;
	if (s->has_rh2)
		F.ba[F.n_ba].rh2 = s->rh2;
	F.n_ba++;
}

/* The requests seen for HoA hoa's HomeRegBinding entries (selector HoA <-> HA, MH): type t. */
static unsigned count(uint16_t t, const char *hoa)
{
	struct in6_addr a = A(hoa);
	unsigned n = 0;

	for (unsigned i = 0; i < F.n; i++)
		n += F.type[i] == t && (IN6_ARE_ADDR_EQUAL(&F.pol[i].sel.src, &a) ||
					IN6_ARE_ADDR_EQUAL(&F.pol[i].sel.dst, &a));
	return n;
}

static void write_conf(bool two_sets)
{
	FILE *f = fopen(F.conf, "we");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "NodeConfig HA;\nInterface \"home0\";\nUseMnHaIPsec enabled;\nKeyManagement static;\n"
		   "StaticKeyFile \"%s\";\n"
		   "IPsecPolicySet { HomeAgentAddress 2001:db8:1::1; HomeAddress " HOA1 "/64; "
		   "IPsecPolicy HomeRegBinding UseESP 10 11; }\n%s",
		F.keys, F.persist ? "NonVolatileBindingCache enabled;\n" : "");
	if (two_sets)
		fprintf(f, "IPsecPolicySet { HomeAgentAddress 2001:db8:1::1; HomeAddress " HOA2 "/64; "
			   "IPsecPolicy HomeRegBinding UseESP 20 21; }\n");
	fclose(f);
}

static bool run_until(bool (*pred)(void), int ms)
{
	return loop_run_until(F.m->event, pred, ms);
}

static bool is_ready(void)
{
	return F.m->ready;
}

static bool reload_settled(void)
{
	return F.m->reload_pending == NULL;
}

static bool loop_exited(void)
{
	return sd_event_get_state(F.m->event) == SD_EVENT_FINISHED;
}

static void start_with(bool two_sets, bool persist)
{
	struct mip6_config *c = NULL;
	char *err = NULL;
	FILE *k;

	memset(&F, 0, sizeof(F));
	F.persist = persist;
	strcpy(F.dir, "/tmp/mip6-ha-ipsec-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(F.dir));
	snprintf(F.conf, sizeof(F.conf), "%s/ha.conf", F.dir);
	snprintf(F.keys, sizeof(F.keys), "%s/keys", F.dir);
	k = fopen(F.keys, "we");
	ck_assert_ptr_nonnull(k);
	fprintf(k, HOA1 " 2001:db8:1::1 0x1001 0x1002 rfc4106(gcm(aes)) "
		   "00112233445566778899aabbccddeeff01020304 ffeeddccbbaa99887766554433221100a0b0c0d0 128\n");
	fclose(k);
	ck_assert_int_eq(chmod(F.keys, 0600), 0);
	ck_assert_int_eq(setenv("STATE_DIRECTORY", F.dir, 1), 0);
	write_conf(two_sets);
	ck_assert_msg(conf_load_file(F.conf, &c, &err) == 0, "%s", err);
	ck_assert_int_eq(manager_new(&F.m, F.conf, NULL, c), 0);
	F.m->role = &ha_role_ops;
	ck_assert_int_eq(io_new_fake(F.m->event, &F.m->counters, capture, fake_kernel, NULL, &F.m->io), 0);
	ck_assert_int_eq(manager_start(F.m), 0);
}

static void start(bool two_sets)
{
	start_with(two_sets, false);
}

static void teardown(void)
{
	char cmd[128];

	F.m = manager_free(F.m);
	unsetenv("STATE_DIRECTORY");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", F.dir);
	ck_assert_int_eq(system(cmd), 0);
}

static bool covers(const char *hoa)
{
	struct spd_pair p;
	struct in6_addr a = A(hoa);

	return spd_lookup(F.m->config, &a, NULL, &p) > 0;
}

START_TEST(reload_adds_and_refuses)
{
	start(false);
	ck_assert(run_until(is_ready, 5000));
	ck_assert_uint_eq(count(XFRM_MSG_UPDPOLICY, HOA1), 2);
	/* The kernel refuses HoA2's inbound entry: the outbound one is undone, the old file stays. */
	write_conf(true);
	F.n = 0;
	F.refuse = A(HOA2);
	ck_assert_int_eq(manager_reload(F.m), 1);
	ck_assert(!covers(HOA2)); /* not swapped in before the kernel agreed */
	ck_assert(run_until(reload_settled, 5000));
	ck_assert_uint_eq(F.m->reload_failures, 1);
	ck_assert_uint_eq(F.m->reloads, 0);
	ck_assert(!covers(HOA2));
	ck_assert_uint_eq(count(XFRM_MSG_UPDPOLICY, HOA2), 2);
	ck_assert_uint_eq(count(XFRM_MSG_DELPOLICY, HOA2), 1);
	ck_assert_uint_eq(count(XFRM_MSG_UPDPOLICY, HOA1) + count(XFRM_MSG_DELPOLICY, HOA1), 0);
	/* The same reload once the kernel takes it: HoA1 untouched, HoA2 installed, swapped in. */
	F.n = 0;
	F.refuse = in6addr_any;
	ck_assert_int_eq(manager_reload(F.m), 1);
	ck_assert_int_eq(manager_reload(F.m), -EBUSY); /* one at a time */
	ck_assert(run_until(reload_settled, 5000));
	ck_assert_uint_eq(F.m->reloads, 1);
	ck_assert(covers(HOA2));
	ck_assert_uint_eq(count(XFRM_MSG_UPDPOLICY, HOA2), 2);
	ck_assert_uint_eq(count(XFRM_MSG_UPDPOLICY, HOA1) + count(XFRM_MSG_DELPOLICY, HOA1), 0);
	/* Dropping the set deletes its two entries, synchronously swapped after the kernel's ACKs. */
	write_conf(false);
	F.n = 0;
	ck_assert_int_eq(manager_reload(F.m), 1);
	ck_assert(run_until(reload_settled, 5000));
	ck_assert_uint_eq(F.m->reloads, 2);
	ck_assert_uint_eq(count(XFRM_MSG_DELPOLICY, HOA2), 2);
	ck_assert(!covers(HOA2));
}
END_TEST

/*
 * A BU (RFC 6275 §6.1.7) laid out by hand: Sequence # at 6, A|H at 8, Lifetime at 10;
 * with alt_coa an Alternate Care-of Address option (§6.2.5, type 3, length 16) at 8n+6
 * after a PadN of length 0, else a PadN of 2.
 */
static void send_bu(const char *coa, const char *alt_coa, uint16_t seq, uint16_t units)
{
	uint8_t b[32] = { 59, 1, 5, 0, 0, 0, (uint8_t)(seq >> 8), (uint8_t)seq, 0xc0, 0,
			  (uint8_t)(units >> 8), (uint8_t)units, 1, 2 };
	struct mh_rx_info rx = { .src = A(HOA1), .dst = A("2001:db8:1::1") };
	size_t len = 16;

	if (alt_coa) {
		struct in6_addr a = A(alt_coa);

		b[1] = 3;
		b[13] = 0;
		b[14] = 3;
		b[15] = 16;
		memcpy(b + 16, &a, 16);
		len = 32;
	}
	if (coa) {
		rx.has_hao = true;
		rx.hao = A(coa);
	}
	io_mh_input(F.m->io, b, len, &rx);
}

static unsigned want_ba;
static bool have_ba(void)
{
	return F.n_ba >= want_ba;
}

/* BA #k: status, sequence number, destination and type 2 routing header (NULL: none). */
static void check_ba(unsigned k, uint8_t status, uint16_t seq, const char *to, const char *rh2)
{
	struct in6_addr t = A(to);

	ck_assert_uint_gt(F.n_ba, k);
	ck_assert_uint_eq(F.ba[k].buf[6], status);
	ck_assert_uint_eq((F.ba[k].buf[8] << 8) | F.ba[k].buf[9], seq);
	ck_assert_msg(IN6_ARE_ADDR_EQUAL(&F.ba[k].dst, &t), "BA #%u not sent to %s", k, to);
	ck_assert_int_eq(F.ba[k].has_rh2, rh2 != NULL);
	if (rh2) {
		struct in6_addr r = A(rh2);
		ck_assert(IN6_ARE_ADDR_EQUAL(&F.ba[k].rh2, &r));
	}
}

/* The HA's binding cache as JSON (mip6ctl --json bc). */
static char *bc_json(void)
{
	char *argv[] = { (char *)"bc", NULL }, *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(F.m->role->ctl(F.m, 1, argv, true, f), 0);
	fclose(f);
	return buf;
}

START_TEST(alternate_coa_required)
{
	char *bc;

	start(false);
	ck_assert(run_until(is_ready, 5000));
	/* RFC 4877 §4.3: a protected BU from a CoA without the option: 128, to the BU's source. */
	send_bu("2001:db8:2::100", NULL, 10, 64);
	ck_assert_uint_eq(F.n_ba, 1);
	check_ba(0, 128, 10, "2001:db8:2::100", HOA1);
	bc = bc_json();
	ck_assert_msg(strstr(bc, HOA1) == NULL, "a binding without the option: %s", bc);
	free(bc);
	/* With it: the binding takes the option's CoA; the BA still goes to the source (§9.5.4). */
	send_bu("2001:db8:2::100", "2001:db8:3::100", 11, 64);
	want_ba = 2;
	ck_assert(run_until(have_ba, 5000));
	check_ba(1, 0, 11, "2001:db8:2::100", HOA1);
	bc = bc_json();
	ck_assert_msg(strstr(bc, "\"coa\":\"2001:db8:3::100\"") != NULL, "binding: %s", bc);
	free(bc);
	/* A deregistration from home needs none (RFC 4877 §4.3's exception): BA 0 to the HoA, no RH2. */
	send_bu(NULL, NULL, 12, 0);
	want_ba = 3;
	ck_assert(run_until(have_ba, 5000));
	check_ba(2, 0, 12, HOA1, NULL);
}
END_TEST

START_TEST(shutdown_deletes_what_is_installed)
{
	start(true);
	ck_assert(run_until(is_ready, 5000));
	/* The file changes on disk without a reload: shutdown still deletes HoA2's entries. */
	write_conf(false);
	F.n = 0;
	F.delsa = 0;
	ck_assert_int_eq(F.m->role->shutdown(F.m), 1);
	ck_assert(run_until(loop_exited, 5000));
	ck_assert_uint_eq(count(XFRM_MSG_DELPOLICY, HOA1), 2);
	ck_assert_uint_eq(count(XFRM_MSG_DELPOLICY, HOA2), 2);
	/* Manual keys are the HA's own SAs: HoA1's two go too (the key file has none for HoA2). */
	ck_assert_uint_eq(F.delsa, 2);
}
END_TEST

/*
 * Issue 11 item 2: with NonVolatileBindingCache a stop leaves the XFRM side to the next start —
 * no policy, no static SA deleted; a start adds the static SAs without deleting first (one the
 * kernel holds already, EEXIST, is kept as it is: its counters and sequence numbers too).
 */
START_TEST(shutdown_with_persistence_keeps_the_xfrm_side)
{
	start_with(true, true);
	ck_assert(run_until(is_ready, 5000));
	ck_assert_uint_eq(F.newsa, 2);
	ck_assert_uint_eq(F.delsa, 0);
	F.n = 0;
	F.delsa = 0;
	ck_assert_int_eq(F.m->role->shutdown(F.m), 0);
	loop_run_for(F.m->event, 100);
	ck_assert_uint_eq(F.n, 0);
	ck_assert_uint_eq(F.delsa, 0);
}
END_TEST

START_TEST(refused_install_fails_start)
{
	int code = 0;

	memset(&F.refuse, 0, sizeof(F.refuse));
	start(true);
	F.refuse = A(HOA2);
	ck_assert(run_until(loop_exited, 5000));
	ck_assert(!F.m->ready);
	ck_assert_int_ge(sd_event_get_exit_code(F.m->event, &code), 0);
	ck_assert_int_eq(code, -EPERM);
}
END_TEST

static int netns_setup(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	if (system("ip link set lo up && ip link add home0 type veth peer name home1 && "
		   "ip link set home0 up && ip link set home1 up && "
		   "ip -6 addr add 2001:db8:1::1/64 dev home0 nodad && "
		   "ip link add mip6tnl0 type bridge && "
		   "sysctl -qw net.ipv6.neigh.home0.retrans_time_ms=50") != 0)
		return -ENODEV;
	return 0;
}

int main(void)
{
	Suite *s = suite_create("ha-ipsec");
	TCase *tc = tcase_create("ha-ipsec");
	SRunner *sr;
	int failed;

	if (netns_setup() < 0) {
		fprintf(stderr, "test-ha-ipsec: no private network namespace with veth and bridge links here, skipped\n");
		return 77;
	}
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, reload_adds_and_refuses);
	tcase_add_test(tc, shutdown_deletes_what_is_installed);
	tcase_add_test(tc, shutdown_with_persistence_keeps_the_xfrm_side);
	tcase_add_test(tc, refused_install_fails_start);
	tcase_add_test(tc, alternate_coa_required);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
