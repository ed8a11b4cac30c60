/*
 * test_page.c - verifyd's page and JSON: every registry string escaped, the
 * verdict words and languages, the CSP hash matching the inline style, the
 * JSON parsing back (jansson) with the right fields; and config parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "verifyd.h"

void vlog(const char *fmt, ...)
{
	(void)fmt;
}

static verdict genuine(void)
{
	verdict v;
	memset(&v, 0, sizeof v);
	v.check.verdict = STAMP_V_GENUINE;
	v.check.in_store = 1;
	v.check.code.serial = 4242;
	v.check.code.version = 1;
	strcpy(v.check.product.name, "Nước mắm <script>alert(1)</script> & \"cốt\"");
	strcpy(v.check.product.group, "Thực phẩm");
	v.check.product.stars = 4;
	strcpy(v.check.product.ocop_decision, "1520/QĐ-UBND");
	v.check.product.ocop_date = 20250512;
	v.check.product.cert_valid_until = 20250101; /* expired */
	strcpy(v.check.coop.name, "HTX <b>Khúc Phụ</b>");
	strcpy(v.check.coop.province, "Thanh Hóa");
	strcpy(v.check.coop.address, "Thôn 'Khúc' Phụ");
	strcpy(v.check.batch.lot, "L<1>");
	v.check.batch.id = 3;
	v.check.batch.produced = 20261101;
	v.check.batch.expiry = 20261120; /* past */
	v.scans = (stamp_scan){9, 7, 5, 1795000000, 1795000100, 2};
	v.suspicious_after = 20;
	v.today = 20261128;
	return v;
}

static char *full_page(const verdict *v, lang l)
{
	size_t dlen = 0, len = 0;
	char *d = page_details(v, l, &dlen);
	assert_non_null(d);
	char *p = page_render(v, l, d, dlen, &len);
	free(d);
	assert_non_null(p);
	assert_int_equal(strlen(p), len);
	return p;
}

static void page_escapes_registry_text(void **state)
{
	(void)state;
	verdict v = genuine();
	char *p = full_page(&v, LANG_VI);
	assert_null(strstr(p, "<script>"));
	assert_null(strstr(p, "<b>"));
	assert_non_null(strstr(p, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;cốt&quot;"));
	assert_non_null(strstr(p, "Thôn &#39;Khúc&#39; Phụ"));
	assert_non_null(strstr(p, "L&lt;1&gt;"));
	assert_non_null(strstr(p, "Tem chính hãng"));
	assert_non_null(strstr(p, "4242"));
	assert_non_null(strstr(p, "5 điện thoại quét (7 lượt quét được tính)"));
	assert_non_null(strstr(p, "hết hiệu lực"));    /* certificate expired */
	assert_non_null(strstr(p, "hết hạn sử dụng")); /* batch expired */
	assert_non_null(strstr(p, "href=\"?lang=en\""));
	assert_true(strlen(p) < 12 * 1024);
	free(p);
}

/* Every text field as long as the registry allows, all of it needing escapes. */
static void fill(char *field, size_t size, char c)
{
	memset(field, c, size - 1);
	field[size - 1] = '\0';
}

static void page_holds_the_longest_record(void **state)
{
	(void)state;
	verdict v = genuine();
	stamp_product *p = &v.check.product;
	stamp_coop *c = &v.check.coop;

	fill(p->name, sizeof p->name, '"');
	fill(p->group, sizeof p->group, '"');
	fill(p->ocop_decision, sizeof p->ocop_decision, '"');
	fill(p->standards, sizeof p->standards, '"');
	fill(c->name, sizeof c->name, '"');
	fill(c->commune, sizeof c->commune, '"');
	fill(c->district, sizeof c->district, '"');
	fill(c->province, sizeof c->province, '"');
	fill(c->address, sizeof c->address, '"');
	fill(v.check.batch.lot, sizeof v.check.batch.lot, '"');
	for (int l = LANG_VI; l <= LANG_EN; l++) {
		char *page = full_page(&v, (lang)l);
		assert_non_null(strstr(page, "</html>"));
		free(page);
	}
}

static void english_and_verdicts(void **state)
{
	(void)state;
	verdict v = genuine();
	char *p = full_page(&v, LANG_EN);
	assert_non_null(strstr(p, "<html lang=\"en\""));
	assert_non_null(strstr(p, "Genuine stamp"));
	assert_non_null(strstr(p, "Scanned by 5 phones (7 scans counted)"));
	assert_non_null(strstr(p, "on 2 days"));
	/* the first scan, under the verdict, with what it means */
	assert_non_null(
		strstr(p, "first scanned on <strong>2026-11-18 18:06 (Vietnam time)</strong>"));
	assert_non_null(strstr(p, "If that was not you or your shop"));
	free(p);
	p = full_page(&v, LANG_VI);
	assert_non_null(strstr(p, "được quét lần đầu lúc <strong>18:06 ngày 18/11/2026</strong>"));
	free(p);
	v.scans = (stamp_scan){1, 0, 0, 0, 0, 0}; /* asked, never counted */
	p = full_page(&v, LANG_EN);
	assert_null(strstr(p, "first scanned on"));
	assert_non_null(strstr(p, "has not been scanned before"));
	free(p);

	v.scans.scanners = 21;
	v.suspicious = 1;
	assert_string_equal(stamp_verdict_name(verdict_shown(&v)), "suspicious");
	p = full_page(&v, LANG_VI);
	assert_non_null(strstr(p, "có thể bị sao chép"));
	assert_non_null(strstr(p, "21 điện thoại khác nhau"));
	free(p);

	verdict f;
	size_t len;
	memset(&f, 0, sizeof f);
	f.check.verdict = STAMP_V_FORGED;
	assert_string_equal(stamp_verdict_name(verdict_shown(&f)), "forged");
	p = page_render(&f, LANG_VI, NULL, 0, &len);
	assert_non_null(strstr(p, "Tem giả"));
	assert_null(strstr(p, "Sản phẩm")); /* no details for a forgery */
	free(p);
	verdict r = genuine();
	r.check.verdict = STAMP_V_REVOKED;
	assert_string_equal(stamp_verdict_name(verdict_shown(&r)), "revoked");
	p = full_page(&r, LANG_VI);
	assert_non_null(strstr(p, "Tem đã bị thu hồi"));
	assert_non_null(strstr(p, "class=\"v bad\""));
	assert_non_null(strstr(p, "&lt;script&gt;")); /* details still shown, escaped */
	free(p);
	r.check.verdict = STAMP_V_UNKNOWN;
	r.check.in_store = 0;
	assert_string_equal(stamp_verdict_name(verdict_shown(&r)), "unknown");
	p = page_render(&r, LANG_EN, NULL, 0, &len);
	assert_non_null(strstr(p, "Stamp not found"));
	free(p);
	f.check.verdict = STAMP_V_UNKNOWN_KEY;
	assert_string_equal(stamp_verdict_name(verdict_shown(&f)), "forged");
	f.check.verdict = STAMP_V_MALFORMED;
	f.malformed = 1;
	assert_string_equal(stamp_verdict_name(verdict_shown(&f)), "malformed");
}

static void csp_pins_the_style(void **state)
{
	(void)state;
	verdict v = genuine();
	unsigned char h[crypto_hash_sha256_BYTES];
	char b64[64], want[96];

	assert_int_equal(page_init(), 0);
	char *p = full_page(&v, LANG_VI);
	const char *a = strstr(p, "<style>") + 7, *b = strstr(p, "</style>");
	crypto_hash_sha256(h, (const unsigned char *)a, (unsigned long long)(b - a));
	sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
	snprintf(want, sizeof want, "style-src 'sha256-%s'", b64);
	assert_non_null(strstr(page_csp(), want));
	assert_non_null(strstr(page_csp(), "default-src 'none'"));
	free(p);
}

static void json_parses_with_fields(void **state)
{
	(void)state;
	verdict v = genuine();
	size_t dlen, len;
	json_error_t err;
	char *d = api_details(&v, &dlen);
	char *text = api_render(&v, d, dlen, &len);
	json_t *j = json_loads(text, 0, &err);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "genuine");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "code"), "serial")),
			 4242);
	json_t *prod = json_object_get(j, "product");
	assert_string_equal(json_string_value(json_object_get(prod, "name")), v.check.product.name);
	assert_true(json_is_true(json_object_get(prod, "certificate_expired")));
	assert_true(json_is_true(json_object_get(json_object_get(j, "batch"), "expired")));
	json_t *sc = json_object_get(j, "scans");
	assert_int_equal(json_integer_value(json_object_get(j, "schema")), 2);
	assert_int_equal(json_integer_value(json_object_get(sc, "requests")), 9);
	assert_int_equal(json_integer_value(json_object_get(sc, "counted")), 7);
	assert_int_equal(json_integer_value(json_object_get(sc, "scanners")), 5);
	assert_int_equal(json_integer_value(json_object_get(sc, "days")), 2);
	assert_string_equal(json_string_value(json_object_get(sc, "first")),
			    "2026-11-18T18:06:40+07:00");
	json_decref(j);
	free(text);
	free(d);

	verdict m;
	memset(&m, 0, sizeof m);
	m.malformed = 1;
	m.check.verdict = STAMP_V_MALFORMED;
	text = api_render(&m, NULL, 0, &len);
	j = json_loads(text, 0, &err);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "malformed");
	assert_null(json_object_get(j, "code"));
	json_decref(j);
	free(text);
}

/* The whole JSON answer, as verifyd sends it: the cached details in the envelope. */
static char *full_json(const verdict *v)
{
	size_t dlen = 0, len = 0;
	char *d = api_details(v, &dlen);
	assert_non_null(d);
	char *text = api_render(v, d, dlen, &len);
	free(d);
	assert_non_null(text);
	return text;
}

static stamp_event stage(uint8_t st, uint32_t date, uint16_t minutes)
{
	stamp_event e;
	memset(&e, 0, sizeof e);
	e.stage = st;
	e.date = date;
	e.minutes = minutes;
	strcpy(e.product_id, "NM-01");
	return e;
}

static void journey_on_page_and_json(void **state)
{
	(void)state;
	verdict v = genuine();
	stamp_event ev[2] = {stage(STAMP_STAGE_RECEIVING, 20250301, 6 * 60 + 30),
			     stage(STAMP_STAGE_SHIPPING, 20261112, STAMP_EVENT_NO_TIME)};
	strcpy(ev[0].place, "Bến <cá>");
	strcpy(ev[0].province, "Thanh Hóa");
	strcpy(ev[0].source, "lô \"cá cơm\" & muối");
	strcpy(ev[0].note, "<script>x</script>");
	ev[0].has_geo = 3, ev[0].lat_e6 = 19812500, ev[0].lon_e6 = -105904100;
	ev[1].batch_id = 3;
	strcpy(ev[1].partner, "Công ty 'Vận tải'");
	v.events = ev;
	v.nevents = 2;

	char *p = full_page(&v, LANG_VI);
	assert_non_null(strstr(p, "<h2>Hành trình sản phẩm</h2>"));
	assert_non_null(strstr(p, "<strong>Tiếp nhận nguyên liệu</strong><br><small>01/03/2025, "
				  "06:30</small><br>Bến &lt;cá&gt;, Thanh Hóa"));
	assert_non_null(strstr(p, "nguyên liệu từ lô &quot;cá cơm&quot; &amp; muối"));
	assert_non_null(strstr(p, "&lt;script&gt;x&lt;/script&gt;"));
	assert_null(strstr(p, "<script>"));
	assert_non_null(strstr(p, "Thực hiện: HTX &lt;b&gt;Khúc Phụ&lt;/b&gt;")); /* the producer */
	assert_non_null(strstr(p, "Thực hiện: Công ty &#39;Vận tải&#39;"));
	assert_true(strstr(p, "Tiếp nhận") < strstr(p, "Vận chuyển"));
	free(p);
	p = full_page(&v, LANG_EN);
	assert_non_null(strstr(p, "Journey of the product"));
	assert_non_null(strstr(p, "<small>2025-03-01 06:30</small>"));
	assert_non_null(strstr(p, "raw material from lô &quot;cá cơm&quot;"));
	assert_non_null(strstr(p, "<strong>Shipping</strong><br><small>2026-11-12</small>"));
	free(p);

	size_t dlen;
	char *text = full_json(&v);
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	json_t *a = json_object_get(j, "events"), *e0 = json_array_get(a, 0);
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_object_get(e0, "stage")), "receiving");
	assert_string_equal(json_string_value(json_object_get(e0, "bizstep")),
			    "https://ref.gs1.org/cbv/BizStep-receiving");
	assert_string_equal(json_string_value(json_object_get(e0, "time")), "06:30");
	assert_string_equal(json_string_value(json_object_get(e0, "of")), "product");
	assert_string_equal(json_string_value(json_object_get(e0, "note")), ev[0].note);
	json_t *pl = json_object_get(e0, "place");
	assert_string_equal(json_string_value(json_object_get(pl, "name")), "Bến <cá>");
	assert_true(json_real_value(json_object_get(pl, "lat")) == 19.8125);
	assert_true(json_real_value(json_object_get(pl, "lon")) == -105.9041);
	assert_non_null(strstr(text, "\"lat\":19.8125,\"lon\":-105.9041}"));
	json_t *e1 = json_array_get(a, 1);
	assert_true(json_is_null(json_object_get(e1, "time")));
	assert_true(json_is_null(json_object_get(json_object_get(e1, "place"), "lat")));
	assert_string_equal(json_string_value(json_object_get(e1, "of")), "batch");
	json_decref(j);
	free(text);

	/* no stages: no section, an empty array */
	v.events = NULL;
	v.nevents = 0;
	p = full_page(&v, LANG_VI);
	assert_null(strstr(p, "Hành trình"));
	free(p);
	char *d = api_details(&v, &dlen);
	assert_non_null(strstr(d, "\"events\":[]"));
	free(d);
}

/* 200 stages, every text at its bound and all of it escaped: bounded, never a 5xx. */
static void journey_is_bounded(void **state)
{
	(void)state;
	verdict v = genuine();
	stamp_event *ev = calloc(2 * STAMP_EVENTS_MAX, sizeof *ev);
	assert_non_null(ev);
	for (int i = 0; i < 2 * STAMP_EVENTS_MAX; i++) {
		ev[i] = stage(STAMP_STAGE_STORING, 20260101, STAMP_EVENT_NO_TIME);
		fill(ev[i].label, sizeof ev[i].label, '"');
		fill(ev[i].place, sizeof ev[i].place, '<');
		fill(ev[i].commune, sizeof ev[i].commune, '&');
		fill(ev[i].district, sizeof ev[i].district, '"');
		fill(ev[i].province, sizeof ev[i].province, '"');
		fill(ev[i].partner, sizeof ev[i].partner, '"');
		fill(ev[i].note, sizeof ev[i].note, '"');
		fill(ev[i].source, sizeof ev[i].source, '"');
	}
	v.events = ev;
	v.nevents = 2 * STAMP_EVENTS_MAX;
	for (int l = LANG_VI; l <= LANG_EN; l++) {
		size_t plain = 0;
		char *page = full_page(&v, (lang)l);
		assert_non_null(strstr(page, "</html>"));
		assert_non_null(strstr(page, l == LANG_EN ? "more stages." : "công đoạn khác."));
		assert_true(strlen(page) < 48 * 1024);
		free(page);
		/* typical stages: all of them fit */
		for (int i = 0; i < 20; i++) {
			ev[i] = stage(STAMP_STAGE_PACKING, 20260101 + (uint32_t)i, 8 * 60);
			strcpy(ev[i].place, "Xưởng đóng chai");
		}
		v.nevents = 20;
		page = full_page(&v, (lang)l);
		for (const char *q = page; (q = strstr(q, "<li>")); q++)
			plain++;
		assert_int_equal(plain, 20);
		assert_null(strstr(page, l == LANG_EN ? "more stages." : "công đoạn khác."));
		free(page);
		v.nevents = 2 * STAMP_EVENTS_MAX;
	}
	size_t dlen = 0;
	char *d = api_details(&v, &dlen);
	assert_non_null(d);
	free(d);
	free(ev);
}

static int run_config(config *c, const char *ini, int argc, char **argv)
{
	char path[] = "/tmp/test_page_ini.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	fputs(ini, f);
	fclose(f);
	char *args[16] = {"verifyd", "--config", path};
	for (int i = 0; i < argc; i++)
		args[3 + i] = argv[i];
	int rc = config_load(c, 3 + argc, args);
	unlink(path);
	return rc;
}

static void config_file_then_flags(void **state)
{
	(void)state;
	config c;
	char *flags[] = {"--port", "9001"};
	assert_int_equal(run_config(&c,
				    "[server]\nport = 8443\nthreads = 3\n[verdict]\n"
				    "suspicious_after = 5\n",
				    2, flags),
			 0);
	assert_int_equal(c.port, 9001); /* the flag wins */
	assert_int_equal(c.threads, 3);
	assert_int_equal(c.suspicious_after, 5);
	assert_string_equal(c.listen_addr, "127.0.0.1");
	assert_int_not_equal(run_config(&c, "[server]\nprot = 1\n", 0, NULL), 0);
	assert_int_not_equal(run_config(&c, "[server]\nport = 70000\n", 0, NULL), 0);
	assert_int_not_equal(run_config(&c, "[server]\nport = 80x\n", 0, NULL), 0);
	char *bad[] = {"--threads", "-1"};
	assert_int_not_equal(run_config(&c, "", 2, bad), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(page_escapes_registry_text),
		cmocka_unit_test(english_and_verdicts),
		cmocka_unit_test(page_holds_the_longest_record),
		cmocka_unit_test(csp_pins_the_style),
		cmocka_unit_test(json_parses_with_fields),
		cmocka_unit_test(journey_on_page_and_json),
		cmocka_unit_test(journey_is_bounded),
		cmocka_unit_test(config_file_then_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
