/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Configuration parser API: defaults, stored values, error messages with
 * file:line:column, limits, includes (relative paths, globs, loops, depth),
 * conf_unimplemented(), and print → parse → print as a fixed point.
 * The golden tests (tests/conf) cover the normalised output in detail.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"

static struct mip6_config *load_ok(const char *text)
{
	struct mip6_config *c = NULL;
	char *err = NULL;
	int r = conf_load_string("t.conf", text, strlen(text), &c, &err);

	ck_assert_msg(r == 0, "parse failed (%d): %s\n%s", r, err ? err : "(null)", text);
	ck_assert_ptr_null(err);
	ck_assert_ptr_nonnull(c);
	return c;
}

static bool addr_eq(const struct in6_addr *a, const char *s)
{
	struct in6_addr b;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &b), 1);
	return memcmp(a, &b, sizeof(b)) == 0;
}

START_TEST(defaults)
{
	struct mip6_config *c = load_ok("");

	ck_assert_int_eq(c->role, NODE_ROLE_CN);
	ck_assert_uint_eq(c->debug_level, 0);
	ck_assert_ptr_null(c->debug_log_file);
	ck_assert_uint_eq(c->ha_max_binding_life, 262140);
	ck_assert_uint_eq(c->mn_max_ha_binding_life, 262140);
	ck_assert_uint_eq(c->mn_max_cn_binding_life, 420);
	ck_assert_uint_eq(c->mn_max_learnt_cns, 64);
	ck_assert(c->use_mn_ha_ipsec);
	ck_assert(!c->key_mng_mob_capability);
	ck_assert(c->default_binding_acl_allow);
	ck_assert_uint_eq(c->initial_bindack_timeout_first_reg_usec, 1500000);
	ck_assert_uint_eq(c->initial_bindack_timeout_rereg_usec, 1000000);
	ck_assert_uint_eq(c->initial_solicit_timer_usec, 3000000);
	ck_assert_uint_eq(c->interface_initial_init_delay_usec, 2000000);
	ck_assert_uint_eq(c->mn_max_ha_consecutive_resends, 5);
	ck_assert_uint_eq(c->min_mob_pfx_adv_interval, 600);
	ck_assert_uint_eq(c->max_mob_pfx_adv_interval, 86400);
	ck_assert(c->do_route_optimization_cn && c->do_route_optimization_mn);
	ck_assert(c->send_mob_pfx_advs && c->send_unsol_mob_pfx_advs && c->send_mob_pfx_sols);
	ck_assert(c->mob_rtr_use_explicit_mode);
	ck_assert_str_eq(c->vici_socket, "/var/run/charon.vici");
	ck_assert_int_eq(c->key_management, CONF_KEY_MANAGEMENT_STRONGSWAN);
	ck_assert_str_eq(c->control_socket, RUNSTATEDIR "/mip6d.ctl");
	ck_assert_ptr_null(c->control_socket_group);
	ck_assert_uint_eq(c->n_interfaces + c->n_home_links + c->n_binding_acls, 0);
	ck_assert_uint_eq(c->n_unimplemented, 0);
	conf_free(c);
}
END_TEST

START_TEST(values)
{
	static const char text[] =
		"NodeConfig MN; DebugLevel 4;\n"
		"Interface \"wlan0\" { MnIfPreference 2; Tunnel enabled; }\n"
		"MnHomeLink \"eth0\" {\n"
		"  HomeAddress 2001:db8:1::100/64 (2001:db8:10::/48, 2001:db8:11::/56);\n"
		"  HomeAgentAddress ::;\n"
		"  MnRoPolicy 2001:db8::5 disabled; MnRoPolicy enabled;\n"
		"}\n"
		"MnHomeLink \"eth1\" { HomeAddress 2001:db8:2::1/64; HomeAgentAddress 2001:db8:2::2; }\n"
		"BindingAclPolicy 2001:db8:1::100 (2001:db8:10::/48) deny;\n"
		"BindingAclPolicy 2001:db8:1::101 133;\n"
		"IPsecPolicySet { HomeAgentAddress 2001:db8:1::1; HomeAddress 2001:db8:1::100/64;\n"
		"  IPsecPolicy TunnelHomeTesting UseESP 7 8 deny; IPsecPolicy MobPfxDisc UseESP;\n"
		"  IkeConnection \"mip6-ha\"; }\n"
		"InitialBindackTimeoutFirstReg 0.25; MnMaxCnBindingLife 100; MnMaxLearntCorrespondents 3;\n"
		"KeyManagement static; ViciSocket \"/x/v\"; ControlSocketGroup \"mip6\";\n";
	struct mip6_config *c = load_ok(text);

	ck_assert_int_eq(c->role, NODE_ROLE_MN);
	ck_assert_uint_eq(c->debug_level, 4);
	ck_assert_uint_eq(c->n_interfaces, 1);
	ck_assert_str_eq(c->interfaces[0].name, "wlan0");
	ck_assert_uint_eq(c->interfaces[0].preference, 2);
	ck_assert(c->interfaces[0].tunnel);
	ck_assert_int_eq(c->interfaces[0].type, NODE_ROLE_MN);
	ck_assert_uint_eq(c->n_home_links, 2);
	ck_assert_str_eq(c->home_links[0].ifname, "eth0");
	ck_assert(addr_eq(&c->home_links[0].hoa.addr, "2001:db8:1::100"));
	ck_assert_uint_eq(c->home_links[0].hoa.len, 64);
	ck_assert_uint_eq(c->home_links[0].n_mnps, 2);
	ck_assert_uint_eq(c->home_links[0].mnps[1].len, 56);
	ck_assert(c->home_links[0].has_ha_addr);
	ck_assert(addr_eq(&c->home_links[0].ha_addr, "::"));
	ck_assert_uint_eq(c->home_links[0].n_ro_policies, 2);
	ck_assert(!c->home_links[0].ro_policies[0].any && !c->home_links[0].ro_policies[0].enabled);
	ck_assert(c->home_links[0].ro_policies[1].any && c->home_links[0].ro_policies[1].enabled);
	ck_assert_uint_eq(c->home_links[1].loc.line, 8);
	ck_assert_uint_eq(c->n_binding_acls, 2);
	ck_assert_uint_eq(c->binding_acls[0].status, 129);
	ck_assert_uint_eq(c->binding_acls[0].n_mnps, 1);
	ck_assert_uint_eq(c->binding_acls[1].status, 133);
	ck_assert_uint_eq(c->n_ipsec_policy_sets, 1);
	ck_assert_uint_eq(c->ipsec_policy_sets[0].n_policies, 2);
	ck_assert_int_eq(c->ipsec_policy_sets[0].policies[0].type, CONF_IPSEC_TUNNEL_HOME_TESTING);
	ck_assert_str_eq(c->ipsec_policy_sets[0].ike_conn, "mip6-ha");
	ck_assert_uint_eq(c->ipsec_policy_sets[0].policies[0].reqid_to_ha, 7);
	ck_assert_uint_eq(c->ipsec_policy_sets[0].policies[0].reqid_to_mn, 8);
	ck_assert(!c->ipsec_policy_sets[0].policies[0].allow);
	ck_assert_uint_eq(c->ipsec_policy_sets[0].policies[1].reqid_to_ha, 0);
	ck_assert(c->ipsec_policy_sets[0].policies[1].allow);
	ck_assert_uint_eq(c->initial_bindack_timeout_first_reg_usec, 250000);
	ck_assert_uint_eq(c->mn_max_cn_binding_life, 100);
	ck_assert_uint_eq(c->mn_max_learnt_cns, 3);
	ck_assert_int_eq(c->key_management, CONF_KEY_MANAGEMENT_STATIC);
	ck_assert_str_eq(c->vici_socket, "/x/v");
	ck_assert_str_eq(c->control_socket_group, "mip6");
	conf_free(c);
}
END_TEST

/* Each bad text and the exact message it must give. */
static const struct {
	const char *text;
	const char *error;
} bad[] = {
	{ "NodeConfig XX;", "t.conf:1:12: NodeConfig takes CN, HA or MN, got 'XX'" },
	{ "NodeConfig HA", "t.conf:1:14: expected ';' after NodeConfig, got end of file" },
	{ "\n  Bogus 1;", "t.conf:2:3: unknown keyword 'Bogus'" },
	{ "DebugLevel 11;", "t.conf:1:12: DebugLevel must be between 0 and 10, got 11" },
	{ "DebugLevel 99999999999;", "t.conf:1:12: DebugLevel takes a number, got '99999999999'" },
	{ "UseCnBuAck no;",
	  "t.conf:1:12: UseCnBuAck takes enabled|allow|true or disabled|deny|block|false, got 'no'" },
	{ "UseCnBuAck Enabled;",
	  "t.conf:1:12: UseCnBuAck takes enabled|allow|true or disabled|deny|block|false, got "
	  "'Enabled'" },
	{ "InitialSolicitTimer 3601;",
	  "t.conf:1:21: InitialSolicitTimer must be at most 3600 seconds, got 3601" },
	{ "InitialSolicitTimer 1.0000001;",
	  "t.conf:1:21: InitialSolicitTimer: at most 6 decimals, got 1.0000001" },
	{ "HaServedPrefix 2001:db8::;",
	  "t.conf:1:16: HaServedPrefix takes an IPv6 prefix (address/length), got '2001:db8::'" },
	{ "HaServedPrefix 10.0.0.0/8;", "t.conf:1:16: HaServedPrefix: invalid IPv6 address '10.0.0.0'" },
	{ "HaServedPrefix ::/-1;", "t.conf:1:16: HaServedPrefix: prefix length must be 0..128, got '-1'" },
	{ "NodeConfig MN;", "t.conf:1:1: NodeConfig MN needs at least one MnHomeLink" },
	{ "NodeConfig MN;\nMnHomeLink \"eth0\" { HomeAgentAddress ::; }",
	  "t.conf:2:1: MnHomeLink \"eth0\" has no HomeAddress" },
	{ "MnHomeLink \"eth0\" { HomeAddress ::/64; }",
	  "t.conf:1:1: MnHomeLink \"eth0\": HomeAddress :: is not a global unicast address" },
	{ "MnHomeLink \"eth0\" { HomeAddress 2001:db8::1/64; HomeAddress 2001:db8::2/64; }",
	  "t.conf:1:49: HomeAddress is given twice in this MnHomeLink block" },
	{ "MnHomeLink \"a\" { HomeAddress 2001:db8::1/64; }\nMnHomeLink \"b\" { HomeAddress 2001:db8::1/64; }",
	  "t.conf:2:1: HomeAddress 2001:db8::1 is already used by the MnHomeLink at t.conf:1" },
	{ "MnHomeLink \"eth0\";", "t.conf:1:18: expected '{' after MnHomeLink \"name\", got ';'" },
	{ "Interface \"this-name-is-too-long\";",
	  "t.conf:1:11: Interface: invalid interface name \"this-name-is-too-long\"" },
	{ "Interface \"eth0\" { IfType XX; }", "t.conf:1:27: IfType takes CN, HA or MN, got 'XX'" },
	{ "Interface \"eth0\" { MnIfPreference 11; }",
	  "t.conf:1:35: MnIfPreference must be between 0 and 10, got 11" },
	{ "Interface \"eth0\" { HomeAddress ::/0; }",
	  "t.conf:1:20: HomeAddress is not allowed in an Interface block (it belongs in an MnHomeLink "
	  "block)" },
	{ "BindingAclPolicy 2001:db8::1 allow;\nBindingAclPolicy 2001:db8::1 deny;",
	  "t.conf:2:18: BindingAclPolicy for 2001:db8::1 is already given at t.conf:1" },
	{ "BindingAclPolicy 2001:db8::1 (2001:db8::/48 2001:db8:1::/48) allow;",
	  "t.conf:1:45: expected ',' or ')' in BindingAclPolicy prefix list, got '2001:db8:1::/48'" },
	{ "IPsecPolicySet { HomeAgentAddress ::1; HomeAddress 2001:db8::1/64; }",
	  "t.conf:1:1: IPsecPolicySet has no IPsecPolicy" },
	{ "IPsecPolicySet { HomeAgentAddress ::1; HomeAddress 2001:db8::1/64;"
	  " IPsecPolicy MobPfxDisc UseESP 1 2 3; }",
	  "t.conf:1:102: expected a reqid, allow, deny or ';' in IPsecPolicy, got '3'" },
	{ "IPsecPolicySet { HomeAgentAddress ::1; HomeAddress 2001:db8::1/64;"
	  " IPsecPolicy MobPfxDisc UseESP 4294967296; }",
	  "t.conf:1:98: IPsecPolicy reqid must be between 1 and 4294967295, got 4294967296" },
	{ "IPsecPolicySet { IPsecPolicy MobPfxDisc UseESP; IPsecPolicy MobPfxDisc UseESP; }",
	  "t.conf:1:61: IPsecPolicy MobPfxDisc is given twice in this IPsecPolicySet block" },
	/* Accepted by UMIP, never installed by mip6d: refused rather than looking protected. */
	{ "IPsecPolicySet { IPsecPolicy TunnelPayload UseESP 1000000004; }",
	  "t.conf:1:30: IPsecPolicy TunnelPayload is not implemented: mip6d would install no policy for "
	  "it and that traffic would travel unprotected; remove the line (implemented: HomeRegBinding, "
	  "MobPfxDisc, TunnelHomeTesting)" },
	{ "IPsecPolicySet { IPsecPolicy TunnelMh UseESP; }",
	  "t.conf:1:30: IPsecPolicy TunnelMh is not implemented: mip6d would install no policy for "
	  "it and that traffic would travel unprotected; remove the line (implemented: HomeRegBinding, "
	  "MobPfxDisc, TunnelHomeTesting)" },
	{ "IPsecPolicySet { IPsecPolicy Mh UseESP deny; }",
	  "t.conf:1:30: IPsecPolicy Mh is not implemented: mip6d would install no policy for "
	  "it and that traffic would travel unprotected; remove the line (implemented: HomeRegBinding, "
	  "MobPfxDisc, TunnelHomeTesting)" },
	{ "IPsecPolicySet { IPsecPolicy ICMP UseESP; }",
	  "t.conf:1:30: IPsecPolicy ICMP is not implemented: mip6d would install no policy for "
	  "it and that traffic would travel unprotected; remove the line (implemented: HomeRegBinding, "
	  "MobPfxDisc, TunnelHomeTesting)" },
	{ "IPsecPolicySet { IPsecPolicy any UseESP; }",
	  "t.conf:1:30: IPsecPolicy any is not implemented: mip6d would install no policy for "
	  "it and that traffic would travel unprotected; remove the line (implemented: HomeRegBinding, "
	  "MobPfxDisc, TunnelHomeTesting)" },
	/* KeyManagement strongswan (the default): reqids from the mobility range, each once, one per CHILD_SA. */
	{ "IPsecPolicySet { HomeAgentAddress ::1; HomeAddress 2001:db8::1/64;\n"
	  " IPsecPolicy HomeRegBinding UseESP 999999999; }",
	  "t.conf:2:2: IPsecPolicy HomeRegBinding: reqid 999999999 is outside 1000000000-1999999999, the "
	  "range charon's dynamic reqids never reach (a low reqid can be another tunnel's); use e.g. "
	  "1000999999 and the same in the swanctl child" },
	{ "IPsecPolicySet { HomeAgentAddress ::1; HomeAddress 2001:db8::1/64;\n"
	  " IPsecPolicy HomeRegBinding UseESP 2000000000; }",
	  "t.conf:2:2: IPsecPolicy HomeRegBinding: reqid 2000000000 is outside 1000000000-1999999999, the "
	  "range charon's dynamic reqids never reach (a low reqid can be another tunnel's); use e.g. "
	  "1000000000 and the same in the swanctl child" },
	{ "IPsecPolicySet { HomeAgentAddress ::1; HomeAddress 2001:db8::1/64;\n"
	  " IPsecPolicy HomeRegBinding UseESP 1000000001; IPsecPolicy MobPfxDisc UseESP 1000000001; }",
	  "t.conf:2:48: IPsecPolicy MobPfxDisc: reqid 1000000001 is already used at t.conf:2:2; every "
	  "mobility CHILD_SA needs its own reqid" },
	{ "IPsecPolicySet { HomeAgentAddress ::1; HomeAddress 2001:db8::1/64;\n"
	  " IPsecPolicy HomeRegBinding UseESP 1000000001 1000000002; }",
	  "t.conf:2:2: IPsecPolicy HomeRegBinding: strongSwan keeps one reqid per CHILD_SA for both "
	  "directions; drop the second reqid (1000000002)" },
	{ "IPsecPolicySet { IkeConnection \"a{b\"; }",
	  "t.conf:1:32: IkeConnection: \"a{b\" is not a swanctl connection name (1-63 bytes, no blanks, "
	  "braces, '#', '=' or quotes)" },
	{ "KeyManagement racoon;", "t.conf:1:15: KeyManagement takes strongswan or static, got 'racoon'" },
	{ "ControlSocketGroup \"bad group\";", "t.conf:1:20: ControlSocketGroup: invalid group name \"bad group\"" },
	{ "DebugLogFile \"\";", "t.conf:1:14: DebugLogFile takes a non-empty string" },
	{ "DebugLogFile \"a\tb\";", "t.conf:1:14: control character 0x09 in string" },
	{ "DebugLogFile /tmp/x;", "t.conf:1:14: DebugLogFile takes a quoted string, got '/tmp/x'" },
	{ "}", "t.conf:1:1: expected a keyword, got '}'" },
	{ "MnRouterProbes 3;", "t.conf:1:1: MnRouterProbes needs MnRouterProbeTimeout greater than 0" },
	{ "NodeConfig \xc3\xa9;", "t.conf:1:12: unexpected character 0xc3" },
	{ "include \"x\";", "t.conf:1:1: include is disabled here" },
	{ "CnBindingPolicySet { 2001:db8::1 maybe; }",
	  "t.conf:1:34: CnBindingPolicySet entry [local address] takes "
	  "enabled|allow|true or disabled|deny|block|false, got 'maybe'" },
	{ "HaMaxBindingLife 0;", "t.conf:1:18: HaMaxBindingLife must be between 1 and 262140, got 0" },
	/* RFC 6275 §11.3.1: no route optimisation with an address that names no correspondent. */
	{ "MnHomeLink \"eth0\" { MnRoPolicy fe80::1 enabled; }",
	  "t.conf:1:32: MnRoPolicy: fe80::1 is not a correspondent's address (unspecified, multicast, "
	  "loopback, link-local or IPv4-mapped)" },
	{ "MnHomeLink \"eth0\" { MnRoPolicy ff02::1 enabled; }",
	  "t.conf:1:32: MnRoPolicy: ff02::1 is not a correspondent's address (unspecified, multicast, "
	  "loopback, link-local or IPv4-mapped)" },
	{ "MnHomeLink \"eth0\" { MnRoPolicy ff0e::101 disabled; }",
	  "t.conf:1:32: MnRoPolicy: ff0e::101 is not a correspondent's address (unspecified, multicast, "
	  "loopback, link-local or IPv4-mapped)" },
	{ "MnHomeLink \"eth0\" { MnRoPolicy :: enabled; }",
	  "t.conf:1:32: MnRoPolicy: :: is not a correspondent's address (unspecified, multicast, "
	  "loopback, link-local or IPv4-mapped)" },
	{ "MnHomeLink \"eth0\" { MnRoPolicy ::1 enabled; }",
	  "t.conf:1:32: MnRoPolicy: ::1 is not a correspondent's address (unspecified, multicast, "
	  "loopback, link-local or IPv4-mapped)" },
	{ "MnHomeLink \"eth0\" { MnRoPolicy ::ffff:192.0.2.1 enabled; }",
	  "t.conf:1:32: MnRoPolicy: ::ffff:192.0.2.1 is not a correspondent's address (unspecified, "
	  "multicast, loopback, link-local or IPv4-mapped)" },
	{ "MnHomeLink \"eth0\" { MnRoPolicy 2001:db8::5; }",
	  "t.conf:1:43: MnRoPolicy takes enabled|allow|true or disabled|deny|block|false, got ';'" },
};

START_TEST(errors)
{
	struct mip6_config *c = NULL;
	char *err = NULL;
	int r = conf_load_string_flags("t.conf", bad[_i].text, strlen(bad[_i].text),
				       CONF_LOAD_NO_INCLUDE, &c, &err);

	ck_assert_msg(r == -EINVAL, "case %d: r=%d", _i, r);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err, bad[_i].error);
	free(err);
}
END_TEST

START_TEST(nul_and_limits)
{
	struct mip6_config *c = NULL;
	char *err = NULL, *big;
	char word[300];
	size_t n;

	/* A NUL byte inside the text: the length is what counts, not the terminator. */
	ck_assert_int_eq(conf_load_string("t", "DebugLevel 1;\0x", 15, &c, &err), -EINVAL);
	ck_assert_str_eq(err, "t:1:14: unexpected character 0x00");
	free(err);

	memset(word, 'A', sizeof(word));
	word[sizeof(word) - 1] = 0;
	ck_assert_int_eq(conf_load_string("t", word, strlen(word), &c, &err), -EINVAL);
	ck_assert_str_eq(err, "t:1:1: word longer than 255 bytes");
	free(err);

	/* Larger than 4 MiB. */
	n = 4 * 1024 * 1024 + 1;
	big = malloc(n);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', n);
	ck_assert_int_eq(conf_load_string("t", big, n, &c, &err), -EFBIG);
	ck_assert_str_eq(err, "t: configuration larger than 4 MiB");
	free(err);

	/* 4097 ACL entries: one too many. */
	{
		FILE *f;
		char *text = NULL;
		size_t len = 0;

		f = open_memstream(&text, &len);
		for (unsigned i = 0; i <= CONF_MAX_ITEMS; i++)
			fprintf(f, "BindingAclPolicy 2001:db8::%x allow;\n", i + 1);
		fclose(f);
		ck_assert_int_eq(conf_load_string("t", text, len, &c, &err), -EINVAL);
		ck_assert_str_eq(err, "t:4097:1: too many BindingAclPolicy statements (at most 4096)");
		free(err);
		free(text);
	}
	free(big);
	ck_assert_ptr_null(c);
}
END_TEST

static char *print_string(const struct mip6_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(conf_print(c, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

START_TEST(print_fixed_point)
{
	static const char text[] =
		"NodeConfig HA; Interface \"eth0\" { IfType MN; } Interface \"eth1\";\n"
		"HaServedPrefix 2001:DB8:0:0::/48; BindingAclPolicy 2001:db8::100 (2001:db8:5::/64) 200;\n"
		"IPsecPolicySet { HomeAgentAddress 2001:db8::1; HomeAddress 2001:db8::100/64;\n"
		"  IPsecPolicy MobPfxDisc UseESP 5; IkeConnection \"x\"; } KeyManagement static;\n"
		"CnBindingPolicySet { 2001:db8::9 2001:db8::1 enabled; }\n"
		"MnHomeLink \"eth0\" { HomePrefix 2001:db8::/64; }\n"
		"MnRouterProbeTimeout 0.000001; InitialSolicitTimer 12.340;\n";
	struct mip6_config *c = load_ok(text), *c2;
	char *out1 = print_string(c), *out2;

	ck_assert_msg(strstr(out1, "HaServedPrefix 2001:db8::/48;\n"), "%s", out1);
	ck_assert_msg(strstr(out1, "BindingAclPolicy 2001:db8::100 (2001:db8:5::/64) 200;\n"), "%s",
		      out1);
	ck_assert_msg(strstr(out1, "\tIPsecPolicy MobPfxDisc UseESP 5 allow;\n"), "%s", out1);
	ck_assert_msg(strstr(out1, "MnRouterProbeTimeout 0.000001;\n"), "%s", out1);
	ck_assert_msg(strstr(out1, "InitialSolicitTimer 12.34;\n"), "%s", out1);
	ck_assert_msg(strstr(out1, "\tIfType MN;\n"), "%s", out1);
	ck_assert_msg(strstr(out1, "\t2001:db8::9 2001:db8::1 enabled;\n"), "%s", out1);
	c2 = load_ok(out1);
	out2 = print_string(c2);
	ck_assert_str_eq(out1, out2);
	free(out1);
	free(out2);
	conf_free(c);
	conf_free(c2);
}
END_TEST

static void collect(const char *keyword, const char *where, void *ud)
{
	char *buf = ud;
	size_t l = strlen(buf);

	snprintf(buf + l, 1024 - l, "%s@%s;", keyword, where);
}

START_TEST(unimplemented)
{
	struct mip6_config *c = load_ok("DebugLevel 1;\nOptimisticHandoff enabled;\n"
					"OptimisticHandoff disabled;\n"
					"Interface \"eth0\" { Tunnel enabled; }\nMnDiscardHaParamProb enabled;\n");
	char buf[1024] = "";

	conf_unimplemented(c, collect, buf);
	ck_assert_str_eq(buf, "OptimisticHandoff@t.conf:2;Tunnel@t.conf:4;MnDiscardHaParamProb@t.conf:5;");
	conf_free(c);
}
END_TEST

static char dir[] = "/tmp/mip6d-test-conf-XXXXXX";

static void write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static int load_path(const char *name, struct mip6_config **c, char **err)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return conf_load_file(path, c, err);
}

START_TEST(includes)
{
	struct mip6_config *c = NULL;
	char *err = NULL, expect[1024];
	int r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(expect, sizeof(expect), "%s/d", dir);
	ck_assert_int_eq(mkdir(expect, 0700), 0);
	write_file("main.conf", "NodeConfig HA;\nUseMnHaIPsec disabled;\ninclude \"d/*.conf\";\n");
	write_file("d/1.conf", "Interface \"eth1\";\n");
	write_file("d/2.conf", "Interface \"eth2\";\ninclude \"../leaf.conf\"\n");
	write_file("leaf.conf", "DebugLevel 7;\n");
	r = load_path("main.conf", &c, &err);
	ck_assert_msg(r == 0, "%s", err);
	ck_assert_uint_eq(c->n_interfaces, 2);
	ck_assert_str_eq(c->interfaces[0].name, "eth1");
	ck_assert_str_eq(c->interfaces[1].name, "eth2");
	ck_assert_uint_eq(c->debug_level, 7);
	ck_assert_msg(strstr(c->interfaces[1].loc.file, "/d/2.conf"), "%s", c->interfaces[1].loc.file);
	c = conf_free(c);

	/* A loop through two files. */
	write_file("a.conf", "include \"b.conf\";\n");
	write_file("b.conf", "\n include \"a.conf\";\n");
	ck_assert_int_eq(load_path("a.conf", &c, &err), -EINVAL);
	snprintf(expect, sizeof(expect), "%s/b.conf:2:2: include loop: '%s/a.conf' is already being read",
		 dir, dir);
	ck_assert_str_eq(err, expect);
	free(err);

	/* Depth: each file includes the next, ten deep. */
	for (int i = 0; i < 10; i++) {
		char name[32], text[64];
		snprintf(name, sizeof(name), "deep%d.conf", i);
		snprintf(text, sizeof(text), "include \"deep%d.conf\";\n", i + 1);
		write_file(name, text);
	}
	write_file("deep10.conf", "DebugLevel 1;\n");
	ck_assert_int_eq(load_path("deep0.conf", &c, &err), -EINVAL);
	snprintf(expect, sizeof(expect), "%s/deep8.conf:1:1: includes nested too deeply (at most 8 levels)",
		 dir);
	ck_assert_str_eq(err, expect);
	free(err);

	/* A missing file and a missing include. */
	ck_assert_int_eq(load_path("nope.conf", &c, &err), -ENOENT);
	snprintf(expect, sizeof(expect), "%s/nope.conf: No such file or directory", dir);
	ck_assert_str_eq(err, expect);
	free(err);
	write_file("m.conf", "include \"nope.conf\";\n");
	ck_assert_int_eq(load_path("m.conf", &c, &err), -ENOENT);
	free(err);
	/* A directory is not a configuration. */
	ck_assert_int_eq(load_path("d", &c, &err), -EISDIR);
	free(err);
	ck_assert_ptr_null(c);

	snprintf(expect, sizeof(expect), "rm -rf %s", dir);
	ck_assert_int_eq(system(expect), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("conf");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, values);
	tcase_add_loop_test(tc, errors, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, nul_and_limits);
	tcase_add_test(tc, print_fixed_point);
	tcase_add_test(tc, unimplemented);
	tcase_add_test(tc, includes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
