/*
 * test_resolver.c - GS1 Digital Link (verifyd/resolver.c): GTINs of 8, 12,
 * 13 and 14 digits normalised to 14 with the check digit verified, the
 * qualifiers 10 and 21 in order and percent-decoded, what the URI syntax
 * refuses (400) and what is valid but not held (404), link types in their
 * spellings, the canonical URI, the linkset's shape (one default link, also
 * listed under its type) and the Link header.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "stamp/registry.h"
#include "verifyd.h"

static void test_gtin14(void **state)
{
	(void)state;
	char g[15];
	assert_int_equal(stamp_gtin14("96385074", g), 0); /* GTIN-8 */
	assert_string_equal(g, "00000096385074");
	assert_int_equal(stamp_gtin14("036000291452", g), 0); /* GTIN-12 */
	assert_string_equal(g, "00036000291452");
	assert_int_equal(stamp_gtin14("8936005120011", g), 0);
	assert_string_equal(g, "08936005120011");
	assert_int_equal(stamp_gtin14("09506000134352", g), 0);
	assert_string_equal(g, "09506000134352");
	assert_int_equal(stamp_gtin14("8936005120012", g), STAMP_EINPUT); /* check digit */
	assert_int_equal(stamp_gtin14("89360051200", g), STAMP_EINPUT);	  /* 11 digits */
	assert_int_equal(stamp_gtin14("893600512001a", g), STAMP_EINPUT);
	assert_int_equal(stamp_gtin14("", g), STAMP_EINPUT);
}

static void test_parse(void **state)
{
	(void)state;
	dl_key k;
	assert_int_equal(dl_parse("/01/8936005120011", &k), DL_OK);
	assert_string_equal(k.gtin, "08936005120011");
	assert_string_equal(k.lot, "");
	assert_string_equal(k.serial, "");
	assert_int_equal(dl_parse("/01/08936005120011/10/L01%2FA/21/3/", &k), DL_OK);
	assert_string_equal(k.lot, "L01/A");
	assert_string_equal(k.serial, "3");
	assert_int_equal(dl_parse("/01/08936005120011/21/ABC%25", &k), DL_OK);
	assert_string_equal(k.serial, "ABC%");
	assert_string_equal(k.lot, "");
	/* valid, but no consumer product variants are held here */
	assert_int_equal(dl_parse("/01/08936005120011/22/A/10/B", &k), DL_UNKNOWN);

	static const char *const bad[] = {
		"/01/8936005120012",			       /* check digit */
		"/01/",					       /* no GTIN */
		"/01/08936005120011/10",		       /* AI without a value */
		"/01/08936005120011/10/",		       /* empty value */
		"/01/08936005120011/21/1/10/L",		       /* out of order */
		"/01/08936005120011/10/A/10/B",		       /* repeated */
		"/01/08936005120011/17/261231",		       /* a data attribute */
		"/01/08936005120011/99/x",		       /* not a qualifier of 01 */
		"/01/08936005120011/10/A%20B",		       /* space: not in set 82 */
		"/01/08936005120011/10/A%00B",		       /* NUL */
		"/01/08936005120011/10/%C3%A1",		       /* not ASCII */
		"/01/08936005120011/10/L%2",		       /* bad escape */
		"/01/08936005120011/10/L%zz",		       /* bad escape */
		"/01/08936005120011/10/123456789012345678901", /* 21 characters */
		"/01/08936005120011//10/A",		       /* empty segment */
		"/02/08936005120011",			       /* not 01 */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = dl_parse(bad[i], &k);
		if (rc != DL_BAD)
			fail_msg("%s: %d, expected DL_BAD", bad[i], rc);
	}
	assert_int_equal(dl_parse("/01/08936005120011/10/12345678901234567890", &k), DL_OK);
}

static void test_link_types(void **state)
{
	(void)state;
	assert_int_equal(dl_link_type(NULL), DL_DEFAULT);
	assert_int_equal(dl_link_type(""), DL_DEFAULT);
	assert_int_equal(dl_link_type("gs1:defaultLink"), DL_DEFAULT);
	assert_int_equal(dl_link_type("gs1:pip"), LINK_PIP);
	assert_int_equal(dl_link_type("gs1%3Apip"), LINK_PIP);
	assert_int_equal(dl_link_type("https://gs1.org/voc/traceability"), LINK_TRACEABILITY);
	assert_int_equal(dl_link_type("https://ref.gs1.org/voc/certificationInfo"),
			 LINK_CERTIFICATION);
	assert_int_equal(dl_link_type("linkset"), DL_LINKSET);
	assert_int_equal(dl_link_type("all"), DL_LINKSET);
	assert_int_equal(dl_link_type("gs1:epil"), DL_MISSING);
	assert_int_equal(dl_link_type("pip"), DL_MISSING);
	assert_int_equal(dl_link_type("gs1:pipx"), DL_MISSING);
}

static void test_linkset(void **state)
{
	(void)state;
	dl_key k;
	dl_links ls = {.n = 0};
	char vi[] = "https://t.vn/L/1", en[] = "https://t.vn/L/1?lang=en",
	     cert[] = "https://t.vn/P/A";
	ls.v[ls.n++] = (dl_link){LINK_PIP, LANG_EN, en};
	ls.v[ls.n++] = (dl_link){LINK_PIP, LANG_VI, vi};
	ls.v[ls.n++] = (dl_link){LINK_CERTIFICATION, LANG_VI, cert};
	assert_int_equal(dl_parse("/01/08936005120011/10/L%201", &k), DL_BAD);
	assert_int_equal(dl_parse("/01/08936005120011/10/L-1%2F2", &k), DL_OK);
	char *anchor = dl_anchor("https://t.vn", &k);
	assert_string_equal(anchor, "https://t.vn/01/08936005120011/10/L-1%2F2");

	/* the default is pip, in the language asked for when there is one */
	assert_ptr_equal(dl_pick(&ls, DL_DEFAULT, LANG_VI)->href, vi);
	assert_ptr_equal(dl_pick(&ls, LINK_PIP, LANG_EN)->href, en);
	assert_ptr_equal(dl_pick(&ls, LINK_CERTIFICATION, LANG_EN)->href, cert);
	assert_null(dl_pick(&ls, LINK_TRACEABILITY, LANG_VI));

	size_t len = 0;
	char *text = dl_linkset(anchor, "Nước mắm <b>", &ls, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	json_error_t e;
	json_t *doc = json_loads(text, 0, &e);
	assert_non_null(doc);
	json_t *item = json_array_get(json_object_get(doc, "linkset"), 0);
	assert_string_equal(json_string_value(json_object_get(item, "anchor")), anchor);
	assert_string_equal(json_string_value(json_object_get(item, "description")),
			    "Nước mắm <b>");
	json_t *def = json_object_get(item, "https://gs1.org/voc/defaultLink");
	assert_int_equal(json_array_size(def), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(def, 0), "href")), vi);
	json_t *pip = json_object_get(item, "https://gs1.org/voc/pip");
	assert_int_equal(json_array_size(pip), 2);
	json_t *first = json_array_get(pip, 0);
	assert_string_equal(json_string_value(json_object_get(first, "type")), "text/html");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(first, "hreflang"), 0)), "en");
	assert_non_null(json_object_get(first, "title"));
	assert_null(json_object_get(item, "https://gs1.org/voc/traceability"));
	json_decref(doc);
	free(text);

	char *link = dl_link_header(anchor, &ls, 1);
	assert_non_null(strstr(link,
			       "<https://t.vn/01/08936005120011/10/L-1%2F2?linkType=linkset>; "
			       "rel=\"linkset\"; type=\"application/linkset+json\""));
	assert_non_null(strstr(link, "<https://t.vn/P/A>; rel=\"https://gs1.org/voc/"
				     "certificationInfo\"; type=\"text/html\"; hreflang=\"vi\""));
	assert_non_null(strstr(link, "rel=\"http://www.w3.org/ns/json-ld#context\""));
	free(link);
	link = dl_link_header(anchor, &ls, 0);
	assert_null(strstr(link, "json-ld#context"));
	free(link);
	free(anchor);

	/* ids in a URI are percent-encoded: nothing reaches a header raw */
	char *u = dl_uri("https://t.vn", "P", "A B\r\n<x>", "lang=en", NULL);
	assert_string_equal(u, "https://t.vn/P/A%20B%0D%0A%3Cx%3E?lang=en");
	free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gtin14),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_link_types),
		cmocka_unit_test(test_linkset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
