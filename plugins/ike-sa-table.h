/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * charon's IKE SAs as the strongSwan backend last listed them (`list-sas`),
 * each with the reqids of its installed CHILD_SAs, indexed by reqid and by
 * IKE SA unique id: sorted arrays built once per listing, O(log n) lookups,
 * no fixed caps (a home agent has an IKE SA per mobile node). Pure: no I/O.
 *
 * Filling: ike_sa_table_add() for each SA (the pointer it returns is valid
 * until the next add), ike_sa_add_reqid() for its CHILD_SAs, then
 * ike_sa_table_index() before any lookup.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_SA_NAME_MAX 64

struct ike_sa {
	char name[IKE_SA_NAME_MAX];
	uint32_t uid; /* charon's unique id (`ike-id` of terminate) */
	char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
	char spi_i[24], spi_r[24];
	char state[24];
	uint32_t *reqids; /* of the INSTALLED CHILD_SAs */
	size_t n_reqids, cap_reqids;
};

struct ike_sa_ref {
	uint32_t key;
	uint32_t idx;
};

struct ike_sa_table {
	struct ike_sa *sas;
	size_t n, cap;
	struct ike_sa_ref *by_reqid, *by_uid;
	size_t n_by_reqid;
};

/* Frees what the table holds and leaves it empty (a zeroed table is empty too). */
void ike_sa_table_clear(struct ike_sa_table *t);
void ike_sa_table_swap(struct ike_sa_table *a, struct ike_sa_table *b);
/* A new zeroed SA at the end, NULL without memory. Invalidates the index. */
struct ike_sa *ike_sa_table_add(struct ike_sa_table *t);
int ike_sa_add_reqid(struct ike_sa *sa, uint32_t reqid);
/* Build both indexes. 0 or -ENOMEM (then lookups find nothing). */
int ike_sa_table_index(struct ike_sa_table *t);
/* The (first listed) IKE SA carrying an installed CHILD_SA with reqid, or NULL. */
const struct ike_sa *ike_sa_table_by_reqid(const struct ike_sa_table *t, uint32_t reqid);
const struct ike_sa *ike_sa_table_by_uid(const struct ike_sa_table *t, uint32_t uid);
/*
 * The first listed IKE SA named name (its swanctl connection) carrying an
 * installed CHILD_SA with reqid (mine = true), or the first one carrying it
 * under another name (mine = false); NULL if none.
 */
const struct ike_sa *ike_sa_table_find(const struct ike_sa_table *t, const char *name, uint32_t reqid, bool mine);
/* The IKE SA uid was terminated: its CHILD_SAs count as gone until the next listing. */
void ike_sa_table_forget(struct ike_sa_table *t, uint32_t uid);
