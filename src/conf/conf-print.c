/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Normalised output of a parsed configuration (`mip6d -n`): every setting,
 * defaults included, in a fixed order, includes flattened, addresses in
 * RFC 5952 form. The output parses back into an equal configuration, so
 * print → parse → print is a fixed point (tests/unit/test-conf.c, fuzz-conf).
 */
#include <arpa/inet.h>
#include <inttypes.h>

#include "conf/conf.h"
#include "core/addr-util.h"

static const char *onoff(bool b)
{
	return b ? "enabled" : "disabled";
}

static void print_prefix(FILE *f, const struct conf_prefix *p)
{
	char a[INET6_ADDRSTRLEN];

	fprintf(f, "%s/%u", addr_str(&p->addr, a), p->len);
}

static void print_prefix_list(FILE *f, const struct conf_prefix *p, size_t n)
{
	if (n == 0)
		return;
	fputs(" (", f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		print_prefix(f, &p[i]);
	}
	fputc(')', f);
}

/* Microseconds as seconds with at least one decimal: 1.5, 1.0, 0.000001. */
static void print_seconds(FILE *f, const char *kw, uint64_t usec)
{
	char frac[8];
	int n;

	snprintf(frac, sizeof(frac), "%06" PRIu64, usec % 1000000);
	for (n = 6; n > 1 && frac[n - 1] == '0'; n--)
		;
	fprintf(f, "%s %" PRIu64 ".%.*s;\n", kw, usec / 1000000, n, frac);
}

static void print_interface(FILE *f, const struct conf_interface *i)
{
	fprintf(f, "Interface \"%s\" {\n", i->name);
	fprintf(f, "\tMnIfPreference %u;\n", i->preference);
	fprintf(f, "\tIfType %s;\n", node_role_to_string(i->type));
	fprintf(f, "\tTunnel %s;\n", onoff(i->tunnel));
	fputs("}\n", f);
}

static void print_home_link(FILE *f, const struct conf_home_link *l)
{
	char a[INET6_ADDRSTRLEN];

	fprintf(f, "MnHomeLink \"%s\" {\n", l->ifname);
	if (l->has_hoa) {
		fputs("\tHomeAddress ", f);
		print_prefix(f, &l->hoa);
		print_prefix_list(f, l->mnps, l->n_mnps);
		fputs(";\n", f);
	}
	if (l->has_ha_addr)
		fprintf(f, "\tHomeAgentAddress %s;\n", addr_str(&l->ha_addr, a));
	if (l->has_home_prefix) {
		fputs("\tHomePrefix ", f);
		print_prefix(f, &l->home_prefix);
		fputs(";\n", f);
	}
	fprintf(f, "\tIsMobRtr %s;\n", onoff(l->is_mob_rtr));
	for (size_t i = 0; i < l->n_ro_policies; i++) {
		const struct conf_ro_policy *r = &l->ro_policies[i];

		if (r->any)
			fprintf(f, "\tMnRoPolicy %s;\n", onoff(r->enabled));
		else
			fprintf(f, "\tMnRoPolicy %s %s;\n", addr_str(&r->addr, a), onoff(r->enabled));
	}
	fputs("}\n", f);
}

static void print_ipsec_set(FILE *f, const struct conf_ipsec_policy_set *s)
{
	char a[INET6_ADDRSTRLEN];

	fputs("IPsecPolicySet {\n", f);
	if (s->ike_conn)
		fprintf(f, "\tIkeConnection \"%s\";\n", s->ike_conn);
	if (s->has_ha_addr)
		fprintf(f, "\tHomeAgentAddress %s;\n", addr_str(&s->ha_addr, a));
	for (size_t i = 0; i < s->n_hoas; i++) {
		fputs("\tHomeAddress ", f);
		print_prefix(f, &s->hoas[i]);
		fputs(";\n", f);
	}
	for (size_t i = 0; i < s->n_policies; i++) {
		const struct conf_ipsec_policy *p = &s->policies[i];

		fprintf(f, "\tIPsecPolicy %s UseESP", conf_ipsec_type_to_string(p->type));
		if (p->reqid_to_ha) {
			fprintf(f, " %" PRIu32, p->reqid_to_ha);
			if (p->reqid_to_mn)
				fprintf(f, " %" PRIu32, p->reqid_to_mn);
		}
		fprintf(f, " %s;\n", p->allow ? "allow" : "deny");
	}
	fputs("}\n", f);
}

static void print_acl(FILE *f, const struct conf_binding_acl *e)
{
	char a[INET6_ADDRSTRLEN];

	fprintf(f, "BindingAclPolicy %s", addr_str(&e->hoa, a));
	print_prefix_list(f, e->mnps, e->n_mnps);
	if (e->status == 0)
		fputs(" allow;\n", f);
	else if (e->status == 129)
		fputs(" deny;\n", f);
	else
		fprintf(f, " %u;\n", e->status);
}

int conf_print(const struct mip6_config *c, FILE *f)
{
	char a[INET6_ADDRSTRLEN];

	fputs("# Common\n", f);
	fprintf(f, "NodeConfig %s;\n", node_role_to_string(c->role));
	fprintf(f, "DebugLevel %u;\n", c->debug_level);
	if (c->debug_log_file)
		fprintf(f, "DebugLogFile \"%s\";\n", c->debug_log_file);
	fprintf(f, "NonVolatileBindingCache %s;\n", onoff(c->non_volatile_binding_cache));
	if (c->policy_module)
		fprintf(f, "UsePolicyModule \"%s\";\n", c->policy_module);
	for (size_t i = 0; i < c->n_interfaces; i++)
		print_interface(f, &c->interfaces[i]);

	fputs("\n# Route optimisation\n", f);
	fprintf(f, "DoRouteOptimizationCN %s;\n", onoff(c->do_route_optimization_cn));
	fprintf(f, "DoRouteOptimizationMN %s;\n", onoff(c->do_route_optimization_mn));
	fprintf(f, "UseCnBuAck %s;\n", onoff(c->use_cn_bu_ack));
	if (c->n_cn_binding_policies > 0) {
		fputs("CnBindingPolicySet {\n", f);
		for (size_t i = 0; i < c->n_cn_binding_policies; i++) {
			const struct conf_cn_binding_policy *e = &c->cn_binding_policies[i];

			fprintf(f, "\t%s", addr_str(&e->remote_hoa, a));
			if (e->has_local)
				fprintf(f, " %s", addr_str(&e->local_addr, a));
			fprintf(f, " %s;\n", onoff(e->enabled));
		}
		fputs("}\n", f);
	}

	fputs("\n# IPsec\n", f);
	fprintf(f, "UseMnHaIPsec %s;\n", onoff(c->use_mn_ha_ipsec));
	fprintf(f, "KeyMngMobCapability %s;\n", onoff(c->key_mng_mob_capability));
	for (size_t i = 0; i < c->n_ipsec_policy_sets; i++)
		print_ipsec_set(f, &c->ipsec_policy_sets[i]);

	fputs("\n# Home agent\n", f);
	fprintf(f, "HaMaxBindingLife %u;\n", c->ha_max_binding_life);
	fprintf(f, "HaMaxBindings %u;\n", c->ha_max_bindings);
	fprintf(f, "HaMaxRegistrationsPerSec %u;\n", c->ha_max_registrations_per_sec);
	fprintf(f, "BindingErrorsPerSec %u;\n", c->binding_errors_per_sec);
	fprintf(f, "RejectedBuLogPerSec %u;\n", c->rejected_bu_log_per_sec);
	fprintf(f, "MhReceiveBuffer %u;\n", c->mh_receive_buffer);
	fprintf(f, "SendMobPfxAdvs %s;\n", onoff(c->send_mob_pfx_advs));
	fprintf(f, "SendUnsolMobPfxAdvs %s;\n", onoff(c->send_unsol_mob_pfx_advs));
	fprintf(f, "MinMobPfxAdvInterval %u;\n", c->min_mob_pfx_adv_interval);
	fprintf(f, "MaxMobPfxAdvInterval %u;\n", c->max_mob_pfx_adv_interval);
	fprintf(f, "HaAcceptMobRtr %s;\n", onoff(c->ha_accept_mob_rtr));
	for (size_t i = 0; i < c->n_ha_served_prefixes; i++) {
		fputs("HaServedPrefix ", f);
		print_prefix(f, &c->ha_served_prefixes[i]);
		fputs(";\n", f);
	}
	fprintf(f, "DefaultBindingAclPolicy %s;\n", c->default_binding_acl_allow ? "allow" : "deny");
	for (size_t i = 0; i < c->n_binding_acls; i++)
		print_acl(f, &c->binding_acls[i]);

	fputs("\n# Mobile node\n", f);
	fprintf(f, "MnMaxHaBindingLife %u;\n", c->mn_max_ha_binding_life);
	fprintf(f, "MnMaxCnBindingLife %u;\n", c->mn_max_cn_binding_life);
	fprintf(f, "MnMaxLearntCorrespondents %u;\n", c->mn_max_learnt_cns);
	fprintf(f, "MnMaxHaConsecutiveResends %u;\n", c->mn_max_ha_consecutive_resends);
	fprintf(f, "MnMaxCnConsecutiveResends %u;\n", c->mn_max_cn_consecutive_resends);
	fprintf(f, "MnDiscardHaParamProb %s;\n", onoff(c->mn_discard_ha_param_prob));
	fprintf(f, "MnResetDhaadAtHome %s;\n", onoff(c->mn_reset_dhaad_at_home));
	fprintf(f, "MnFlushAllAtHome %s;\n", onoff(c->mn_flush_all_at_home));
	fprintf(f, "SendMobPfxSols %s;\n", onoff(c->send_mob_pfx_sols));
	fprintf(f, "MnUseAllInterfaces %s;\n", onoff(c->mn_use_all_interfaces));
	fprintf(f, "MobRtrUseExplicitMode %s;\n", onoff(c->mob_rtr_use_explicit_mode));
	fprintf(f, "OptimisticHandoff %s;\n", onoff(c->optimistic_handoff));
	fprintf(f, "NoHomeReturn %s;\n", onoff(c->no_home_return));
	fprintf(f, "MnRouterProbes %u;\n", c->mn_router_probes);
	print_seconds(f, "MnRouterProbeTimeout", c->mn_router_probe_timeout_usec);
	print_seconds(f, "InterfaceInitialInitDelay", c->interface_initial_init_delay_usec);
	print_seconds(f, "InitialBindackTimeoutFirstReg", c->initial_bindack_timeout_first_reg_usec);
	print_seconds(f, "InitialBindackTimeoutReReg", c->initial_bindack_timeout_rereg_usec);
	print_seconds(f, "InitialSolicitTimer", c->initial_solicit_timer_usec);
	for (size_t i = 0; i < c->n_home_links; i++)
		print_home_link(f, &c->home_links[i]);

	fputs("\n# mip6d extensions\n", f);
	fprintf(f, "KeyManagement %s;\n", conf_key_management_to_string(c->key_management));
	fprintf(f, "ViciSocket \"%s\";\n", c->vici_socket);
	if (c->static_key_file)
		fprintf(f, "StaticKeyFile \"%s\";\n", c->static_key_file);
	fprintf(f, "ControlSocket \"%s\";\n", c->control_socket);
	if (c->control_socket_group)
		fprintf(f, "ControlSocketGroup \"%s\";\n", c->control_socket_group);
	return ferror(f) ? -EIO : 0;
}
