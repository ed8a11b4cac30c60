/*
 * resolver.c - verifyd as a GS1-Conformant resolver (GS1 Digital Link URI
 * Syntax; GS1-Conformant Resolver standard 1.2) for products with a GTIN:
 * what a Digital Link path names, which link type a request asks for, and
 * the answers' bodies and headers (the linkset of RFC 9264 as the resolver
 * standard's schema has it, the Link header of RFC 8288, the description
 * file at /.well-known/gs1resolver).
 *
 * Pure functions of strings, like request.c, so that a fuzz target reaches
 * the parser without a server; server.c looks the names up in the registry.
 *
 * Only primary key 01 (GTIN) is served, with the qualifiers 10 (lot) and 21
 * (serial). A path that breaks the URI syntax (an unknown or repeated AI,
 * qualifiers out of order, a data attribute in the path, a bad check digit,
 * a character outside GS1's set 82) is a 400, as the standard requires; a
 * valid path we hold nothing for (a consumer product variant, AI 22) a 404.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stamp/registry.h"
#include "verifyd.h"

#define VOC "https://gs1.org/voc/"

static const struct {
	const char *name; /* after the gs1: prefix */
	const char *vi, *en;
} kinds[LINK_KINDS] = {
	[LINK_PIP] = {"pip", "Thông tin sản phẩm", "Product information"},
	[LINK_TRACEABILITY] = {"traceability", "Hành trình sản phẩm", "Traceability information"},
	[LINK_CERTIFICATION] = {"certificationInfo", "Chứng nhận OCOP", "OCOP certification"},
};

/* GS1 AI encodable character set 82 (GS1 General Specifications 7.11). */
static int in_set82(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!\"%&'()*+,-./:;<=>?_", c));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One path segment [s, e) percent-decoded into out (cap bytes); its length, or -1. */
static int decode_segment(const char *s, const char *e, char *out, size_t cap)
{
	size_t n = 0;
	while (s < e) {
		int c = (unsigned char)*s++;
		if (c == '%') {
			int hi = s + 1 < e ? hexval(s[0]) : -1, lo = hi >= 0 ? hexval(s[1]) : -1;
			if (lo < 0)
				return -1;
			c = hi * 16 + lo;
			s += 2;
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return (int)n;
}

/* An AI 10 or 21 value: 1 to 20 characters of set 82, none a NUL. */
static int ai_value_ok(const char *v, int len)
{
	if (len < 1 || len > 20)
		return 0;
	for (int i = 0; i < len; i++)
		if (!in_set82((unsigned char)v[i]))
			return 0;
	return 1;
}

int dl_parse(const char *path, dl_key *out)
{
	char seg[64], val[64];
	int have = 0; /* 1: 22 seen, 2: 10, 4: 21 */
	int order = 0;

	memset(out, 0, sizeof *out);
	if (strncmp(path, "/01/", 4) != 0)
		return DL_BAD;
	const char *p = path + 4, *end = path + strlen(path);
	if (end > p && end[-1] == '/') /* the standard: tolerate a trailing slash */
		end--;
	const char *slash = memchr(p, '/', (size_t)(end - p));
	const char *ge = slash ? slash : end;
	if (decode_segment(p, ge, val, sizeof val) < 0 || stamp_gtin14(val, out->gtin) != 0)
		return DL_BAD;
	p = ge;
	while (p < end) {
		/* "/AI/value" */
		const char *a = p + 1, *ae = memchr(a, '/', (size_t)(end - a));
		if (!ae || ae == a || (size_t)(ae - a) >= sizeof seg)
			return DL_BAD;
		memcpy(seg, a, (size_t)(ae - a));
		seg[ae - a] = '\0';
		const char *v = ae + 1, *ve = memchr(v, '/', (size_t)(end - v));
		ve = ve ? ve : end;
		int n = decode_segment(v, ve, val, sizeof val);
		int rank = strcmp(seg, "22") == 0   ? 1
			   : strcmp(seg, "10") == 0 ? 2
			   : strcmp(seg, "21") == 0 ? 3
						    : 0;
		/* an AI that is not a qualifier of 01 (a data attribute, an unknown AI) */
		if (!rank || rank <= order || n < 0 || !ai_value_ok(val, n))
			return DL_BAD;
		order = rank;
		have |= 1 << (rank - 1);
		if (rank == 2)
			memcpy(out->lot, val, (size_t)n + 1);
		if (rank == 3)
			memcpy(out->serial, val, (size_t)n + 1);
		p = ve;
	}
	return have & 1 ? DL_UNKNOWN : DL_OK; /* no consumer product variants here */
}

int dl_link_type(const char *arg)
{
	static const char *const ns[] = {"gs1:", "https://gs1.org/voc/", "http://gs1.org/voc/",
					 "https://ref.gs1.org/voc/", "https://www.gs1.org/voc/"};
	char t[128];

	if (!arg || !*arg)
		return DL_DEFAULT;
	if (decode_segment(arg, arg + strlen(arg), t, sizeof t) < 0)
		return DL_MISSING;
	if (strcmp(t, "linkset") == 0 || strcmp(t, "all") == 0)
		return DL_LINKSET;
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		size_t n = strlen(ns[i]);
		if (strncmp(t, ns[i], n) != 0)
			continue;
		if (strcmp(t + n, "defaultLink") == 0)
			return DL_DEFAULT;
		for (int k = 0; k < LINK_KINDS; k++)
			if (strcmp(t + n, kinds[k].name) == 0)
				return k;
	}
	return DL_MISSING;
}

char *dl_uri(const char *root, const char *path_kind, const char *id, const char *query,
	     size_t *len)
{
	strbuf b;
	if (buf_init(&b, 1024))
		return NULL;
	buf_put(&b, "%s/%s/", root, path_kind);
	buf_pct(&b, id);
	if (query && *query)
		buf_put(&b, "?%s", query);
	return buf_take(&b, len);
}

char *dl_anchor(const char *root, const dl_key *k)
{
	strbuf b;
	if (buf_init(&b, 512))
		return NULL;
	buf_put(&b, "%s/01/%s", root, k->gtin);
	if (k->lot[0]) {
		buf_put(&b, "/10/");
		buf_pct(&b, k->lot);
	}
	if (k->serial[0]) {
		buf_put(&b, "/21/");
		buf_pct(&b, k->serial);
	}
	return buf_take(&b, NULL);
}

const dl_link *dl_pick(const dl_links *ls, int kind, lang l)
{
	const dl_link *any = NULL;
	if (kind == DL_DEFAULT)
		kind = LINK_PIP;
	for (int i = 0; i < ls->n; i++) {
		if ((int)ls->v[i].kind != kind)
			continue;
		if (ls->v[i].language == l)
			return &ls->v[i];
		if (!any)
			any = &ls->v[i];
	}
	return any;
}

static json_t *link_json(const dl_link *k, int with_type)
{
	json_t *o = json_pack("{s:s, s:s}", "href", k->href, "title",
			      k->language == LANG_EN ? kinds[k->kind].en : kinds[k->kind].vi);
	if (o && with_type) {
		json_object_set_new(o, "type", json_string("text/html"));
		json_object_set_new(o, "hreflang",
				    json_pack("[s]", k->language == LANG_EN ? "en" : "vi"));
	}
	return o;
}

char *dl_linkset(const char *anchor, const char *description, const dl_links *ls, size_t *len)
{
	char key[96];
	json_t *item = json_pack("{s:s, s:s}", "anchor", anchor, "description", description);
	const dl_link *def = dl_pick(ls, DL_DEFAULT, LANG_VI);
	if (!item)
		return NULL;
	/* the one default link, title only; it is also listed under its own type */
	if (def)
		json_object_set_new(item, VOC "defaultLink", json_pack("[o]", link_json(def, 0)));
	for (int i = 0; i < ls->n; i++) {
		snprintf(key, sizeof key, VOC "%s", kinds[ls->v[i].kind].name);
		json_t *arr = json_object_get(item, key);
		if (!arr) {
			arr = json_array();
			json_object_set_new(item, key, arr);
		}
		json_array_append_new(arr, link_json(&ls->v[i], 1));
	}
	json_t *doc = json_pack("{s:[o]}", "linkset", item);
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (text)
		*len = strlen(text);
	return text;
}

char *dl_link_header(const char *anchor, const dl_links *ls, int context)
{
	strbuf b;
	if (buf_init(&b, 4096))
		return NULL;
	buf_put(&b, "<%s?linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\"",
		anchor);
	for (int i = 0; i < ls->n; i++)
		buf_put(&b, ", <%s>; rel=\"" VOC "%s\"; type=\"text/html\"; hreflang=\"%s\"",
			ls->v[i].href, kinds[ls->v[i].kind].name,
			ls->v[i].language == LANG_EN ? "en" : "vi");
	if (context)
		buf_put(&b, ", <https://ref.gs1.org/standards/resolver/linkset-context>; "
			    "rel=\"http://www.w3.org/ns/json-ld#context\"; "
			    "type=\"application/ld+json\"");
	return buf_take(&b, NULL);
}

char *dl_description(const char *root, size_t *len)
{
	json_t *doc = json_pack("{s:s, s:s, s:[s], s:[{s:s, s:s}], s:b, s:s, s:{s:s}}", "name",
				"ocopstamp verifyd: OCOP product traceability stamps",
				"resolverRoot", root, "supportedPrimaryKeys", "01",
				"supportedLinkType", "namespace", VOC, "prefix",
				"gs1:", "linkTypeDefaultCanBeLinkset", 0, "jsonLdContextLocation",
				"https://ref.gs1.org/standards/resolver/linkset-context", "contact",
				"fn", "OCOP traceability stamps");
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (text)
		*len = strlen(text);
	return text;
}
