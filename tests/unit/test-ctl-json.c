/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control replies' JSON (src/control/ctl-json, src/ha/ha-ctl): every text
 * is parsed back with json-c's tokener, strings of the kind charon sends
 * (quotes, backslashes, control characters, UTF-8) round-trip exactly, bytes
 * that are not UTF-8 become '?' (a strict UTF-8-validating parse accepts the
 * result), the
 * output is one compact line with the keys in the order scripts match.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/ctl-json.h"
#include "ha/bcache.h"
#include "ha/ha-ctl.h"

/* Serialise o through ctl_json_print into a malloc'd string (o is consumed). */
static char *print_to_string(json_object *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(ctl_json_print(f, o), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

/* Parse text strictly: one value, then the newline and nothing else. */
static json_object *parse_strict(const char *text)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;
	size_t end;

	ck_assert_ptr_nonnull(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, text, (int)strlen(text));
	ck_assert_msg(o && json_tokener_get_error(tok) == json_tokener_success, "not JSON: %s", text);
	end = json_tokener_get_parse_end(tok);
	/* json-c may or may not consume the trailing whitespace; nothing else may follow. */
	ck_assert_msg(strspn(text + end, "\n") == strlen(text + end), "after the value: %s", text + end);
	ck_assert_msg(strlen(text) > 0 && text[strlen(text) - 1] == '\n', "no newline: %s", text);
	json_tokener_free(tok);
	return o;
}

START_TEST(hostile_strings_round_trip)
{
	/* What a charon could put in an IKE SA name or state: quotes, backslash, controls, UTF-8. */
	static const char *const names[] = {
		"ha-\"mn\"", "back\\slash", "new\nline\ttab\rcr", "\x01\x1f bell\x07", "caf\xc3\xa9 \xe2\x82\xac",
		"}],{\"injected\":true", "2001:db8:1::/64", "",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		json_object *o = json_object_new_object(), *back, *v;
		char *text;

		ctl_json_add_str(o, "name", names[i]);
		ctl_json_add_u64(o, "after", 1);
		text = print_to_string(o);
		ck_assert_msg(strchr(text, '\n') == text + strlen(text) - 1, "not one line: %s", text);
		back = parse_strict(text);
		ck_assert(json_object_object_get_ex(back, "name", &v));
		ck_assert_str_eq(json_object_get_string(v), names[i]);
		ck_assert_int_eq(json_object_object_length(back), 2);
		json_object_put(back);
		free(text);
	}
}
END_TEST

START_TEST(invalid_utf8_replaced)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "ok \xc3\xa9", "ok \xc3\xa9" },             /* é stays */
		{ "\xff\xfe", "??" },                         /* never UTF-8 */
		{ "a\xc3", "a?" },                             /* cut short at the end */
		{ "\xc0\xaf", "??" },                         /* overlong '/' */
		{ "\xed\xa0\x80", "???" },                    /* a surrogate */
		{ "\xf4\x90\x80\x80", "????" },               /* above U+10FFFF */
		{ "\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!" }, /* 4 bytes, valid */
		{ "\xe2\x82", "??" },                         /* 3-byte cut short */
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		json_object *o = json_object_new_object(), *back, *s;
		char *clean = ctl_json_utf8_clean(v[i].in), *text;

		ck_assert_str_eq(clean, v[i].out);
		free(clean);
		ctl_json_add_str(o, "s", v[i].in);
		text = print_to_string(o);
		back = parse_strict(text);
		ck_assert(json_object_object_get_ex(back, "s", &s));
		ck_assert_str_eq(json_object_get_string(s), v[i].out);
		json_object_put(back);
		free(text);
	}
}
END_TEST

START_TEST(compact_numbers_and_order)
{
	json_object *o = json_object_new_object(), *a;
	struct in6_addr p;
	char *text;

	inet_pton(AF_INET6, "2001:db8:1::", &p);
	ctl_json_add_prefix(o, "prefix", &p, 64);
	ctl_json_add_u64(o, "big", UINT64_MAX);
	ctl_json_add_i64(o, "neg", -5);
	ctl_json_add_ms(o, "ms", 12.34);
	ctl_json_add_ms(o, "none", -1.0);
	ctl_json_add_bool(o, "self", true);
	a = ctl_json_add_array(o, "list");
	ctl_json_add_u64(ctl_json_append_object(a), "n", 1);
	ctl_json_add_object(o, "empty");
	text = print_to_string(o);
	/* No spaces, '/' as is, one decimal for ms, insertion order. */
	ck_assert_str_eq(text, "{\"prefix\":\"2001:db8:1::/64\",\"big\":18446744073709551615,\"neg\":-5,"
			       "\"ms\":12.3,\"none\":-1.0,\"self\":true,\"list\":[{\"n\":1}],\"empty\":{}}\n");
	json_object_put(parse_strict(text));
	free(text);
}
END_TEST

START_TEST(error_reply_is_json)
{
	char *e = ctl_json_error_text("unknown command 'x\"y' for a CN");
	char *line;
	json_object *o, *v;

	ck_assert_ptr_nonnull(e);
	ck_assert_int_ge(asprintf(&line, "%s\n", e), 0);
	o = parse_strict(line);
	ck_assert(json_object_object_get_ex(o, "error", &v));
	ck_assert_str_eq(json_object_get_string(v), "unknown command 'x\"y' for a CN");
	json_object_put(o);
	free(line);
	free(e);
	ck_assert_int_eq(ctl_json_print(stdout, NULL), -ENOMEM);
}
END_TEST

START_TEST(bce_keys_in_script_order)
{
	struct bce e = { .seq = 7, .bu_flags = 0xa000, .lifetime_sec = 600, .state = BCE_VALID, .ifindex = 3 };
	char *text;

	inet_pton(AF_INET6, "2001:db8:1::100", &e.hoa);
	inet_pton(AF_INET6, "2001:db8:2::ff:fe00:100", &e.coa);
	inet_pton(AF_INET6, "2001:db8:1::1", &e.local);
	e.expires = 100 * USEC_PER_SEC;
	text = print_to_string(bce_to_json(&e, 40 * USEC_PER_SEC));
	/* tests/vm/scenarios grep this prefix of the entry. */
	ck_assert_str_eq(text, "{\"hoa\":\"2001:db8:1::100\",\"coa\":\"2001:db8:2::ff:fe00:100\",\"ha\":\"2001:db8:1::1\","
			       "\"state\":\"valid\",\"seq\":7,\"lifetime\":600,\"expires_in\":60,\"flags\":40960,"
			       "\"refreshes\":0,\"ifindex\":3}\n");
	json_object_put(parse_strict(text));
	free(text);
	/* Past its end: 0 seconds left, not a negative or wrapped number. */
	ck_assert_int_eq(bce_seconds_left(&e, 200 * USEC_PER_SEC), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl-json");
	TCase *tc = tcase_create("json");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, hostile_strings_round_trip);
	tcase_add_test(tc, invalid_utf8_replaced);
	tcase_add_test(tc, compact_numbers_and_order);
	tcase_add_test(tc, error_reply_is_json);
	tcase_add_test(tc, bce_keys_in_script_order);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
