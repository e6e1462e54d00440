/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mobile node role driven through its real handlers with fake I/O (src/io
 * fakes: the sends are captured, received bytes take the shared receive path,
 * the kernel under the netlink layer acknowledges everything) and a fake key
 * manager (km_backend_override) that holds every MIGRATE until the test
 * completes it. Movement comes as Router Advertisement bytes (RFC 4861 §4.2),
 * the HA's answer as BA bytes (RFC 6275 §6.1.8), both laid out by hand. The
 * links are real, in a private network namespace (a veth as the MN's
 * interface, a bridge standing in for the tunnel device).
 *
 * Covered: K=1 (the IKE SA follows the CoA before the BU: MIGRATE from where
 * the SAs are, the BU with K only after it, RFC 4877 §7.4, RFC 6275 §11.7.1);
 * K=0 in the BA (the IKE SA is renewed from the new CoA); two moves in quick
 * succession with the first MIGRATE still running: its late completion
 * starts no BU; one MIGRATE chain at a time, one BU, from the last CoA.
 * Restart while away (issue 11 item 3): started on a foreign link over the
 * kernel state a crashed instance left (tunnel and rule there, the HoA not on
 * the interface), the MN keeps its HoA, registers the CoA it finds without a
 * deregistration first, and takes the HA's sequence number from a 135.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "icmp6/icmp6-socket.h"
#include "io/io.h"
#include "ipsec/spd.h"
#include "km-backend.h"
#include "manager.h"
#include "mn/mn.h"
#include "mn/mn-dhaad.h"
#include "cn/rr-keygen.h"
#include "netlink/nl-kernel.h"
#include "event-loop.h"
#include "ike-event.h"
#include <json-c/json.h>

#define HOA "2001:db8:1::100"
#define HA_ADDR "2001:db8:1::1"
#define HA2_ADDR "2001:db8:1::2"
#define HA3_ADDR "2001:db8:1::3"
/* mn0's MAC 02:00:00:00:01:00 -> interface identifier 0000:00ff:fe00:0100 (RFC 4291 App. A) */
#define COA1 "2001:db8:2::ff:fe00:100"
#define COA2 "2001:db8:3::ff:fe00:100"
#define MAX_SENT 2048

struct sent {
	int proto;
	usec_t at;
	unsigned n_ro; /* F.n_ro when it was sent: which XFRM requests naming the CN came before */
	uint8_t buf[128];
	size_t len;
	struct in6_addr src, dst;
};

static struct {
	struct manager *m;
	struct sent sent[MAX_SENT];
	unsigned n_sent;
	unsigned upd_policies; /* XFRM_MSG_UPDPOLICY requests the fake kernel saw */
	unsigned leftover_hits; /* requests answered as the crashed instance's kernel state would */
	unsigned new_hoa_addrs; /* RTM_NEWADDR of the HoA */
	/* XFRM requests naming the correspondent CN_ADDR (route optimisation's data path) */
	struct ro_req {
		uint16_t type;      /* XFRM_MSG_NEWSA, DELSA, UPDPOLICY, DELPOLICY */
		uint8_t proto;      /* state: id.proto */
		uint8_t sel_proto;  /* policy: the selector's protocol, 0 any */
		uint16_t sel_type;  /* policy: MH type in sport, 0 none */
		uint8_t dir;        /* policy */
		uint8_t n_tmpl;     /* UPDPOLICY */
		uint32_t priority;  /* UPDPOLICY */
		struct in6_addr coaddr; /* NEWSA: XFRMA_COADDR */
	} ro[64];
	unsigned n_ro;
	int fail_ro_sa; /* NEWSA naming the CN answered with this error (0: accepted) */
	/* XFRM policies installed minus deleted whose selector names HA_ADDR / HA2_ADDR */
	int pol_ha, pol_ha2;
	/* at the first BU to HA2_ADDR: its policies and the key manager's ups so far */
	int pol_ha2_at_bu;
	unsigned ups_at_bu2;
	bool bu2_seen;
	/*
	 * The learning trigger's policies (sel src HOA; dst ::/0, or HA_ADDR with any protocol):
	 * requests in order (type, the selector's protocol and prefix, priority) and the trigger's
	 * last UPDPOLICY as sent; trig_live: installed minus deleted.
	 */
	struct trig_req {
		uint16_t type;
		uint8_t sel_proto, dst_len;
		uint32_t priority;
		unsigned ro_at; /* F.n_ro when it was seen */
	} trig[32];
	unsigned n_trig;
	int trig_live;
	struct xfrm_userpolicy_info trig_info;
	struct xfrm_user_tmpl trig_tmpl;
	unsigned trig_n_tmpl;
	/* XFRM_MSG_GETSA: answered with curlft.packets = sa_packets, or refused with getsa_errno */
	uint64_t sa_packets;
	int getsa_errno;
	unsigned n_getsa;
	uint8_t getsa_proto;
} F;

/* The kernel a crashed MN left behind (the restart case): the tunnel and the rule exist, the HoA is not on mn0. */
static bool leftovers;

/* The fake key manager: up and renew complete at once, migrate waits for the test. */
static struct {
	struct km_call *held[8];
	struct in6_addr old_coa[8], coa[8];
	unsigned n_migrate, n_up, n_renew, n_drop;
	bool up;
	uint32_t up_reqid, drop_reqid; /* the last up's and drop's pair */
	char up_conn[64];
	struct km *front;
} K;

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static bool addr_is(const void *a, const char *s)
{
	struct in6_addr b = A(s);

	return memcmp(a, &b, sizeof(b)) == 0;
}

static void capture(const struct io_sent *s, void *ud)
{
	struct sent *c;

	ck_assert_uint_lt(F.n_sent, MAX_SENT);
	c = &F.sent[F.n_sent++];
	c->proto = s->proto;
	c->at = now_usec();
	c->n_ro = F.n_ro;
	ck_assert_uint_le(s->len, sizeof(c->buf));
	memcpy(c->buf, s->buf, s->len);
	c->len = s->len;
	c->src = s->src;
	c->dst = s->dst;
	if (!F.bu2_seen && c->proto == IPPROTO_MH && c->len > 2 && c->buf[2] == 5 && addr_is(&c->dst, HA2_ADDR)) {
		F.bu2_seen = true;
		F.pol_ha2_at_bu = F.pol_ha2;
		F.ups_at_bu2 = K.n_up;
	}
}

#define CN_ADDR "2001:db8:9::9"

/* The XFRM requests that name CN_ADDR, recorded (and a NEWSA refused when the test says so). */
static int fake_xfrm_ro(const struct nlmsghdr *h, size_t len)
{
	struct in6_addr cn = A(CN_ADDR);
	struct ro_req r = { .type = h->nlmsg_type };
	const struct xfrm_selector *sel = NULL;
	bool names_cn = false;

	if (h->nlmsg_type == XFRM_MSG_NEWSA && len >= NLMSG_SPACE(sizeof(struct xfrm_usersa_info))) {
		const struct xfrm_usersa_info *u = NLMSG_DATA(h);
		size_t off = NLMSG_SPACE(sizeof(*u));

		names_cn = memcmp(&u->id.daddr, &cn, 16) == 0 || memcmp(&u->saddr, &cn, 16) == 0;
		r.proto = u->id.proto;
		while (off + sizeof(struct rtattr) <= len) {
			const struct rtattr *a = (const void *)((const uint8_t *)h + off);

			if (a->rta_len < sizeof(*a) || off + a->rta_len > len)
				break;
			if (a->rta_type == XFRMA_COADDR && RTA_PAYLOAD(a) >= 16)
				memcpy(&r.coaddr, RTA_DATA(a), 16);
			off += RTA_ALIGN(a->rta_len);
		}
		if (names_cn && F.fail_ro_sa)
			return F.fail_ro_sa;
	} else if (h->nlmsg_type == XFRM_MSG_DELSA && len >= NLMSG_SPACE(sizeof(struct xfrm_usersa_id))) {
		const struct xfrm_usersa_id *u = NLMSG_DATA(h);
		size_t off = NLMSG_SPACE(sizeof(*u));

		r.proto = u->proto;
		names_cn = memcmp(&u->daddr, &cn, 16) == 0;
		/* the source: XFRMA_SRCADDR */
		while (!names_cn && off + sizeof(struct rtattr) <= len) {
			const struct rtattr *a = (const void *)((const uint8_t *)h + off);

			if (a->rta_len < sizeof(*a) || off + a->rta_len > len)
				break;
			if (a->rta_type == XFRMA_SRCADDR && RTA_PAYLOAD(a) >= 16)
				names_cn = memcmp(RTA_DATA(a), &cn, 16) == 0;
			off += RTA_ALIGN(a->rta_len);
		}
	} else if (h->nlmsg_type == XFRM_MSG_UPDPOLICY && len >= NLMSG_SPACE(sizeof(struct xfrm_userpolicy_info))) {
		const struct xfrm_userpolicy_info *u = NLMSG_DATA(h);
		size_t off = NLMSG_SPACE(sizeof(*u));

		sel = &u->sel;
		r.dir = u->dir;
		r.priority = u->priority;
		while (off + sizeof(struct rtattr) <= len) {
			const struct rtattr *a = (const void *)((const uint8_t *)h + off);

			if (a->rta_len < sizeof(*a) || off + a->rta_len > len)
				break;
			if (a->rta_type == XFRMA_TMPL)
				r.n_tmpl = (uint8_t)(RTA_PAYLOAD(a) / sizeof(struct xfrm_user_tmpl));
			off += RTA_ALIGN(a->rta_len);
		}
	} else if (h->nlmsg_type == XFRM_MSG_DELPOLICY && len >= NLMSG_SPACE(sizeof(struct xfrm_userpolicy_id))) {
		const struct xfrm_userpolicy_id *u = NLMSG_DATA(h);

		sel = &u->sel;
		r.dir = u->dir;
	}
	if (sel) {
		names_cn = memcmp(&sel->daddr, &cn, 16) == 0 || memcmp(&sel->saddr, &cn, 16) == 0;
		r.sel_proto = sel->proto;
		r.sel_type = ntohs(sel->sport);
	}
	if (names_cn && F.n_ro < ELEMENTSOF(F.ro))
		F.ro[F.n_ro++] = r;
	return 0;
}

/* The trigger set's requests (mn-ro-path.h): selector source HOA, destination ::/0 or the HA with any protocol. */
static void fake_xfrm_trigger(const struct nlmsghdr *h, size_t len)
{
	const struct xfrm_selector *sel;
	struct trig_req r = { .type = h->nlmsg_type, .ro_at = F.n_ro };

	if (!(h->nlmsg_type == XFRM_MSG_UPDPOLICY && len >= NLMSG_SPACE(sizeof(struct xfrm_userpolicy_info))) &&
	    !(h->nlmsg_type == XFRM_MSG_DELPOLICY && len >= NLMSG_SPACE(sizeof(struct xfrm_userpolicy_id))))
		return;
	sel = NLMSG_DATA(h);
	if (!addr_is(&sel->saddr, HOA) || sel->prefixlen_s != 128 ||
	    !(sel->prefixlen_d == 0 || (addr_is(&sel->daddr, HA_ADDR) && sel->proto == 0)))
		return;
	r.sel_proto = sel->proto;
	r.dst_len = sel->prefixlen_d;
	if (h->nlmsg_type == XFRM_MSG_UPDPOLICY) {
		const struct xfrm_userpolicy_info *u = NLMSG_DATA(h);
		size_t off = NLMSG_SPACE(sizeof(*u));

		r.priority = u->priority;
		if (sel->prefixlen_d == 0 && sel->proto == 0) {
			F.trig_info = *u;
			F.trig_n_tmpl = 0;
			while (off + sizeof(struct rtattr) <= len) {
				const struct rtattr *a = (const void *)((const uint8_t *)h + off);

				if (a->rta_len < sizeof(*a) || off + a->rta_len > len)
					break;
				if (a->rta_type == XFRMA_TMPL && RTA_PAYLOAD(a) >= sizeof(F.trig_tmpl)) {
					memcpy(&F.trig_tmpl, RTA_DATA(a), sizeof(F.trig_tmpl));
					F.trig_n_tmpl = (unsigned)(RTA_PAYLOAD(a) / sizeof(F.trig_tmpl));
				}
				off += RTA_ALIGN(a->rta_len);
			}
		}
	}
	if (sel->prefixlen_d == 0 && sel->proto == 0)
		F.trig_live += h->nlmsg_type == XFRM_MSG_UPDPOLICY ? 1 : -1;
	if (F.n_trig < ELEMENTSOF(F.trig))
		F.trig[F.n_trig++] = r;
}

/*
 * The kernel's answer to XFRM_MSG_GETSA (linux/xfrm.h): XFRM_MSG_NEWSA with the state's
 * xfrm_usersa_info (its id and source from the request: xfrm_usersa_id, then XFRMA_SRCADDR),
 * curlft.packets = F.sa_packets.
 */
static void getsa_reply(const uint8_t *msg, size_t len)
{
	uint8_t b[NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct xfrm_usersa_info))] = { 0 };
	struct nlmsghdr h = { .nlmsg_len = sizeof(b), .nlmsg_type = XFRM_MSG_NEWSA };
	struct xfrm_usersa_info sa = { .family = AF_INET6, .mode = XFRM_MODE_ROUTEOPTIMIZATION };
	struct xfrm_usersa_id id;

	ck_assert_uint_ge(len, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(id)) + 4 + 16);
	memcpy(&id, msg + NLMSG_HDRLEN, sizeof(id));
	memcpy(&h.nlmsg_seq, msg + 8, 4);
	memcpy(&sa.id.daddr, &id.daddr, sizeof(id.daddr));
	sa.id.spi = id.spi;
	sa.id.proto = id.proto;
	memcpy(&sa.saddr, msg + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(id)) + 4, 16);
	sa.curlft.packets = F.sa_packets;
	sa.curlft.bytes = F.sa_packets * 100;
	memcpy(b, &h, sizeof(h));
	memcpy(b + NLMSG_HDRLEN, &sa, sizeof(sa));
	ck_assert_int_eq(knl_sock_fake_reply(knl_get_socket(io_knl(F.m->io), KNL_SOCKET_XFRM), b, sizeof(b)), 0);
}

static int fake_kernel(int protocol, const uint8_t *msg, size_t len, void *ud)
{
	const struct nlmsghdr *h = (const void *)msg;
	int r;

	if (protocol == NETLINK_XFRM && len >= NLMSG_SPACE(sizeof(struct xfrm_usersa_id)) && h->nlmsg_type == XFRM_MSG_GETSA) {
		const struct xfrm_usersa_id *u = NLMSG_DATA(h);

		F.n_getsa++;
		F.getsa_proto = u->proto;
		if (F.getsa_errno)
			return F.getsa_errno;
		getsa_reply(msg, len);
		return 0;
	}

	if (protocol == NETLINK_XFRM && len >= sizeof(*h) && h->nlmsg_type == XFRM_MSG_UPDPOLICY)
		F.upd_policies++;
	if (protocol == NETLINK_XFRM && len >= NLMSG_SPACE(sizeof(struct xfrm_selector)) &&
	    (h->nlmsg_type == XFRM_MSG_UPDPOLICY || h->nlmsg_type == XFRM_MSG_DELPOLICY)) {
		/* xfrm_userpolicy_info and xfrm_userpolicy_id both start with the selector */
		const struct xfrm_selector *sel = NLMSG_DATA(h);
		int d = h->nlmsg_type == XFRM_MSG_DELPOLICY ? -1 : 1;

		if (addr_is(&sel->daddr, HA_ADDR) || addr_is(&sel->saddr, HA_ADDR))
			F.pol_ha += d;
		if (addr_is(&sel->daddr, HA2_ADDR) || addr_is(&sel->saddr, HA2_ADDR))
			F.pol_ha2 += d;
	}
	if (protocol == NETLINK_XFRM && len >= sizeof(*h))
		fake_xfrm_trigger(h, len);
	if (protocol == NETLINK_XFRM && len >= sizeof(*h) && (r = fake_xfrm_ro(h, len)) < 0)
		return r;
	if (protocol != NETLINK_ROUTE || len < NLMSG_SPACE(sizeof(struct ifaddrmsg)))
		return 0;
	if (h->nlmsg_type == RTM_NEWADDR) {
		const struct ifaddrmsg *ifa = NLMSG_DATA(h);
		const struct rtattr *rta = (const void *)((const uint8_t *)ifa + NLMSG_ALIGN(sizeof(*ifa)));

		/* IFA_ADDRESS or IFA_LOCAL first (nl-build's order): the HoA? */
		if (ifa->ifa_prefixlen == 128 && RTA_PAYLOAD(rta) == 16 && addr_is(RTA_DATA(rta), HOA))
			F.new_hoa_addrs++;
	}
	if (!leftovers)
		return 0;
	if ((h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_NEWRULE) && (h->nlmsg_flags & NLM_F_EXCL)) {
		F.leftover_hits++;
		return -EEXIST;
	}
	if (h->nlmsg_type == RTM_DELADDR) {
		F.leftover_hits++;
		return -EADDRNOTAVAIL;
	}
	return 0;
}

static int fk_create(struct km *front, sd_event *e, struct io *io, const struct mip6_config *c, void **ret)
{
	*ret = &K;
	K.front = front;
	km_backend_state(front, KM_STATE_CONNECTED);
	return 0;
}

static void fk_destroy(void *be)
{
	for (unsigned i = 0; i < K.n_migrate; i++)
		if (K.held[i])
			km_call_complete(K.held[i], -ECANCELED);
}

static int fk_up(void *be, const struct spd_pair *p, struct km_call *call)
{
	K.n_up++;
	K.up = true;
	K.up_reqid = p->reqid;
	snprintf(K.up_conn, sizeof(K.up_conn), "%s", p->ike_conn);
	km_call_complete(call, 0);
	return 0;
}

static int fk_migrate(void *be, enum node_role role, const struct spd_pair *p, const struct in6_addr *old_coa,
		      const struct in6_addr *coa, struct km_call *call)
{
	ck_assert_int_eq(role, NODE_ROLE_MN);
	ck_assert(addr_is(&p->hoa, HOA) && addr_is(&p->ha, HA_ADDR));
	ck_assert_uint_lt(K.n_migrate, ELEMENTSOF(K.held));
	ck_assert_ptr_nonnull(old_coa);
	K.old_coa[K.n_migrate] = *old_coa;
	K.coa[K.n_migrate] = *coa;
	K.held[K.n_migrate++] = call;
	return 0;
}

static int fk_renew(void *be, const struct spd_pair *p, struct km_call *call)
{
	K.n_renew++;
	km_call_complete(call, 0);
	return 0;
}

static int fk_drop(void *be, const struct spd_pair *p, struct km_call *call)
{
	K.n_drop++;
	K.drop_reqid = p->reqid;
	km_call_complete(call, 0);
	return 0;
}

/* Up for the pair brought up last (its reqid: another home agent's pair is not). */
static bool fk_is_up(void *be, const struct spd_pair *p)
{
	return K.up && p->reqid == K.up_reqid;
}

static void fk_print(void *be, FILE *out, bool json)
{
}

static const struct km_backend_ops fake_km = {
	.name = "fake",
	.features = KM_F_MIGRATE | KM_F_REKEY_ON_MOVE | KM_F_DYNAMIC,
	.create = fk_create,
	.destroy = fk_destroy,
	.up = fk_up,
	.migrate = fk_migrate,
	.renew = fk_renew,
	.drop = fk_drop,
	.is_up = fk_is_up,
	.print = fk_print,
};

static bool run_until(bool (*pred)(void), int timeout_ms)
{
	return loop_run_until(F.m->event, pred, timeout_ms);
}

static void run_for(int ms)
{
	loop_run_for(F.m->event, ms);
}

static bool is_ready(void)
{
	return F.m->ready;
}

static void setup_with(const char *text)
{
	struct mip6_config *c = NULL;
	char *err = NULL;

	memset(&F, 0, sizeof(F));
	memset(&K, 0, sizeof(K));
	km_backend_override(&fake_km);
	ck_assert_msg(conf_load_string("test", text, strlen(text), &c, &err) == 0, "%s", err);
	ck_assert_int_eq(manager_new(&F.m, NULL, NULL, c), 0);
	F.m->role = &mn_role_ops;
	ck_assert_int_eq(io_new_fake(F.m->event, &F.m->counters, capture, fake_kernel, &F, &F.m->io), 0);
	ck_assert_int_eq(manager_start(F.m), 0);
	ck_assert_msg(run_until(is_ready, 5000), "the MN did not finish its setup on the fake kernel");
}

static void setup(void)
{
	leftovers = false;
	setup_with("NodeConfig MN;\nUseMnHaIPsec enabled;\nKeyMngMobCapability enabled;\n"
		   "MnHomeLink \"mn0\" {\n HomeAddress " HOA "/64;\n HomeAgentAddress " HA_ADDR ";\n}\n"
		   "IPsecPolicySet {\n HomeAgentAddress " HA_ADDR ";\n HomeAddress " HOA "/64;\n"
		   " IPsecPolicy HomeRegBinding UseESP 1000000001;\n}\n");
}

/* The restart scenario's MN (no MN-HA IPsec), started over a crashed instance's kernel state. */
static void setup_after_crash(void)
{
	leftovers = true;
	setup_with("NodeConfig MN;\nUseMnHaIPsec disabled;\n"
		   "MnHomeLink \"mn0\" {\n HomeAddress " HOA "/64;\n HomeAgentAddress " HA_ADDR ";\n}\n");
}

static void teardown(void)
{
	leftovers = false;
	F.m = manager_free(F.m);
	km_backend_override(NULL);
}

/* An RA (RFC 4861 §4.2) from fe80::1 with one Prefix Information option (§4.6.2), L and A set. */
static void send_ra(const char *prefix)
{
	uint8_t ra[48] = {
		134, 0, 0, 0, 64, 0, 0x07, 0x08, /* type, code, checksum, hop limit, flags, router lifetime 1800 */
		0, 0, 0, 0, 0, 0, 0, 0,          /* reachable time, retrans timer */
		3, 4, 64, 0xc0,                  /* Prefix Information, 32 octets, /64, L|A */
		0, 0, 0x0e, 0x10, 0, 0, 0x0e, 0x10, 0, 0, 0, 0,
	};
	struct icmp6_rxinfo rx = { .src = A("fe80::1"), .dst = A("ff02::1"), .hop_limit = 255 };
	struct in6_addr p = A(prefix);

	memcpy(ra + 32, &p, 16);
	rx.ifindex = (int)if_nametoindex("mn0");
	io_nd_input(F.m->io, ra, sizeof(ra), &rx);
}

static unsigned n_bu(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < F.n_sent; i++)
		n += F.sent[i].proto == IPPROTO_MH && F.sent[i].buf[2] == 5;
	return n;
}

static const struct sent *last_bu(void)
{
	for (unsigned i = F.n_sent; i-- > 0;)
		if (F.sent[i].proto == IPPROTO_MH && F.sent[i].buf[2] == 5)
			return &F.sent[i];
	ck_abort_msg("no BU");
	return NULL;
}

static unsigned want;
static bool have_migrates(void)
{
	return K.n_migrate >= want;
}

static bool have_bus(void)
{
	return n_bu() >= want;
}

/* The k-th MIGRATE finishes with error. */
static void migrate_done(unsigned k, int error)
{
	ck_assert_uint_lt(k, K.n_migrate);
	ck_assert_ptr_nonnull(K.held[k]);
	km_call_complete(K.held[k], error);
	K.held[k] = NULL;
}

/* A BA (§6.1.8) from ha: Status, K, Sequence #, Lifetime 64 units; through the RH2 to the HoA. */
static void send_ba_full(const char *ha, uint8_t status, bool k, uint16_t seq)
{
	uint8_t ba[16] = { 59, 1, 6, 0, 0, 0, status, k ? 0x80 : 0, seq >> 8, seq & 0xff, 0, 64, 1, 2, 0, 0 };
	struct mh_rx_info rx = { .src = A(ha), .dst = A(HOA), .has_rh2 = true, .rh2 = A(HOA) };

	io_mh_input(F.m->io, ba, sizeof(ba), &rx);
}

/* The BU's Sequence # (§6.1.7, octets 6-7) and Lifetime (octets 10-11). */
static uint16_t bu_seq(const struct sent *s)
{
	return (uint16_t)(s->buf[6] << 8 | s->buf[7]);
}

static uint16_t bu_lifetime(const struct sent *s)
{
	return (uint16_t)(s->buf[10] << 8 | s->buf[11]);
}

/* The BA for the last BU, from ha. */
static void send_ba_from(const char *ha, uint8_t status, bool k)
{
	send_ba_full(ha, status, k, bu_seq(last_bu()));
}

static void send_ba_seq(uint8_t status, bool k, uint16_t seq)
{
	send_ba_full(HA_ADDR, status, k, seq);
}

static void send_ba(uint8_t status, bool k)
{
	send_ba_from(HA_ADDR, status, k);
}

/* The home registration's BUL entry as `mip6ctl --json bul` shows it contains want_text. */
static bool bul_says(const char *want_text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	char *argv[] = { (char *)"bul", NULL };
	bool found;

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(F.m->role->ctl(F.m, 1, argv, true, out), 0);
	fclose(out);
	found = strstr(buf, want_text) != NULL;
	if (!found)
		fprintf(stderr, "bul: %s\n", buf);
	free(buf);
	return found;
}

/* §6.1.7: Sequence # at 6, A|H|L|K at 8 (K = 0x10 of that octet). */
static void check_bu(const struct sent *s, bool k)
{
	ck_assert_uint_eq(s->buf[0], 59);
	ck_assert_uint_eq(s->buf[2], 5);
	ck_assert_uint_eq(s->buf[8] & 0xc0, 0xc0);
	ck_assert_uint_eq(!!(s->buf[8] & 0x10), k);
	ck_assert(addr_is(&s->src, HOA));
	ck_assert(addr_is(&s->dst, HA_ADDR));
}

/* K=1: the IKE SA moves with the CoA before the BU (the BU travels in the SAs it moves). */
START_TEST(k1_migrate_then_bu)
{
	send_ra("2001:db8:2::");
	want = 1;
	ck_assert_msg(run_until(have_migrates, 5000), "no MIGRATE after the move");
	ck_assert(addr_is(&K.old_coa[0], HOA)); /* the SAs were set up at home */
	ck_assert(addr_is(&K.coa[0], COA1));
	run_for(50);
	ck_assert_uint_eq(n_bu(), 0);
	migrate_done(0, 0);
	ck_assert_msg(run_until(have_bus, 5000), "no BU after the MIGRATE");
	check_bu(last_bu(), true);
	send_ba(0, true);
	ck_assert(bul_says("\"coa\":\"" COA1 "\""));
	ck_assert(bul_says("\"state\":\"registered\""));
	ck_assert_uint_eq(K.n_renew, 0);
	/* The next move: the MIGRATE starts from COA1. */
	send_ra("2001:db8:3::");
	want = 2;
	ck_assert(run_until(have_migrates, 5000));
	ck_assert(addr_is(&K.old_coa[1], COA1) && addr_is(&K.coa[1], COA2));
	ck_assert_uint_eq(n_bu(), 1);
	migrate_done(1, 0);
	want = 2;
	ck_assert(run_until(have_bus, 5000));
	check_bu(last_bu(), true);
}
END_TEST

/* The latest handover's realtime_us object of `mip6ctl --json bul` (the caller puts root). */
static json_object *last_timeline(json_object **root)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	char *argv[] = { (char *)"bul", NULL };
	json_object *hs, *rt;

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(F.m->role->ctl(F.m, 1, argv, true, out), 0);
	fclose(out);
	*root = json_tokener_parse(buf);
	free(buf);
	ck_assert_ptr_nonnull(*root);
	ck_assert(json_object_object_get_ex(*root, "handovers", &hs));
	ck_assert_int_gt(json_object_array_length(hs), 0);
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(hs, json_object_array_length(hs) - 1),
					    "realtime_us", &rt));
	return rt;
}

static uint64_t step(json_object *rt, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(rt, key, &v) ? json_object_get_uint64(v) : 0;
}

/*
 * The handover record's stamps are taken where the steps happen, on CLOCK_REALTIME: each one
 * between the instants the test saw before and after the step, in order; charon's report of
 * the IKE SA move counts only once this move's MIGRATE started, with the time it arrived.
 */
START_TEST(timeline_stamped_where_steps_happen)
{
	struct ike_moved mv = { .reqid = 1000000001, .from_log = true };
	uint64_t t0, t1, t2, t3, t4;
	json_object *root, *rt;

	km_backend_ike_moved(K.front, &mv, now_realtime_usec()); /* before any move: no record to stamp */
	t0 = now_realtime_usec();
	send_ra("2001:db8:2::");
	want = 1;
	ck_assert(run_until(have_migrates, 5000));
	t1 = now_realtime_usec();
	km_backend_ike_moved(K.front, &mv, t1 + 7);
	migrate_done(0, 0);
	ck_assert(run_until(have_bus, 5000));
	t2 = now_realtime_usec();
	km_backend_ike_moved(K.front, &mv, t2 + 9); /* a second report: the first one stays */
	send_ba(0, true);
	t3 = now_realtime_usec();
	rt = last_timeline(&root);
	ck_assert_uint_ge(step(rt, "ra"), t0);
	ck_assert_uint_ge(step(rt, "decided"), step(rt, "ra"));
	ck_assert_uint_ge(step(rt, "kernel_done"), step(rt, "decided"));
	ck_assert_uint_le(step(rt, "kernel_done"), t1);
	ck_assert_uint_eq(step(rt, "ike_moved"), t1 + 7);
	ck_assert_uint_ge(step(rt, "bu_sent"), t1);
	ck_assert_uint_le(step(rt, "bu_sent"), t2);
	ck_assert_uint_ge(step(rt, "ba_rcvd"), t2);
	ck_assert_uint_le(step(rt, "ba_rcvd"), t3);
	ck_assert_uint_eq(step(rt, "link_down"), 0); /* the move came without a link change */
	json_object_put(root);

	/* The next move: a report before its MIGRATE started is not its IKE SA move. */
	send_ra("2001:db8:3::");
	km_backend_ike_moved(K.front, &mv, now_realtime_usec());
	want = 2;
	ck_assert(run_until(have_migrates, 5000));
	rt = last_timeline(&root);
	ck_assert_uint_gt(step(rt, "decided"), t3);
	ck_assert_uint_eq(step(rt, "ike_moved"), 0);
	t4 = now_realtime_usec();
	km_backend_ike_moved(K.front, &mv, t4);
	json_object_put(root);
	rt = last_timeline(&root);
	ck_assert_uint_eq(step(rt, "ike_moved"), t4);
	json_object_put(root);
}
END_TEST

/* The HA answers K=0 (§11.7.3): the MN renews its IKE SA from the new CoA (RFC 4877 §7.4). */
/*
 * Anyone can send the MN a Binding Error (RFC 6275 §6.1.9): its log line is rate-limited by
 * RejectedBuLogPerSec (10 a second by default) and what is held back is counted.
 */
START_TEST(binding_errors_log_rate_limited)
{
	uint64_t before = F.m->counters.log_suppressed;

	for (unsigned i = 0; i < 50; i++) {
		/* §6.1.9: Payload Proto 59, Header Len 2, type 7, Reserved, Checksum, Status 2, Reserved, HoA */
		uint8_t be[24] = { 59, 2, 7, 0, 0, 0, 2, 0 };
		struct mh_rx_info rx = { .src = A(HA_ADDR), .dst = A(HOA) };

		memcpy(&be[8], &rx.dst, 16);
		io_mh_input(F.m->io, be, sizeof(be), &rx);
	}
	/* At most a burst of 10 lines in the time the loop took; the rest counted, none lost. */
	ck_assert_uint_ge(F.m->counters.log_suppressed - before, 40);
	ck_assert_uint_le(F.m->counters.log_suppressed - before, 50 - 1);
	/* §11.3.6: from a node with no Binding Update List entry: "MUST ignore", counted, no line. */
	before = F.m->counters.log_suppressed;
	for (unsigned i = 0; i < 5; i++) {
		uint8_t be[24] = { 59, 2, 7, 0, 0, 0, 2, 0 };
		struct mh_rx_info rx = { .src = A("2001:db8:66::1"), .dst = A(HOA) };

		memcpy(&be[8], &rx.dst, 16);
		io_mh_input(F.m->io, be, sizeof(be), &rx);
	}
	ck_assert_uint_eq(F.m->counters.drops[DROP_BE_NO_BUL], 5);
	ck_assert_uint_eq(F.m->counters.log_suppressed, before);
}
END_TEST

START_TEST(k0_ba_renews)
{
	send_ra("2001:db8:2::");
	want = 1;
	ck_assert(run_until(have_migrates, 5000));
	migrate_done(0, 0);
	ck_assert(run_until(have_bus, 5000));
	send_ba(0, false);
	run_for(50);
	ck_assert(bul_says("\"state\":\"registered\""));
	ck_assert_uint_eq(K.n_renew, 1);
	/* K is off for this binding now: the next move sends its BU without K and no MIGRATE. */
	send_ra("2001:db8:3::");
	want = 2;
	ck_assert(run_until(have_bus, 5000));
	check_bu(last_bu(), false);
	ck_assert_uint_eq(K.n_migrate, 1);
}
END_TEST

/*
 * Two moves in quick succession while the first MIGRATE runs: its late
 * completion sends no BU; the second chain starts from where the first left
 * the SAs (COA1); one BU, after it, registering COA2.
 */
START_TEST(two_quick_moves)
{
	send_ra("2001:db8:2::");
	want = 1;
	ck_assert(run_until(have_migrates, 5000));
	send_ra("2001:db8:3::");
	run_for(100);
	ck_assert_uint_eq(K.n_migrate, 1); /* one MIGRATE chain at a time */
	migrate_done(0, 0);                /* the first move's, now stale */
	want = 2;
	ck_assert(run_until(have_migrates, 5000));
	ck_assert_uint_eq(n_bu(), 0);
	ck_assert(addr_is(&K.old_coa[1], COA1) && addr_is(&K.coa[1], COA2));
	migrate_done(1, 0);
	want = 1;
	ck_assert(run_until(have_bus, 5000));
	run_for(100);
	ck_assert_uint_eq(n_bu(), 1);
	check_bu(last_bu(), true);
	send_ba(0, true);
	ck_assert(bul_says("\"coa\":\"" COA2 "\""));
	ck_assert(bul_says("\"state\":\"registered\""));
}
END_TEST

static bool upd_after_flush(void)
{
	return F.upd_policies >= 2;
}

/* RFC 4877 §7.2: `ip xfrm policy flush` on the MN: its SPD entries are installed again, counted. */
START_TEST(spd_flush_repaired)
{
	struct nlmsghdr flush = { .nlmsg_len = NLMSG_LENGTH(0), .nlmsg_type = XFRM_MSG_FLUSHPOLICY };
	char status[256] = "", expect[64];
	unsigned installed_at_start = F.upd_policies;

	ck_assert_uint_ge(installed_at_start, 2); /* the BU out and BA in entries, at least */
	F.upd_policies = 0;
	ck_assert_int_eq(knl_fake_notify(io_knl(F.m->io), NETLINK_XFRM, (const uint8_t *)&flush, flush.nlmsg_len), 0);
	ck_assert(run_until(upd_after_flush, 2000));
	loop_run_for(F.m->event, 50);
	ck_assert_uint_eq(F.upd_policies, installed_at_start); /* every entry, once */
	mn_role_ops.status(F.m, status, sizeof(status));
	snprintf(expect, sizeof(expect), "%u SPD entries (%u reinstalled)", installed_at_start, installed_at_start);
	ck_assert_msg(strstr(status, expect), "status: %s, expected %s", status, expect);
}
END_TEST

/* ---- HomeAgentAddress :: : DHAAD (RFC 6275 §11.4.1) and failover ------------------------------ */

/* RFC 2526 §2-3: the home prefix 2001:db8:1::/64 with interface id fdff:ffff:ffff:fffe (anycast id 126). */
#define HA_ANYCAST "2001:db8:1::fdff:ffff:ffff:fffe"

static void setup_dhaad(void)
{
	setup_with("NodeConfig MN;\nUseMnHaIPsec disabled;\nMnMaxHaConsecutiveResends 1;\n"
		   "InitialBindackTimeoutFirstReg 0.2;\nInitialBindackTimeoutReReg 0.2;\n"
		   "MnHomeLink \"mn0\" {\n HomeAddress " HOA "/64;\n HomeAgentAddress ::;\n}\n");
}

static unsigned n_icmp(uint8_t type)
{
	unsigned n = 0;

	for (unsigned i = 0; i < F.n_sent; i++)
		n += F.sent[i].proto == IPPROTO_ICMPV6 && F.sent[i].len > 0 && F.sent[i].buf[0] == type;
	return n;
}

static const struct sent *last_icmp(uint8_t type)
{
	for (unsigned i = F.n_sent; i-- > 0;)
		if (F.sent[i].proto == IPPROTO_ICMPV6 && F.sent[i].len > 0 && F.sent[i].buf[0] == type)
			return &F.sent[i];
	ck_abort_msg("no ICMPv6 type %u sent", type);
	return NULL;
}

static bool have_requests(void)
{
	return n_icmp(144) >= want;
}

/* The last Request as RFC 6275 §6.5 lays it out: 144, code 0, checksum, Identifier, Reserved; from the CoA. */
static uint16_t check_request(const char *coa)
{
	const struct sent *r = last_icmp(144);

	ck_assert_uint_eq(r->len, 8);
	ck_assert_uint_eq(r->buf[1], 0);
	ck_assert_uint_eq(r->buf[6] | r->buf[7], 0);
	ck_assert(addr_is(&r->dst, HA_ANYCAST));
	ck_assert(addr_is(&r->src, coa));
	return (uint16_t)(r->buf[4] << 8 | r->buf[5]);
}

/*
 * A Reply as RFC 6275 §6.6 lays it out: Type 145, Code 0, Checksum, Identifier, a 16-bit
 * Reserved, then the Home Agent Addresses (16 octets each); from src to dst. extra: octets
 * appended after the addresses (a malformed length).
 */
static void send_reply(const char *src, const char *dst, uint16_t id, const char *const *agents, size_t n,
		       size_t extra)
{
	uint8_t buf[8 + 4 * 16 + 16] = { 145, 0, 0, 0, (uint8_t)(id >> 8), (uint8_t)id, 0, 0 };
	struct icmp6_rxinfo rx = { .src = A(src), .dst = A(dst), .hop_limit = 64 };

	ck_assert_uint_le(n, 4);
	ck_assert_uint_le(extra, 15);
	for (size_t i = 0; i < n; i++) {
		struct in6_addr a = A(agents[i]);

		memcpy(buf + 8 + 16 * i, &a, 16);
	}
	rx.ifindex = (int)if_nametoindex("mn0");
	io_nd_input(F.m->io, buf, 8 + 16 * n + extra, &rx);
}

static bool bu_to(const struct sent *s, const char *ha)
{
	return s->proto == IPPROTO_MH && s->buf[2] == 5 && addr_is(&s->dst, ha) && addr_is(&s->src, HOA);
}

static unsigned n_bu_to(const char *ha)
{
	unsigned n = 0;

	for (unsigned i = 0; i < F.n_sent; i++)
		n += bu_to(&F.sent[i], ha);
	return n;
}

static const char *want_ha;
static bool have_bus_to(void)
{
	return n_bu_to(want_ha) >= want;
}

static bool status_says(const char *text)
{
	char status[256] = "";

	mn_role_ops.status(F.m, status, sizeof(status));
	if (!strstr(status, text))
		fprintf(stderr, "status: %s\n", status);
	return strstr(status, text) != NULL;
}

/* Away with no home agent: a Request to the anycast address from the CoA; the BU waits for the Reply. */
static uint16_t discover(void)
{
	ck_assert(status_says("home agent unknown"));
	send_ra("2001:db8:2::");
	want = 1;
	ck_assert_msg(run_until(have_requests, 5000), "no DHAAD Request after the move");
	run_for(50);
	ck_assert_uint_eq(n_bu(), 0);
	return check_request(COA1);
}

START_TEST(dhaad_registers_with_first)
{
	const char *agents[] = { HA_ADDR, HA2_ADDR };
	uint16_t id = discover();

	send_reply(HA_ADDR, COA1, id, agents, 2, 0);
	want = 1;
	want_ha = HA_ADDR;
	ck_assert_msg(run_until(have_bus_to, 5000), "no BU to the first home agent of the Reply");
	ck_assert_uint_eq(n_bu(), 1);
	ck_assert_uint_eq(last_bu()->buf[8] & 0xc0, 0xc0); /* A|H: a home registration (§6.1.7) */
	send_ba_from(HA_ADDR, 0, false);
	ck_assert(bul_says("\"ha\":\"" HA_ADDR "\""));
	ck_assert(bul_says("\"state\":\"registered\""));
	ck_assert(status_says("binding registered, home agent " HA_ADDR));
	/* The next move keeps that home agent (§11.4.1: the current registration's HA first): no Request. */
	send_ra("2001:db8:3::");
	want = 2;
	ck_assert(run_until(have_bus_to, 5000));
	ck_assert_uint_eq(n_icmp(144), 1);
}
END_TEST

/*
 * Replies that answer nothing or carry nothing usable change nothing: another Identifier, another
 * destination, a length that is not a multiple of 16 (malformed, §6.6), no address, only
 * addresses that cannot be a home agent. The Request is then sent again, unchanged, after
 * INITIAL_DHAAD_TIMEOUT (§11.4.1), and its Reply is taken.
 */
static bool prefixes_say(const char *want_text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	char *argv[] = { (char *)"prefixes", NULL };
	bool found;

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(F.m->role->ctl(F.m, 1, argv, false, out), 0);
	fclose(out);
	found = strstr(buf, want_text) != NULL;
	if (!found)
		fprintf(stderr, "prefixes: %s\n", buf);
	free(buf);
	return found;
}

/*
 * RFC 6275 §11.4.2-11.4.3: registered away with the lifetimes unknown, the MN solicits (an MPS
 * from the HoA to the HA: the kernel's hao state puts it on the CoA with a Home Address option).
 * An Advertisement echoing its Identifier is accepted only when it came with a type 2 routing
 * header (MUST): the same one through the tunnel (no RH2) is silently discarded.
 * MPA as §6.8 lays it out: Type 147, Code 0, Checksum, Identifier, M|O|Reserved, then a
 * Prefix Information option (RFC 4861 §4.6.2): 3, 4, 64, L|A, valid 900, preferred 600, 0, prefix.
 */
START_TEST(mpa_needs_rh2)
{
	const char *agents[] = { HA_ADDR };
	uint16_t id = discover();
	uint8_t mpa[40] = { 147, 0, 0, 0, 0, 0, 0, 0, 3, 4, 64, 0xc0, 0, 0, 0x03, 0x84, 0, 0, 0x02, 0x58 };
	struct in6_addr px = A("2001:db8:1::");
	struct icmp6_rxinfo rx = { .src = A(HA_ADDR), .dst = A(HOA), .hop_limit = 64 };
	const struct sent *mps;

	send_reply(HA_ADDR, COA1, id, agents, 1, 0);
	want = 1;
	want_ha = HA_ADDR;
	ck_assert(run_until(have_bus_to, 5000));
	send_ba_from(HA_ADDR, 0, false);
	ck_assert(bul_says("\"state\":\"registered\""));
	ck_assert_uint_eq(n_icmp(146), 1);
	mps = last_icmp(146);
	ck_assert_uint_eq(mps->len, 8);
	ck_assert(addr_is(&mps->src, HOA));
	ck_assert(addr_is(&mps->dst, HA_ADDR));
	mpa[4] = mps->buf[4];
	mpa[5] = mps->buf[5];
	memcpy(mpa + 24, &px, 16);
	io_nd_input(F.m->io, mpa, sizeof(mpa), &rx);
	ck_assert(prefixes_say("lifetime unknown"));
	rx.has_rh2 = true;
	rx.rh2 = A(COA1);
	io_nd_input(F.m->io, mpa, sizeof(mpa), &rx);
	ck_assert(prefixes_say("valid 900 s, preferred 600 s"));
}
END_TEST

START_TEST(dhaad_reply_checked)
{
	const char *agents[] = { HA2_ADDR };
	/* Not a home agent: ::, multicast, link-local, loopback; the home prefix's Subnet-Router anycast
	 * (RFC 4291 §2.6.1: a router's R-bit prefix option without its address) and an RFC 2526 one. */
	const char *useless[] = { "::", "ff02::1", "fe80::1", "::1" };
	const char *anycast[] = { "2001:db8:1::", HA_ANYCAST, "2001:db8:1::fdff:ffff:ffff:ff80" };
	uint64_t malformed = F.m->counters.drops[DROP_MALFORMED];
	uint16_t id = discover();
	usec_t first = last_icmp(144)->at;

	send_reply(HA_ADDR, COA1, (uint16_t)(id + 1), agents, 1, 0);
	send_reply(HA_ADDR, COA2, id, agents, 1, 0);
	send_reply(HA_ADDR, COA1, id, agents, 1, 7);
	send_reply(HA_ADDR, COA1, id, agents, 0, 0);
	send_reply(HA_ADDR, COA1, id, useless, 4, 0);
	send_reply(HA_ADDR, COA1, id, anycast, 3, 0);
	run_for(100);
	ck_assert_uint_eq(n_bu(), 0);
	ck_assert_uint_ge(F.m->counters.drops[DROP_MALFORMED], malformed + 1);
	want = 2;
	ck_assert_msg(run_until(have_requests, 5000), "the Request was not sent again");
	ck_assert_uint_eq(check_request(COA1), id); /* "the same Request message" */
	ck_assert_uint_ge(last_icmp(144)->at - first, MN_DHAAD_INITIAL_TIMEOUT_USEC - 20 * USEC_PER_MSEC);
	send_reply(HA2_ADDR, COA1, id, agents, 1, 0);
	want = 1;
	want_ha = HA2_ADDR;
	ck_assert(run_until(have_bus_to, 5000));
	ck_assert_uint_eq(n_bu(), 1);
}
END_TEST

/*
 * §11.4.1: the first home agent does not answer: after MnMaxHaConsecutiveResends retransmissions
 * the MN registers with the next one of the list (not sooner than InitialBindackTimeoutFirstReg
 * after its first BU to the first); when the last one stops answering too, DHAAD runs again.
 */
START_TEST(failover_to_second)
{
	const char *agents[] = { HA_ADDR, HA2_ADDR };
	uint16_t id = discover();
	usec_t first_bu;

	send_reply(HA_ADDR, COA1, id, agents, 2, 0);
	want = 1;
	want_ha = HA_ADDR;
	ck_assert(run_until(have_bus_to, 5000));
	first_bu = last_bu()->at;
	want_ha = HA2_ADDR;
	ck_assert_msg(run_until(have_bus_to, 5000), "no BU to the second home agent");
	ck_assert_uint_eq(n_bu_to(HA_ADDR), 2); /* the BU and MnMaxHaConsecutiveResends (1) retransmission */
	ck_assert_uint_ge(last_bu()->at - first_bu, 200 * USEC_PER_MSEC);
	ck_assert(bul_says("\"ha\":\"" HA2_ADDR "\""));
	send_ba_from(HA2_ADDR, 0, false);
	ck_assert(bul_says("\"state\":\"registered\""));
	ck_assert(status_says("binding registered, home agent " HA2_ADDR));
	/* A BA from the first home agent is not ours any more. */
	send_ba_from(HA_ADDR, 0, false);
	ck_assert(bul_says("\"ha\":\"" HA2_ADDR "\""));
	/* The second stops answering too (its refresh comes after 4/5 of 256 s: forced by a BRR). */
	{
		uint8_t brr[8] = { 59, 0, 0, 0, 0, 0, 0, 0 }; /* §6.1.2: type 0, Header Len 0 */
		struct mh_rx_info rx = { .src = A(HA2_ADDR), .dst = A(HOA), .has_rh2 = true, .rh2 = A(HOA) };

		io_mh_input(F.m->io, brr, sizeof(brr), &rx);
	}
	want = 2;
	ck_assert_msg(run_until(have_requests, 5000), "no new DHAAD Request when the list was exhausted");
	ck_assert_uint_ne(check_request(COA1), id);
	ck_assert(status_says("home agent unknown"));
}
END_TEST

/*
 * MN-HA IPsec with DHAAD (RFC 4877 §4.4, RFC 6275 §11.4.1): one IPsecPolicySet per home agent.
 * Before a home agent is chosen no SPD entry names one and no SA is brought up. The Reply's first
 * agent has no set: skipped (counted). The next one gets its set's SPD entries and SAs (its
 * reqid, its IkeConnection) before the BU; when it stops answering the MN moves to the third:
 * that one's entries replace the old one's (none names the old one any more), the old IKE SA is
 * terminated, the new pair's SAs come up, all before the first BU to it.
 */
static void setup_dhaad_ipsec(void)
{
	setup_with("NodeConfig MN;\nUseMnHaIPsec enabled;\nKeyMngMobCapability enabled;\n"
		   "MnMaxHaConsecutiveResends 1;\nInitialBindackTimeoutFirstReg 0.2;\nInitialBindackTimeoutReReg 0.2;\n"
		   "MnHomeLink \"mn0\" {\n HomeAddress " HOA "/64;\n HomeAgentAddress ::;\n}\n"
		   "IPsecPolicySet {\n HomeAgentAddress " HA_ADDR ";\n HomeAddress " HOA "/64;\n"
		   " IkeConnection \"mip6-ha1\";\n IPsecPolicy HomeRegBinding UseESP 1000000001;\n}\n"
		   "IPsecPolicySet {\n HomeAgentAddress " HA2_ADDR ";\n HomeAddress " HOA "/64;\n"
		   " IkeConnection \"mip6-ha2\";\n IPsecPolicy HomeRegBinding UseESP 1000000011;\n}\n");
}

static bool status_json_says(const char *text)
{
	json_object *o = json_object_new_object();
	bool found;

	mn_role_ops.status_json(F.m, o);
	found = strstr(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), text) != NULL;
	if (!found)
		fprintf(stderr, "status: %s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return found;
}

START_TEST(ipsec_failover_to_second)
{
	const char *agents[] = { HA3_ADDR, HA_ADDR, HA2_ADDR };
	uint16_t id;

	ck_assert_int_eq(F.pol_ha, 0);
	ck_assert_int_eq(F.pol_ha2, 0);
	id = discover();
	ck_assert_uint_eq(K.n_up, 0); /* no home agent: nothing to bring up */
	send_reply(HA_ADDR, COA1, id, agents, 3, 0);
	/* K=1: the SAs come up from the CoA, then the MIGRATE (KMADDRESS) before the BU. */
	want = 1;
	ck_assert_msg(run_until(have_migrates, 5000), "no SAs/MIGRATE for the first covered home agent");
	ck_assert_uint_eq(K.n_up, 1);
	ck_assert_uint_eq(K.up_reqid, 1000000001);
	ck_assert_str_eq(K.up_conn, "mip6-ha1");
	ck_assert_int_ge(F.pol_ha, 2); /* BU out, BA in (and the MPS/MPA RO entries) */
	ck_assert_int_eq(F.pol_ha2, 0);
	ck_assert_uint_eq(n_bu_to(HA3_ADDR), 0);
	ck_assert(status_json_says("\"home_agents_skipped_spd\":1"));
	migrate_done(0, 0);
	want = 1;
	want_ha = HA_ADDR;
	ck_assert(run_until(have_bus_to, 5000));
	/* No BA: after the retransmission the next home agent of the list. */
	want_ha = HA2_ADDR;
	ck_assert_msg(run_until(have_bus_to, 5000), "no BU to the second covered home agent");
	ck_assert_int_ge(F.pol_ha2_at_bu, 2); /* its entries were in before the BU */
	ck_assert_uint_eq(F.ups_at_bu2, 2);   /* and its SAs were up */
	ck_assert_uint_eq(K.up_reqid, 1000000011);
	ck_assert_str_eq(K.up_conn, "mip6-ha2");
	ck_assert_int_eq(F.pol_ha, 0); /* the old home agent's entries are gone */
	ck_assert_uint_eq(K.n_drop, 1);
	ck_assert_uint_eq(K.drop_reqid, 1000000001);
	ck_assert_uint_eq(K.n_migrate, 1); /* the IKE SA is already on the CoA */
	send_ba_from(HA2_ADDR, 0, true);
	ck_assert(bul_says("\"ha\":\"" HA2_ADDR "\""));
	ck_assert(bul_says("\"state\":\"registered\""));
	ck_assert(status_says("binding registered, home agent " HA2_ADDR));
}
END_TEST

/*
 * Issue 11 item 3: the MN restarted while away. Its first RA is a foreign link's: the
 * tunnel and the rule the crashed instance left are taken as they are (EEXIST), the HoA
 * stays the MN's (on the tunnel device), the BU registers the CoA found there straight
 * away: no deregistration first, no trip home. The HA still holds the old binding with a
 * higher sequence number: its 135 gives the MN the number to continue from (§11.7.3).
 */
START_TEST(restart_while_away)
{
	ck_assert_uint_eq(n_bu(), 0);
	send_ra("2001:db8:2::");
	want = 1;
	ck_assert_msg(run_until(have_bus, 5000), "no BU after the first RA of a foreign link");
	check_bu(last_bu(), false);
	ck_assert_uint_eq(bu_seq(last_bu()), 1);
	ck_assert_uint_ne(bu_lifetime(last_bu()), 0);
	ck_assert_uint_eq(F.new_hoa_addrs, 1); /* the HoA/128 on the tunnel device */
	ck_assert_uint_ge(F.leftover_hits, 3); /* tunnel and rule there, no HoA on mn0 */
	send_ba_seq(135, false, 700); /* the binding the HA kept: seq 700 */
	want = 2;
	ck_assert_msg(run_until(have_bus, 5000), "no BU after the 135");
	ck_assert_uint_eq(bu_seq(last_bu()), 701);
	send_ba(0, false);
	ck_assert(bul_says("\"state\":\"registered\""));
	ck_assert(bul_says("\"coa\":\"" COA1 "\""));
	ck_assert(bul_says("\"seq\":701"));
	ck_assert(bul_says("\"from\":\"start\",\"to\":\"foreign\""));
	ck_assert(bul_says("\"moves\":1"));
	for (unsigned i = 0; i < F.n_sent; i++) /* no deregistration (lifetime 0) ever left */
		if (F.sent[i].proto == IPPROTO_MH && F.sent[i].buf[2] == 5)
			ck_assert_uint_ne(bu_lifetime(&F.sent[i]), 0);
	ck_assert_uint_eq(n_bu(), 2);
}
END_TEST

/* ---- route optimisation (src/mn/mn-rr.h) wired in only with MnRoPolicy ---------------------- */

static void setup_plain(void)
{
	leftovers = false;
	setup_with("NodeConfig MN;\nUseMnHaIPsec disabled;\n"
		   "MnHomeLink \"mn0\" {\n HomeAddress " HOA "/64;\n HomeAgentAddress " HA_ADDR ";\n}\n");
}

static void setup_ro(void)
{
	leftovers = false;
	setup_with("NodeConfig MN;\nUseMnHaIPsec disabled;\nUseCnBuAck enabled;\n"
		   "MnHomeLink \"mn0\" {\n HomeAddress " HOA "/64;\n HomeAgentAddress " HA_ADDR ";\n"
		   " MnRoPolicy " CN_ADDR " enabled;\n}\n");
}

static unsigned n_mh(uint8_t type)
{
	unsigned n = 0;

	for (unsigned i = 0; i < F.n_sent; i++)
		n += F.sent[i].proto == IPPROTO_MH && F.sent[i].buf[2] == type;
	return n;
}

static const struct sent *last_mh(uint8_t type)
{
	for (unsigned i = F.n_sent; i-- > 0;)
		if (F.sent[i].proto == IPPROTO_MH && F.sent[i].buf[2] == type)
			return &F.sent[i];
	ck_abort_msg("no MH type %u", type);
	return NULL;
}

static bool have_inits(void)
{
	return n_mh(1) >= 1 && n_mh(2) >= 1;
}

/* A HoT or CoT (§6.1.5-6) from the CN: index at 6, the cookie at 8, the keygen token at 16. */
static void send_test(uint8_t type, const uint8_t cookie[8], const char *dst, int ifindex)
{
	uint8_t b[24] = { 59, 2, type, 0, 0, 0, 0, 7 };
	struct mh_rx_info rx = { .src = A(CN_ADDR), .dst = A(dst), .ifindex = ifindex };

	memcpy(b + 8, cookie, 8);
	memset(b + 16, 0xab, 8);
	io_mh_input(F.m->io, b, sizeof(b), &rx);
}

/*
 * With a TunnelHomeTesting policy (RFC 4877 §7.2): route optimisation runs, the HoTI in the ESP
 * tunnel (the SPD's), the HoT taken only from the HoT socket (mn/mn-hot.h), the BU to the CN
 * above the tunnel entry.
 */
static void setup_ro_tunnel_home_testing(void)
{
	leftovers = false;
	setup_with("NodeConfig MN;\nUseMnHaIPsec enabled;\nUseCnBuAck enabled;\n"
		   "MnHomeLink \"mn0\" {\n HomeAddress " HOA "/64;\n HomeAgentAddress " HA_ADDR ";\n"
		   " MnRoPolicy " CN_ADDR " enabled;\n}\n"
		   "IPsecPolicySet {\n HomeAgentAddress " HA_ADDR ";\n HomeAddress " HOA "/64;\n"
		   " IPsecPolicy HomeRegBinding UseESP 1000000001;\n IPsecPolicy TunnelHomeTesting UseESP 1000000003;\n}\n");
}

/* MnRoPolicy naming the home agent and the home address besides a correspondent. */
static void setup_ro_own(void)
{
	leftovers = false;
	setup_with("NodeConfig MN;\nUseMnHaIPsec disabled;\nUseCnBuAck enabled;\n"
		   "MnHomeLink \"mn0\" {\n HomeAddress " HOA "/64;\n HomeAgentAddress " HA_ADDR ";\n"
		   " MnRoPolicy " HA_ADDR " enabled;\n MnRoPolicy " HOA " enabled;\n"
		   " MnRoPolicy " CN_ADDR " enabled;\n}\n");
}


/* Defaults: no MnRoPolicy, no HoTI or CoTI after the home registration, no correspondents listed. */
START_TEST(no_ro_without_policy)
{
	send_ra("2001:db8:2::");
	want = 1;
	ck_assert(run_until(have_bus, 5000));
	send_ba(0, false);
	ck_assert(bul_says("\"state\":\"registered\""));
	run_for(50);
	ck_assert_uint_eq(n_mh(1), 0);
	ck_assert_uint_eq(n_mh(2), 0);
	ck_assert(bul_says("\"entries\":[{"));
	ck_assert(!bul_says("correspondents"));
	ck_assert_uint_eq(F.n_trig, 0); /* no learning trigger without a wildcard MnRoPolicy */
	ck_assert(!bul_says("ro_trigger"));
}
END_TEST

/* The last MH of `type` sent to dst. */
static const struct sent *last_mh_to(uint8_t type, const char *dst)
{
	for (unsigned i = F.n_sent; i-- > 0;)
		if (F.sent[i].proto == IPPROTO_MH && F.sent[i].buf[2] == type && addr_is(&F.sent[i].dst, dst))
			return &F.sent[i];
	ck_abort_msg("no MH type %u to %s", type, dst);
	return NULL;
}

static unsigned n_mh_to(uint8_t type, const char *dst)
{
	unsigned n = 0;

	for (unsigned i = 0; i < F.n_sent; i++)
		n += F.sent[i].proto == IPPROTO_MH && F.sent[i].buf[2] == type && addr_is(&F.sent[i].dst, dst);
	return n;
}

/* The home agent's BA to its last BU. */
static void ha_accepts(void)
{
	send_ba_full(HA_ADDR, 0, false, bu_seq(last_mh_to(5, HA_ADDR)));
}

/* Moved to foreign1, the home agent accepted the CoA: the return routability procedure began. */
static void away_until_rr(void)
{
	send_ra("2001:db8:2::");
	want = 1;
	ck_assert(run_until(have_bus, 5000));
	ha_accepts();
	ck_assert_msg(run_until(have_inits, 5000), "no HoTI/CoTI after the home registration");
}

/* Recorded XFRM requests naming the CN from index `from` on: how many match. */
static unsigned ro_count(unsigned from, uint16_t type, uint8_t proto, uint8_t dir, uint8_t sel_proto, uint16_t sel_type)
{
	unsigned n = 0;

	for (unsigned i = from; i < F.n_ro; i++) {
		const struct ro_req *r = &F.ro[i];

		if (r->type != type)
			continue;
		if (type == XFRM_MSG_NEWSA || type == XFRM_MSG_DELSA)
			n += r->proto == proto;
		else
			n += r->dir == dir && r->sel_proto == sel_proto && r->sel_type == sel_type;
	}
	return n;
}

static bool have_cn_bu(void)
{
	return n_mh_to(5, CN_ADDR) >= want;
}

static bool have_hotis(void)
{
	return n_mh(1) >= want;
}

static unsigned ro_mark;
static bool data_policy_in(void)
{
	return ro_count(ro_mark, XFRM_MSG_UPDPOLICY, 0, XFRM_POLICY_OUT, 0, 0) >= 1;
}

static bool data_policy_out(void)
{
	return ro_count(ro_mark, XFRM_MSG_DELPOLICY, 0, XFRM_POLICY_OUT, 0, 0) >= 1;
}

/* The CN's BA (§6.1.8) to the BU `bu` with the Binding Authorization Data option (§6.2.7). */
static void cn_ba_life(const struct sent *bu, uint8_t status, const char *coa, uint8_t life4)
{
	uint8_t ba[32] = { 59, 3, 6, 0, 0, 0, status, 0, bu->buf[6], bu->buf[7], 0, life4,
			   1, 4, 0, 0, 0, 0, /* PadN: the BAD at 8n+2 */
			   5, 12 };
	uint8_t tok[8], kbm[RR_KBM_LEN];
	struct in6_addr c = A(coa), cn = A(CN_ADDR);
	struct mh_rx_info rx = { .src = cn, .dst = A(HOA), .has_rh2 = true, .rh2 = A(HOA) };

	memset(tok, 0xab, sizeof(tok)); /* send_test's tokens */
	rr_kbm(tok, tok, kbm);
	ck_assert_int_eq(rr_authenticator(kbm, &c, &cn, ba, 20, ba + 20), 0);
	io_mh_input(F.m->io, ba, sizeof(ba), &rx);
}

static void cn_ba(const struct sent *bu, uint8_t status, const char *coa)
{
	cn_ba_life(bu, status, coa, 16);
}

/* `mip6ctl --json bul` as text (the caller frees it). */
static char *bul_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	char *argv[] = { (char *)"bul", NULL };

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(F.m->role->ctl(F.m, 1, argv, true, out), 0);
	fclose(out);
	return buf;
}

static bool learnt_gone(void)
{
	char *b = bul_text();
	bool gone = strstr(b, "\"ro_learnt_now\":0,") != NULL;

	free(b);
	return gone;
}

/* Away on f1, registered at the HA; the HoT and CoT answered; returns the CN's BU. */
static const struct sent *ro_until_cn_bu(void)
{
	int tnl = (int)if_nametoindex("mip6tnl0");
	const struct sent *h, *c;

	away_until_rr();
	h = last_mh(1);
	c = last_mh(2);
	send_test(3, h->buf + 8, HOA, tnl);
	send_test(4, c->buf + 8, COA1, (int)if_nametoindex("mn0"));
	want = 1;
	ck_assert_msg(run_until(have_cn_bu, 5000), "no BU to the correspondent");
	return last_mh_to(5, CN_ADDR);
}

/*
 * RFC 6275 §11.3.1 with §15.1: the home agent and the MN's own home address are no
 * correspondents: configured ones are ignored (as learnt ones are, ro_cn_addr_ok), no
 * HoTI or CoTI to them; the correspondent named with them still gets its RR.
 */
START_TEST(ro_policy_for_own_addresses_ignored)
{
	ck_assert(bul_says("\"cn\":\"" CN_ADDR "\""));
	ck_assert(!bul_says("\"cn\":\"" HA_ADDR "\""));
	ck_assert(!bul_says("\"cn\":\"" HOA "\""));
	away_until_rr();
	ck_assert_uint_ge(n_mh_to(1, CN_ADDR), 1);
	ck_assert_uint_eq(n_mh_to(1, HA_ADDR) + n_mh_to(2, HA_ADDR), 0);
	ck_assert_uint_eq(n_mh_to(1, HOA) + n_mh_to(2, HOA), 0);
}
END_TEST

/*
 * MnRoPolicy names a CN: after the home registration of the CoA, HoTI from the HoA (through the
 * tunnel) and CoTI from the CoA (§11.7.2, §11.6.1); the HoT through the tunnel device and the CoT
 * are taken; the BU/BA part of the data path is installed (route2 in from the CN, hao out with
 * the CoA, the inbound policy, the BU policy with the HAO, the HoTI kept off it), then the BU
 * leaves from the HoA (the hao state makes the CoA its source, §11.7.2); no data policy before
 * the CN's BA accepts (§11.3.1), then one.
 */
START_TEST(ro_starts_after_home_registration)
{
	const struct sent *h, *c, *bu;
	int tnl = (int)if_nametoindex("mip6tnl0");

	send_ra("2001:db8:2::");
	want = 1;
	ck_assert(run_until(have_bus, 5000));
	run_for(20);
	ck_assert_uint_eq(n_mh(1) + n_mh(2), 0); /* not before the home agent accepted the CoA */
	ha_accepts();
	ck_assert_msg(run_until(have_inits, 5000), "no HoTI/CoTI after the home registration");
	h = last_mh(1);
	c = last_mh(2);
	ck_assert(addr_is(&h->src, HOA) && addr_is(&h->dst, CN_ADDR));
	ck_assert(addr_is(&c->src, COA1) && addr_is(&c->dst, CN_ADDR));
	ck_assert(bul_says("\"cn\":\"" CN_ADDR "\""));
	ck_assert(bul_says("\"state\":\"rr\""));
	/* A HoT not from the tunnel is ignored (§11.6.2); through it, taken. */
	send_test(3, h->buf + 8, HOA, (int)if_nametoindex("mn0"));
	ck_assert(bul_says("\"ro_ignored_wrong_destination\":1"));
	run_for(20);
	ck_assert_uint_eq(ro_count(0, XFRM_MSG_NEWSA, IPPROTO_DSTOPTS, 0, 0, 0), 1);
	ck_assert_uint_eq(ro_count(0, XFRM_MSG_NEWSA, IPPROTO_ROUTING, 0, 0, 0), 1);
	ck_assert_uint_eq(ro_count(0, XFRM_MSG_UPDPOLICY, 0, XFRM_POLICY_IN, 0, 0), 1);
	ck_assert_uint_eq(ro_count(0, XFRM_MSG_UPDPOLICY, 0, XFRM_POLICY_OUT, IPPROTO_MH, 5), 1);
	ck_assert_uint_eq(ro_count(0, XFRM_MSG_UPDPOLICY, 0, XFRM_POLICY_OUT, IPPROTO_MH, 1), 1);
	ck_assert_uint_eq(ro_count(0, XFRM_MSG_UPDPOLICY, 0, XFRM_POLICY_OUT, 0, 0), 0);
	for (unsigned i = 0; i < F.n_ro; i++) {
		if (F.ro[i].type == XFRM_MSG_NEWSA && F.ro[i].proto == IPPROTO_DSTOPTS)
			ck_assert(addr_is(&F.ro[i].coaddr, COA1));
		if (F.ro[i].type == XFRM_MSG_UPDPOLICY && F.ro[i].sel_type == 1)
			ck_assert_uint_eq(F.ro[i].n_tmpl, 0); /* the HoTI: no HAO, the tunnel */
		if (F.ro[i].type == XFRM_MSG_UPDPOLICY && F.ro[i].sel_type == 5)
			ck_assert_uint_eq(F.ro[i].n_tmpl, 1);
	}
	ck_assert(bul_says("\"data_path\":\"bu-only\""));
	send_test(3, h->buf + 8, HOA, tnl);
	send_test(4, c->buf + 8, COA1, (int)if_nametoindex("mn0"));
	ck_assert(bul_says("\"home_token\":true,\"careof_token\":true"));
	want = 1;
	ck_assert_msg(run_until(have_cn_bu, 5000), "no BU to the correspondent");
	bu = last_mh_to(5, CN_ADDR);
	ck_assert(addr_is(&bu->src, HOA)); /* the hao state swaps in the CoA */
	ck_assert_uint_eq(bu->buf[8] & 0x80, 0x80); /* A (UseCnBuAck) */
	ck_assert_uint_eq(bu->buf[8] & 0x40, 0);    /* never H */
	run_for(20);
	ck_assert_uint_eq(ro_count(0, XFRM_MSG_UPDPOLICY, 0, XFRM_POLICY_OUT, 0, 0), 0);
	ro_mark = F.n_ro;
	cn_ba(bu, 0, COA1);
	ck_assert(bul_says("\"state\":\"bound\""));
	ck_assert_msg(run_until(data_policy_in, 5000), "no data policy after the CN's BA");
	ck_assert(bul_says("\"data_path\":\"direct\""));
	ck_assert(bul_says("\"ro_path_failures\":0"));
	/* MnRoPolicy names the CN only: no learning trigger, no hold policy, no ACQUIRE taken */
	ck_assert_uint_eq(F.n_trig, 0);
	ck_assert(!bul_says("ro_trigger"));
	ck_assert(!bul_says("\"learnt\":true"));
}
END_TEST

/* A HoT as the HoT socket reads it: it came through the TunnelHomeTesting ESP tunnel. */
static void send_hot_tunnelled(const uint8_t cookie[8])
{
	uint8_t b[24] = { 59, 2, 3, 0, 0, 0, 0, 7 };
	struct mh_rx_info rx = { .src = A(CN_ADDR), .dst = A(HOA), .ifindex = (int)if_nametoindex("mn0") };

	memcpy(b + 8, cookie, 8);
	memset(b + 16, 0xab, 8);
	io_mh_hot_input(F.m->io, b, sizeof(b), &rx);
}

START_TEST(ro_with_tunnel_home_testing)
{
	const struct sent *h, *c;
	int mn0 = (int)if_nametoindex("mn0");

	ck_assert(bul_says("correspondents"));
	ck_assert(io_mh_hot_is_open(F.m->io));
	away_until_rr();
	h = last_mh(1);
	c = last_mh(2);
	ck_assert(addr_is(&h->src, HOA) && addr_is(&h->dst, CN_ADDR));
	/* §11.6.2: a HoT with the right cookie straight to the HoA, not through the tunnel: dropped, counted. */
	send_test(3, h->buf + 8, HOA, mn0);
	ck_assert(bul_says("\"ro_ignored_wrong_destination\":1"));
	ck_assert(bul_says("\"home_token\":false"));
	/* Through the tunnel: the HoT socket's copy is taken, the main socket's copy of it is not counted. */
	send_hot_tunnelled(h->buf + 8);
	send_test(3, h->buf + 8, HOA, mn0);
	ck_assert(bul_says("\"ro_ignored_wrong_destination\":1"));
	ck_assert(bul_says("\"home_token\":true"));
	/* A replay of it in the clear is not taken as tunnelled (the copy was consumed once). */
	send_test(3, h->buf + 8, HOA, mn0);
	ck_assert(bul_says("\"ro_ignored_wrong_destination\":1") || bul_says("\"ro_ignored_not_waiting\":1"));
	send_test(4, c->buf + 8, COA1, mn0);
	want = 1;
	ck_assert_msg(run_until(have_cn_bu, 5000), "no BU to the correspondent");
	/* The BU's entry wins over TunnelHomeTesting's HoA -> any MH entry (priority 2); the HoTI's loses. */
	for (unsigned i = 0; i < F.n_ro; i++) {
		if (F.ro[i].type == XFRM_MSG_UPDPOLICY && F.ro[i].sel_type == 5)
			ck_assert_uint_lt(F.ro[i].priority, 2);
		if (F.ro[i].type == XFRM_MSG_UPDPOLICY && F.ro[i].sel_type == 1)
			ck_assert_uint_gt(F.ro[i].priority, 2);
	}
}
END_TEST

/*
 * A move (§11.7.2): the data policy goes as the MN leaves f1 (the CN's binding names the old
 * CoA), the hao state takes the new CoA; after the home registration, a CoTI from the new CoA
 * (the home token is reused), the BU, the BA: direct again. Then home: everything removed, the
 * deregistration BU from the HoA with the home token only.
 */
START_TEST(ro_follows_moves_and_home)
{
	const struct sent *bu = ro_until_cn_bu(), *c;
	unsigned cotis;

	ro_mark = F.n_ro;
	cn_ba(bu, 0, COA1);
	ck_assert(run_until(data_policy_in, 5000));
	ro_mark = F.n_ro;
	cotis = n_mh(2);
	send_ra("2001:db8:3::");
	ck_assert_msg(run_until(data_policy_out, 5000), "the data policy stayed on the move");
	run_for(20);
	ck_assert(bul_says("\"data_path\":\"bu-only\""));
	for (unsigned i = ro_mark; i < F.n_ro; i++)
		if (F.ro[i].type == XFRM_MSG_NEWSA && F.ro[i].proto == IPPROTO_DSTOPTS)
			ck_assert(addr_is(&F.ro[i].coaddr, COA2));
	ck_assert_uint_eq(ro_count(ro_mark, XFRM_MSG_NEWSA, IPPROTO_DSTOPTS, 0, 0, 0), 1);
	want = 2;
	ck_assert(run_until(have_bus, 5000));
	ha_accepts();
	run_for(50);
	ck_assert_uint_eq(n_mh(2), cotis + 1);
	c = last_mh(2);
	ck_assert(addr_is(&c->src, COA2));
	send_test(4, c->buf + 8, COA2, (int)if_nametoindex("mn0"));
	want = 2;
	ck_assert(run_until(have_cn_bu, 5000));
	ro_mark = F.n_ro;
	cn_ba(last_mh_to(5, CN_ADDR), 0, COA2);
	ck_assert(run_until(data_policy_in, 5000));
	ck_assert(bul_says("\"data_path\":\"direct\""));
	/* Home: the data path goes with the move, before the deregistration BU. */
	ro_mark = F.n_ro;
	send_ra("2001:db8:1::");
	run_for(50);
	ck_assert_uint_eq(ro_count(ro_mark, XFRM_MSG_DELSA, IPPROTO_DSTOPTS, 0, 0, 0), 1);
	ck_assert_uint_eq(ro_count(ro_mark, XFRM_MSG_DELSA, IPPROTO_ROUTING, 0, 0, 0), 1);
	ck_assert_uint_eq(ro_count(ro_mark, XFRM_MSG_DELPOLICY, 0, XFRM_POLICY_OUT, 0, 0), 1);
	ck_assert_uint_eq(ro_count(ro_mark, XFRM_MSG_DELPOLICY, 0, XFRM_POLICY_IN, 0, 0), 1);
	ck_assert_uint_eq(ro_count(ro_mark, XFRM_MSG_DELPOLICY, 0, XFRM_POLICY_OUT, IPPROTO_MH, 5), 1);
	ck_assert(bul_says("\"data_path\":\"off\""));
	ha_accepts();
	want = 3;
	ck_assert_msg(run_until(have_cn_bu, 5000), "no deregistration BU to the correspondent");
	bu = last_mh_to(5, CN_ADDR);
	ck_assert(addr_is(&bu->src, HOA));
	ck_assert_uint_eq(bu->buf[10] << 8 | bu->buf[11], 0); /* lifetime 0 */
	ck_assert_uint_eq(ro_count(ro_mark, XFRM_MSG_NEWSA, IPPROTO_DSTOPTS, 0, 0, 0), 0);
}
END_TEST

/* §11.3.6: Binding Error status 1 from the CN: the direct path goes, a new return routability. */
START_TEST(ro_binding_error_restarts)
{
	const struct sent *bu = ro_until_cn_bu();
	uint8_t be[24] = { 59, 2, 7, 0, 0, 0, 1, 0 };
	struct mh_rx_info rx = { .src = A(CN_ADDR), .dst = A(COA1) };
	struct in6_addr hoa = A(HOA);

	ro_mark = F.n_ro;
	cn_ba(bu, 0, COA1);
	ck_assert(run_until(data_policy_in, 5000));
	ro_mark = F.n_ro;
	memcpy(be + 8, &hoa, 16);
	want = n_mh(1) + 1;
	io_mh_input(F.m->io, be, sizeof(be), &rx);
	ck_assert_msg(run_until(data_policy_out, 5000), "the data policy stayed after Binding Error 1");
	ck_assert_msg(run_until(have_hotis, 5000), "no new HoTI after Binding Error 1");
	ck_assert(bul_says("\"state\":\"rr\""));
	ck_assert(bul_says("\"data_path\":\"bu-only\""));
}
END_TEST

/* Fail closed: the kernel refuses the hao state: no BU with a HAO, no data path, counted. */
START_TEST(ro_install_refused_fails_closed)
{
	int tnl = (int)if_nametoindex("mip6tnl0");
	const struct sent *h, *c;

	F.fail_ro_sa = -ENOBUFS;
	away_until_rr();
	h = last_mh(1);
	c = last_mh(2);
	send_test(3, h->buf + 8, HOA, tnl);
	send_test(4, c->buf + 8, COA1, (int)if_nametoindex("mn0"));
	run_for(100);
	ck_assert_uint_eq(n_mh_to(5, CN_ADDR), 0);
	ck_assert(bul_says("\"data_path\":\"off\""));
	ck_assert(bul_says("\"data_path_failed\":true"));
	ck_assert(!bul_says("\"ro_path_failures\":0"));
	ck_assert(!bul_says("\"ro_bu_deferred\":0"));
	ck_assert_uint_eq(ro_count(0, XFRM_MSG_UPDPOLICY, 0, XFRM_POLICY_OUT, 0, 0), 0);
}
END_TEST


/*
 * An ICMPv6 Parameter Problem (RFC 4443 §3.4) from the CN's kernel quoting our HoTI, laid out
 * here: Type 4, Code 1, Pointer 6 (the IPv6 header's Next Header, 135), the HoTI's IPv6 header
 * (HoA -> CN) and its 16 octets. ptr and cookie_flip let a test spoil it.
 */
static void send_pp_for_hoti(const struct sent *h, uint32_t ptr, bool cookie_flip)
{
	uint8_t b[8 + 40 + 16] = { 4, 1, 0, 0, 0, 0, 0, 0, 0x60, 0, 0, 0, 0, 16, 135, 64 };
	struct in6_addr hoa = A(HOA), cn = A(CN_ADDR);
	struct icmp6_rxinfo rx = { .src = cn, .dst = hoa, .ifindex = (int)if_nametoindex("mip6tnl0"), .hop_limit = 62 };

	b[7] = (uint8_t)ptr;
	memcpy(b + 8 + 8, &hoa, 16);
	memcpy(b + 8 + 24, &cn, 16);
	ck_assert_uint_eq(h->len, 16);
	memcpy(b + 48, h->buf, 16);
	if (cookie_flip)
		b[48 + 8] ^= 1;
	io_nd_input(F.m->io, b, sizeof(b), &rx);
}

/*
 * RFC 6275 §11.3.5: a correspondent without Mobility Header support answers our HoTI with a
 * Parameter Problem code 1: counted, the entry disabled, its route-optimisation data path
 * removed, no more HoTI/CoTI to it (the retransmission would have left within 1 s). Forged or
 * malformed ones change nothing.
 */
START_TEST(ro_param_problem_stops_ro)
{
	const struct sent *h;
	unsigned hotis, cotis;
	uint64_t unexpected = F.m->counters.drops[DROP_UNEXPECTED], malformed = F.m->counters.drops[DROP_MALFORMED];
	uint8_t shorty[40] = { 4, 1 };
	struct icmp6_rxinfo rx = { .src = A(CN_ADDR), .dst = A(HOA), .hop_limit = 64 };

	away_until_rr();
	run_for(20);
	ck_assert(bul_says("\"data_path\":\"bu-only\""));
	h = last_mh(1);
	/* A guessed cookie, a wrong pointer, a truncated message: ignored and counted. */
	send_pp_for_hoti(h, 6, true);
	send_pp_for_hoti(h, 7, false);
	io_nd_input(F.m->io, shorty, sizeof(shorty), &rx);
	ck_assert_uint_eq(F.m->counters.drops[DROP_UNEXPECTED], unexpected + 2);
	ck_assert_uint_eq(F.m->counters.drops[DROP_MALFORMED], malformed + 1);
	ck_assert(bul_says("\"ro_ignored_pp_unmatched\":2"));
	ck_assert(bul_says("\"state\":\"rr\""));
	ck_assert_uint_eq(F.m->counters.icmp6_pp_no_mh_in, 0);
	/* The real one. */
	ro_mark = F.n_ro;
	send_pp_for_hoti(h, 6, false);
	ck_assert_uint_eq(F.m->counters.icmp6_pp_no_mh_in, 1);
	ck_assert(bul_says("\"state\":\"disabled\""));
	run_for(50);
	ck_assert(bul_says("\"data_path\":\"off\""));
	ck_assert_uint_eq(ro_count(ro_mark, XFRM_MSG_DELSA, IPPROTO_DSTOPTS, 0, 0, 0), 1);
	ck_assert_uint_eq(ro_count(ro_mark, XFRM_MSG_DELSA, IPPROTO_ROUTING, 0, 0, 0), 1);
	ck_assert_uint_eq(ro_count(ro_mark, XFRM_MSG_DELPOLICY, 0, XFRM_POLICY_OUT, IPPROTO_MH, 5), 1);
	hotis = n_mh(1);
	cotis = n_mh(2);
	run_for(2500);
	ck_assert_uint_eq(n_mh(1), hotis);
	ck_assert_uint_eq(n_mh(2), cotis);
	ck_assert_uint_eq(n_mh_to(5, CN_ADDR), 0);
}
END_TEST


/*
 * SIGTERM while the CN holds our binding (RFC 6275 §11.7.2): a BU with lifetime 0 goes to it
 * before any of its route-optimisation states or policies is removed (they carry it: HAO out,
 * RH2 in for the BA); no BA comes: the kernel state goes after the 1-s wait, and the stop
 * completes within it. With the CN's BA it completes at once.
 */
static bool stop_finished(void)
{
	return sd_event_get_state(F.m->event) == SD_EVENT_FINISHED;
}

static void stop_with_cn_bound(bool answer)
{
	const struct sent *bu = ro_until_cn_bu();
	unsigned bus, mark;
	usec_t t0;

	ro_mark = F.n_ro;
	cn_ba(bu, 0, COA1);
	ck_assert(run_until(data_policy_in, 5000));
	run_for(20);
	bus = n_mh_to(5, CN_ADDR);
	mark = F.n_ro;
	t0 = now_usec();
	ck_assert_int_eq(F.m->role->shutdown(F.m), 1);
	ck_assert_uint_eq(n_mh_to(5, CN_ADDR), bus + 1);
	bu = last_mh_to(5, CN_ADDR);
	ck_assert(addr_is(&bu->src, HOA)); /* the hao state swaps in the CoA and adds the HAO */
	ck_assert_uint_eq(bu->buf[10] << 8 | bu->buf[11], 0); /* lifetime 0 */
	ck_assert_uint_eq(bu->n_ro, mark);                   /* nothing of the CN's data path removed before it */
	ck_assert_uint_eq(ro_count(mark, XFRM_MSG_DELSA, IPPROTO_DSTOPTS, 0, 0, 0), 0);
	if (answer) {
		/* The CN's BA: its authenticator with Kbm = SHA1(home token) over the HoA (§6.2.7). */
		uint8_t ba[32] = { 59, 3, 6, 0, 0, 0, 0, 0, bu->buf[6], bu->buf[7], 0, 0, 1, 4, 0, 0, 0, 0, 5, 12 };
		uint8_t tok[8], kbm[RR_KBM_LEN];
		struct in6_addr h = A(HOA), cn = A(CN_ADDR);
		struct mh_rx_info rx = { .src = cn, .dst = h, .has_rh2 = true, .rh2 = h };

		memset(tok, 0xab, sizeof(tok));
		rr_kbm(tok, NULL, kbm);
		ck_assert_int_eq(rr_authenticator(kbm, &h, &cn, ba, 20, ba + 20), 0);
		io_mh_input(F.m->io, ba, sizeof(ba), &rx);
	}
	ck_assert(loop_run_until(F.m->event, stop_finished, 2000));
	if (answer)
		ck_assert_uint_lt(now_usec() - t0, 500 * USEC_PER_MSEC);
	else
		ck_assert_uint_ge(now_usec() - t0, 1000 * USEC_PER_MSEC);
	ck_assert_uint_lt(now_usec() - t0, 1500 * USEC_PER_MSEC);
	ck_assert_uint_eq(ro_count(mark, XFRM_MSG_DELSA, IPPROTO_DSTOPTS, 0, 0, 0), 1);
	ck_assert_uint_eq(ro_count(mark, XFRM_MSG_DELSA, IPPROTO_ROUTING, 0, 0, 0), 1);
	ck_assert_uint_eq(n_mh_to(5, CN_ADDR), bus + 1); /* never retransmitted */
}

START_TEST(ro_stop_deregisters_without_ba)
{
	stop_with_cn_bound(false);
}
END_TEST

START_TEST(ro_stop_deregisters_with_ba)
{
	stop_with_cn_bound(true);
}
END_TEST

/* A correspondent with no binding (its procedure still running) gets nothing; the stop does not wait. */
START_TEST(ro_stop_without_binding_sends_nothing)
{
	away_until_rr();
	run_for(20);
	ck_assert_int_eq(F.m->role->shutdown(F.m), 1); /* the last removal's acknowledgement */
	ck_assert_uint_eq(n_mh_to(5, CN_ADDR), 0);
	ck_assert(loop_run_until(F.m->event, stop_finished, 300));
}
END_TEST

/* ---- correspondents learnt from traffic (a wildcard MnRoPolicy, mn-ro-path.h's trigger) ---- */

#define CN_OFF "2001:db8:9::66" /* MnRoPolicy ... disabled */

static void setup_ro_learn(void)
{
	leftovers = false;
	setup_with("NodeConfig MN;\nUseMnHaIPsec disabled;\nUseCnBuAck enabled;\n"
		   "MnHomeLink \"mn0\" {\n HomeAddress " HOA "/64;\n HomeAgentAddress " HA_ADDR ";\n"
		   " MnRoPolicy enabled;\n MnRoPolicy " CN_OFF " disabled;\n}\n");
}

/*
 * An XFRM_MSG_ACQUIRE laid out as the kernel's xfrm_user.c build_acquire does for the trigger:
 * id (daddr, proto), saddr, the packet's selector (/128 both), the policy (selector HoA/128 ->
 * ::/0, dir out), then XFRMA_TMPL with the policy's template.
 */
static void kernel_acquires(const char *sel_src, const char *dst, uint8_t tmpl_proto)
{
	uint8_t b[NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct xfrm_user_acquire)) + NLA_HDRLEN +
		  sizeof(struct xfrm_user_tmpl)] = { 0 };
	struct nlmsghdr h = { .nlmsg_len = sizeof(b), .nlmsg_type = XFRM_MSG_ACQUIRE };
	struct xfrm_user_acquire ua = { 0 };
	struct xfrm_user_tmpl t = { 0 };
	struct in6_addr s = A(sel_src), d = A(dst), hoa = A(HOA);
	uint16_t alen = NLA_HDRLEN + sizeof(t), atype = XFRMA_TMPL;
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ua));

	memcpy(&ua.id.daddr, &d, 16);
	ua.id.proto = IPPROTO_DSTOPTS;
	memcpy(&ua.saddr, &s, 16);
	memcpy(&ua.sel.saddr, &s, 16);
	memcpy(&ua.sel.daddr, &d, 16);
	ua.sel.prefixlen_s = ua.sel.prefixlen_d = 128;
	ua.sel.family = AF_INET6;
	ua.sel.proto = IPPROTO_ICMPV6;
	memcpy(&ua.policy.sel.saddr, &hoa, 16);
	ua.policy.sel.prefixlen_s = 128;
	ua.policy.sel.family = AF_INET6;
	ua.policy.dir = XFRM_POLICY_OUT;
	ua.policy.priority = 0x7ffffff0;
	ua.seq = 7;
	t.family = AF_INET6;
	t.id.proto = tmpl_proto;
	memcpy(&t.saddr, &hoa, 16);
	t.mode = XFRM_MODE_ROUTEOPTIMIZATION;
	t.optional = 1;
	memcpy(b, &h, sizeof(h));
	memcpy(b + NLMSG_HDRLEN, &ua, sizeof(ua));
	memcpy(b + off, &alen, 2);
	memcpy(b + off + 2, &atype, 2);
	memcpy(b + off + NLA_HDRLEN, &t, sizeof(t));
	ck_assert_int_eq(knl_fake_notify(io_knl(F.m->io), NETLINK_XFRM, b, sizeof(b)), 0);
}

static bool trig_installed(void)
{
	return F.trig_live == 1;
}

static bool trig_removed(void)
{
	return F.trig_live == 0;
}

/* Away on f1 and registered: the trigger is there. */
static void learn_registered(void)
{
	send_ra("2001:db8:2::");
	want = 1;
	ck_assert(run_until(have_bus, 5000));
	run_for(20);
	ck_assert_uint_eq(F.n_trig, 0); /* not before the home agent accepted the CoA */
	ha_accepts();
	ck_assert_msg(run_until(trig_installed, 5000), "no trigger policy after the home registration");
	run_for(10);
}

static unsigned trig_index(uint16_t type, uint8_t sel_proto, uint8_t dst_len, unsigned from)
{
	for (unsigned i = from; i < F.n_trig; i++)
		if (F.trig[i].type == type && F.trig[i].sel_proto == sel_proto && F.trig[i].dst_len == dst_len)
			return i;
	return UINT32_MAX;
}

/*
 * The trigger, field by field as the kernel receives it: out, HoA/128 -> ::/0, any protocol, one
 * hao template "use" (mode ro, proto 60, reqid 0, saddr HoA, daddr ::), a priority below every
 * other policy; the MH and home agent bypasses (no template) before it. An ACQUIRE for a new
 * correspondent: return routability (HoTI from the HoA, CoTI from the CoA), the hold policy
 * before the hao state, the BU, BA, the data policy in the hold policy's place. Home: the trigger
 * goes before the correspondent's path, the learnt correspondent is deregistered.
 */
START_TEST(ro_learn_from_acquire)
{
	unsigned mh, ha, tr, hold = UINT32_MAX, hao = UINT32_MAX, n_hold = 0;
	int tnl = (int)if_nametoindex("mip6tnl0");
	const struct sent *h, *c, *bu;
	struct in6_addr hoa = A(HOA);

	learn_registered();
	mh = trig_index(XFRM_MSG_UPDPOLICY, IPPROTO_MH, 0, 0);
	ha = trig_index(XFRM_MSG_UPDPOLICY, 0, 128, 0);
	tr = trig_index(XFRM_MSG_UPDPOLICY, 0, 0, 0);
	ck_assert(mh < tr && ha < tr && tr != UINT32_MAX);
	ck_assert_uint_eq(F.trig_info.dir, XFRM_POLICY_OUT);
	ck_assert_uint_eq(F.trig_info.sel.family, AF_INET6);
	ck_assert(addr_is(&F.trig_info.sel.saddr, HOA) && F.trig_info.sel.prefixlen_s == 128);
	ck_assert(addr_is(&F.trig_info.sel.daddr, "::") && F.trig_info.sel.prefixlen_d == 0);
	ck_assert_uint_eq(F.trig_info.sel.proto, 0);
	ck_assert_uint_eq(F.trig_info.action, XFRM_POLICY_ALLOW);
	ck_assert_uint_ge(F.trig_info.priority, 1u << 24);
	ck_assert_uint_gt(F.trig_info.priority, F.trig[mh].priority);
	ck_assert_uint_gt(F.trig[mh].priority, 10);
	ck_assert_uint_eq(F.trig_n_tmpl, 1);
	ck_assert_uint_eq(F.trig_tmpl.id.proto, IPPROTO_DSTOPTS);
	ck_assert_uint_eq(F.trig_tmpl.mode, XFRM_MODE_ROUTEOPTIMIZATION);
	ck_assert_uint_eq(F.trig_tmpl.optional, 1);
	ck_assert_uint_eq(F.trig_tmpl.reqid, 0);
	ck_assert_uint_eq(F.trig_tmpl.id.spi, 0);
	ck_assert_uint_eq(F.trig_tmpl.family, AF_INET6);
	ck_assert(memcmp(&F.trig_tmpl.saddr, &hoa, 16) == 0);
	ck_assert(addr_is(&F.trig_tmpl.id.daddr, "::"));
	ck_assert(bul_says("\"ro_trigger\":true"));
	ck_assert_uint_eq(n_mh(1) + n_mh(2), 0);

	kernel_acquires(HOA, CN_ADDR, IPPROTO_DSTOPTS);
	ck_assert_msg(run_until(have_inits, 5000), "no HoTI/CoTI after the ACQUIRE");
	h = last_mh(1);
	c = last_mh(2);
	ck_assert(addr_is(&h->src, HOA) && addr_is(&h->dst, CN_ADDR));
	ck_assert(addr_is(&c->src, COA1) && addr_is(&c->dst, CN_ADDR));
	ck_assert(bul_says("\"learnt\":true"));
	ck_assert(bul_says("\"ro_acquire_learnt\":1"));
	run_for(20);
	for (unsigned i = 0; i < F.n_ro; i++) {
		if (F.ro[i].type == XFRM_MSG_UPDPOLICY && F.ro[i].dir == XFRM_POLICY_OUT && F.ro[i].sel_proto == 0) {
			ck_assert_uint_eq(F.ro[i].n_tmpl, 0);
			if (hold == UINT32_MAX)
				hold = i;
			n_hold++;
		}
		if (F.ro[i].type == XFRM_MSG_NEWSA && F.ro[i].proto == IPPROTO_DSTOPTS && hao == UINT32_MAX)
			hao = i;
	}
	ck_assert_uint_eq(n_hold, 1);
	ck_assert_msg(hold < hao && hao != UINT32_MAX, "the hold policy must precede the hao state");
	/* the same correspondent again (its larval state expired, say): ignored, counted */
	kernel_acquires(HOA, CN_ADDR, IPPROTO_DSTOPTS);
	ck_assert(bul_says("\"ro_acquire_known\":1"));
	ck_assert_uint_eq(n_mh(1), 1);

	send_test(3, h->buf + 8, HOA, tnl);
	send_test(4, c->buf + 8, COA1, (int)if_nametoindex("mn0"));
	want = 1;
	ck_assert_msg(run_until(have_cn_bu, 5000), "no BU to the learnt correspondent");
	bu = last_mh_to(5, CN_ADDR);
	ro_mark = F.n_ro;
	cn_ba(bu, 0, COA1);
	ck_assert_msg(run_until(data_policy_in, 5000), "no data policy after the CN's BA");
	for (unsigned i = ro_mark; i < F.n_ro; i++)
		if (F.ro[i].type == XFRM_MSG_UPDPOLICY && F.ro[i].sel_proto == 0 && F.ro[i].dir == XFRM_POLICY_OUT)
			ck_assert_uint_eq(F.ro[i].n_tmpl, 1);
	ck_assert_uint_eq(ro_count(ro_mark, XFRM_MSG_DELPOLICY, 0, XFRM_POLICY_OUT, 0, 0), 0); /* in place */
	ck_assert(bul_says("\"data_path\":\"direct\""));

	/* Home: the trigger goes first, then the correspondent's path, then the deregistration BU. */
	ro_mark = F.n_ro;
	tr = F.n_trig;
	send_ra("2001:db8:1::");
	ck_assert_msg(run_until(trig_removed, 5000), "the trigger stayed at home");
	run_for(50);
	ck_assert_uint_le(F.trig[trig_index(XFRM_MSG_DELPOLICY, 0, 0, tr)].ro_at, ro_mark);
	ck_assert_uint_eq(ro_count(ro_mark, XFRM_MSG_DELSA, IPPROTO_DSTOPTS, 0, 0, 0), 1);
	ha_accepts();
	want = 2;
	ck_assert_msg(run_until(have_cn_bu, 5000), "no deregistration BU to the learnt correspondent");
	ck_assert_uint_eq(bu_lifetime(last_mh_to(5, CN_ADDR)), 0);
	run_for(20);
	ck_assert_int_eq(F.trig_live, 0);
}
END_TEST

/* RFC 6275 §11.7.2, §15: ACQUIREs that name no correspondent are counted and ignored. */
START_TEST(ro_learn_invalid_acquires)
{
	learn_registered();
	kernel_acquires(HOA, HOA, IPPROTO_DSTOPTS);             /* our own home address */
	kernel_acquires(HOA, HA_ADDR, IPPROTO_DSTOPTS);         /* the home agent */
	kernel_acquires(HOA, COA1, IPPROTO_DSTOPTS);            /* our own care-of address */
	kernel_acquires(HOA, "ff0e::1", IPPROTO_DSTOPTS);       /* multicast */
	kernel_acquires(HOA, "fe80::9", IPPROTO_DSTOPTS);       /* link-local */
	kernel_acquires(HOA, "::ffff:192.0.2.1", IPPROTO_DSTOPTS); /* v4-mapped */
	kernel_acquires(HOA, "::1", IPPROTO_DSTOPTS);           /* loopback */
	ck_assert(bul_says("\"ro_acquire_bad_destination\":7"));
	kernel_acquires("2001:db8:1::200", CN_ADDR, IPPROTO_DSTOPTS); /* another source */
	kernel_acquires(COA1, CN_ADDR, IPPROTO_DSTOPTS);
	ck_assert(bul_says("\"ro_acquire_wrong_source\":2"));
	kernel_acquires(HOA, CN_ADDR, IPPROTO_ROUTING);         /* not the trigger's template */
	ck_assert(bul_says("\"ro_acquire_not_ours\":1"));
	kernel_acquires(HOA, CN_OFF, IPPROTO_DSTOPTS);          /* MnRoPolicy CN_OFF disabled wins */
	ck_assert(bul_says("\"ro_acquire_policy_disabled\":1"));
	run_for(30);
	ck_assert_uint_eq(n_mh(1) + n_mh(2), 0);
	ck_assert(bul_says("\"correspondents\":[]"));
	ck_assert(bul_says("\"ro_acquire_learnt\":0"));
	ck_assert_uint_eq(F.n_ro, 0);
}
END_TEST

static unsigned n_learnt_seen;
static bool cap_reached(void)
{
	char *b = bul_text();
	bool full = strstr(b, "\"ro_learnt_now\":64,") != NULL;

	free(b);
	return full;
}

/* At most 64 learnt correspondents (counted drops beyond), no more than a burst of new ones a second. */
START_TEST(ro_learn_cap)
{
	char a[64];
	unsigned i;

	learn_registered();
	for (i = 0; i < 40; i++) {
		snprintf(a, sizeof(a), "2001:db8:a::%x", i + 1);
		kernel_acquires(HOA, a, IPPROTO_DSTOPTS);
	}
	ck_assert(!bul_says("\"ro_acquire_rate_limited\":0,")); /* 40 at once: some refused */
	for (i = 0; i < 200 && !cap_reached(); i++) {
		snprintf(a, sizeof(a), "2001:db8:a::%x", i % 70 + 1);
		kernel_acquires(HOA, a, IPPROTO_DSTOPTS);
		run_for(40);
	}
	ck_assert_msg(cap_reached(), "the table did not fill");
	kernel_acquires(HOA, "2001:db8:b::1", IPPROTO_DSTOPTS);
	ck_assert(!bul_says("\"ro_acquire_table_full\":0,"));
	ck_assert(!bul_says("\"2001:db8:b::1\""));
	n_learnt_seen = 0;
	for (unsigned k = 0; k < F.n_sent; k++)
		n_learnt_seen += F.sent[k].proto == IPPROTO_MH && F.sent[k].buf[2] == 1 &&
				 memcmp(&F.sent[k].dst, &(struct in6_addr){ 0 }, 16) != 0;
	ck_assert_uint_ge(n_learnt_seen, 64); /* a HoTI to each */
}
END_TEST

/* Learnt, RR answered, the BU; returns it. */
static const struct sent *learnt_until_bu(void)
{
	int tnl = (int)if_nametoindex("mip6tnl0");
	const struct sent *h, *c;

	learn_registered();
	kernel_acquires(HOA, CN_ADDR, IPPROTO_DSTOPTS);
	ck_assert(run_until(have_inits, 5000));
	h = last_mh(1);
	c = last_mh(2);
	send_test(3, h->buf + 8, HOA, tnl);
	send_test(4, c->buf + 8, COA1, (int)if_nametoindex("mn0"));
	want = 1;
	ck_assert(run_until(have_cn_bu, 5000));
	return last_mh_to(5, CN_ADDR);
}

/*
 * The hao state's count unread (the kernel refuses the GETSA): not known to be in use, the
 * binding is not refreshed (fail closed); at its expiry the path and the entry go; traffic
 * learns it again.
 */
START_TEST(ro_learnt_binding_expires)
{
	const struct sent *bu;

	F.getsa_errno = -EPERM;
	F.sa_packets = 1000;
	bu = learnt_until_bu();
	ro_mark = F.n_ro;
	cn_ba_life(bu, 0, COA1, 1); /* 4 s */
	ck_assert(run_until(data_policy_in, 5000));
	ro_mark = F.n_ro;
	ck_assert_msg(run_until(learnt_gone, 7000), "the learnt correspondent outlived its binding");
	ck_assert_uint_eq(n_mh_to(5, CN_ADDR), 1); /* no refresh */
	ck_assert_uint_eq(F.n_getsa, 1);
	ck_assert(bul_says("\"ro_learnt_use_unread\":1,"));
	ck_assert(bul_says("\"ro_learnt_refreshed\":0,"));
	ck_assert_uint_eq(ro_count(ro_mark, XFRM_MSG_DELSA, IPPROTO_DSTOPTS, 0, 0, 0), 1);
	ck_assert_uint_eq(ro_count(ro_mark, XFRM_MSG_DELPOLICY, 0, XFRM_POLICY_OUT, 0, 0), 1);
	ck_assert(!bul_says("\"cn\":\"" CN_ADDR "\""));
	ck_assert(bul_says("\"ro_learn_held\":[]")); /* it had a binding: learnt again at once */
	want = 2;
	kernel_acquires(HOA, CN_ADDR, IPPROTO_DSTOPTS);
	ck_assert(run_until(have_hotis, 5000));
	ck_assert(bul_says("\"ro_acquire_learnt\":2"));
}
END_TEST

/*
 * RFC 6275 §11.7.2: a learnt correspondent still in use keeps its binding. Before it expires
 * (a fifth of the lifetime, at least 3 s, at most half: 2 s into a 4-s one) the MN reads the hao state's
 * count: data beside its own BU, so a new BU (the tokens still valid: no new test) before the
 * expiry, the data path kept (not removed, not replaced). Then no data (the count grew by the
 * refresh BU only): the binding expires and the entry goes.
 */
START_TEST(ro_learnt_in_use_refreshed)
{
	const struct sent *bu;
	usec_t expires;
	unsigned inits;

	bu = learnt_until_bu();
	ro_mark = F.n_ro;
	cn_ba_life(bu, 0, COA1, 1); /* 4 s from the BU */
	expires = bu->at + 4 * USEC_PER_SEC;
	ck_assert(run_until(data_policy_in, 5000));
	F.sa_packets = 1 + 25; /* the BU and 25 data packets */
	inits = n_mh(1) + n_mh(2);
	ro_mark = F.n_ro;
	want = 2;
	ck_assert_msg(run_until(have_cn_bu, 4000), "no refresh BU for a learnt correspondent in use");
	bu = last_mh_to(5, CN_ADDR);
	ck_assert_uint_lt(bu->at, expires);
	ck_assert_uint_ge(bu->at, expires - 2 * USEC_PER_SEC); /* not in the first half */
	ck_assert_uint_eq(F.n_getsa, 1);
	ck_assert_uint_eq(F.getsa_proto, IPPROTO_DSTOPTS);
	ck_assert_uint_eq(n_mh(1) + n_mh(2), inits); /* tokens valid: the BU alone */
	ck_assert(bul_says("\"ro_learnt_refreshed\":1,"));
	ck_assert(bul_says("\"data_path\":\"direct\""));
	F.sa_packets += 1; /* the refresh BU, nothing else */
	cn_ba_life(bu, 0, COA1, 1);
	run_for(50);
	ck_assert(bul_says("\"learnt\":true"));
	ck_assert_uint_eq(F.n_ro, ro_mark); /* the data path stayed as it was */
	ck_assert_msg(run_until(learnt_gone, 7000), "the idle learnt correspondent outlived its binding");
	ck_assert_uint_eq(n_mh_to(5, CN_ADDR), 2);
	ck_assert_uint_eq(F.n_getsa, 2);
	ck_assert(bul_says("\"ro_learnt_idle\":1,"));
	ck_assert(bul_says("\"ro_learnt_refreshed\":1,"));
}
END_TEST

/*
 * RFC 6275 §11.3.5: a learnt correspondent without Mobility Header support (Parameter Problem
 * code 1 to our HoTI) is forgotten and not learnt again before the 600 s of the code-1 hold,
 * not only the 120 s of a failed procedure.
 */
START_TEST(ro_learnt_no_mh_held_600s)
{
	const struct sent *h;
	char *b, *p;
	unsigned long sec = 0;

	learn_registered();
	kernel_acquires(HOA, CN_ADDR, IPPROTO_DSTOPTS);
	ck_assert(run_until(have_inits, 5000));
	h = last_mh(1);
	send_pp_for_hoti(h, 6, false);
	ck_assert_uint_eq(F.m->counters.icmp6_pp_no_mh_in, 1);
	ck_assert_msg(run_until(learnt_gone, 3000), "the disabled learnt correspondent was kept");
	b = bul_text();
	p = strstr(b, "\"ro_learn_held\":[{\"cn\":\"" CN_ADDR "\",\"seconds\":");
	ck_assert_msg(p, "not held: %s", b);
	sec = strtoul(strchr(p + strlen("\"ro_learn_held\":[{\"cn\":\"" CN_ADDR "\","), ':') + 1, NULL, 10);
	free(b);
	ck_assert_uint_ge(sec, 595);
	ck_assert_uint_le(sec, 600);
	kernel_acquires(HOA, CN_ADDR, IPPROTO_DSTOPTS);
	ck_assert(bul_says("\"ro_acquire_recently_failed\":1,"));
	ck_assert(learnt_gone());
	ck_assert(bul_says("\"correspondents\":[]"));
}
END_TEST

static int netns_setup(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	if (system("ip link set lo up && ip link add mn0 address 02:00:00:00:01:00 type veth peer name mn1 && "
		   "ip link set mn0 up && ip link set mn1 up && ip link add mip6tnl0 type bridge") != 0)
		return -ENODEV;
	return 0;
}

int main(void)
{
	Suite *s = suite_create("mn");
	TCase *tc = tcase_create("kbit");
	SRunner *sr;
	int failed;

	if (netns_setup() < 0) {
		fprintf(stderr, "test-mn: no private network namespace with veth and bridge links here, skipped\n");
		return 77;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, k1_migrate_then_bu);
	tcase_add_test(tc, k0_ba_renews);
	tcase_add_test(tc, binding_errors_log_rate_limited);
	tcase_add_test(tc, two_quick_moves);
	tcase_add_test(tc, timeline_stamped_where_steps_happen);
	tcase_add_test(tc, spd_flush_repaired);
	suite_add_tcase(s, tc);
	tc = tcase_create("dhaad");
	tcase_add_checked_fixture(tc, setup_dhaad, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, dhaad_registers_with_first);
	tcase_add_test(tc, dhaad_reply_checked);
	tcase_add_test(tc, mpa_needs_rh2);
	tcase_add_test(tc, failover_to_second);
	suite_add_tcase(s, tc);

	tc = tcase_create("dhaad-ipsec");
	tcase_add_checked_fixture(tc, setup_dhaad_ipsec, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ipsec_failover_to_second);
	suite_add_tcase(s, tc);
	tc = tcase_create("ro-default");
	tcase_add_checked_fixture(tc, setup_plain, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, no_ro_without_policy);
	suite_add_tcase(s, tc);
	tc = tcase_create("ro");
	tcase_add_checked_fixture(tc, setup_ro, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ro_starts_after_home_registration);
	tcase_add_test(tc, ro_follows_moves_and_home);
	tcase_add_test(tc, ro_binding_error_restarts);
	tcase_add_test(tc, ro_install_refused_fails_closed);
	tcase_add_test(tc, ro_param_problem_stops_ro);
	tcase_add_test(tc, ro_stop_deregisters_without_ba);
	tcase_add_test(tc, ro_stop_deregisters_with_ba);
	tcase_add_test(tc, ro_stop_without_binding_sends_nothing);
	suite_add_tcase(s, tc);
	tc = tcase_create("ro-learn");
	tcase_add_checked_fixture(tc, setup_ro_learn, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ro_learn_from_acquire);
	tcase_add_test(tc, ro_learn_invalid_acquires);
	tcase_add_test(tc, ro_learn_cap);
	tcase_add_test(tc, ro_learnt_binding_expires);
	tcase_add_test(tc, ro_learnt_in_use_refreshed);
	tcase_add_test(tc, ro_learnt_no_mh_held_600s);
	suite_add_tcase(s, tc);
	tc = tcase_create("ro-own-addresses");
	tcase_add_checked_fixture(tc, setup_ro_own, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ro_policy_for_own_addresses_ignored);
	suite_add_tcase(s, tc);
	tc = tcase_create("ro-tunnel-home-testing");
	tcase_add_checked_fixture(tc, setup_ro_tunnel_home_testing, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ro_with_tunnel_home_testing);
	suite_add_tcase(s, tc);
	tc = tcase_create("restart");
	tcase_add_checked_fixture(tc, setup_after_crash, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, restart_while_away);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
