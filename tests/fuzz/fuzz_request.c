/*
 * fuzz_request.c - libFuzzer target for what verifyd reads from a request
 * (verifyd/request.c): the route of the target, ?lang= and Accept-Language,
 * Accept, the trusted_proxy list, and the client behind trusted proxies.
 *
 * The input is up to eight fields, one a line (HTTP gives none of them a
 * line break): url, lang argument, Accept-Language, Accept, trusted_proxy,
 * peer address, X-Forwarded-For, X-Real-IP; missing fields are empty. A peer
 * that is no address literal is made from the field's bytes.
 *
 * Invariants: a route's code points inside the url given, behind "/S/" or
 * "/api/v1/stamps/", and an absolute-form target routes as its path does
 * (RFC 9112 3.2.2); the language is the argument's when there is one and
 * Vietnamese unless English is asked for; JSON is wanted only when asked and
 * HTML is not; a parsed proxy list is bounded, formats and parses back to
 * itself; the client is the peer, or (from a trusted peer only) an address of
 * the headers that formats and parses back to itself. A GS1 Digital Link path
 * (/01/...) that parses names a 14-digit GTIN with a right check digit and
 * qualifiers of GS1's set 82, and its canonical URI parses back to the same
 * key; a linkType argument is a kind, the default, the linkset or missing.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "stamp/registry.h"
#include "verifyd.h"

enum { F_URL, F_LANG, F_ACCEPT_LANGUAGE, F_ACCEPT, F_PROXIES, F_PEER, F_XFF, F_REAL_IP, NFIELDS };

static void check_route(const char *url)
{
	size_t len = strlen(url);
	route r = request_route(url);

	if ((len > URL_MAX) != (r.kind == ROUTE_TOO_LONG))
		fuzz_fail("url of %zu bytes routed as %d", len, r.kind);
	if (r.kind == ROUTE_DIGITAL_LINK || r.kind == ROUTE_PRODUCT || r.kind == ROUTE_BATCH ||
	    r.kind == ROUTE_IMAGE) {
		if (!r.code || r.code < url || r.code > url + len)
			fuzz_fail("route %d: its path is outside the url", r.kind);
		return;
	}
	if (r.kind != ROUTE_PAGE && r.kind != ROUTE_API) {
		if (r.code)
			fuzz_fail("route %d carries a code", r.kind);
		return;
	}
	if (!r.code || r.code < url || r.code > url + len)
		fuzz_fail("route code outside the url");
	int page = r.kind == ROUTE_PAGE;
	const char *p = page ? "/S/" : "/api/v1/stamps/";
	size_t pl = strlen(p);
	int follows = (size_t)(r.code - url) >= pl &&
		      (page ? strncasecmp(r.code - pl, p, pl) : strncmp(r.code - pl, p, pl)) == 0;
	if (!follows)
		fuzz_fail("route %d: the code does not follow %s", r.kind, p);
}

/* An origin-form target routes as the absolute forms of it do. */
static void check_absolute_form(const char *url)
{
	static const char *const bases[] = {"http://tem.example.vn", "HTTPS://TEM.EXAMPLE.VN:8443"};
	char abs[2 * URL_MAX];

	if (url[0] != '/')
		return;
	route r = request_route(url);
	for (size_t i = 0; i < 2; i++) {
		int n = snprintf(abs, sizeof abs, "%s%s", bases[i], url);
		if (n < 0 || (size_t)n > URL_MAX)
			continue;
		route a = request_route(abs);
		if (a.kind != r.kind || (!a.code) != (!r.code) ||
		    (a.code && strcmp(a.code, r.code) != 0))
			fuzz_fail("\"%s\" routes as %d, \"%s\" as %d", url, r.kind, abs, a.kind);
	}
}

static void check_lang(const char *arg, const char *al)
{
	lang l = request_lang(arg, al);
	if (l != LANG_VI && l != LANG_EN)
		fuzz_fail("language %d", l);
	if ((l == LANG_EN) != (strcasecmp(arg, "en") == 0))
		fuzz_fail("?lang=%s gave language %d", arg, l);
	l = request_lang(NULL, al);
	if (l != LANG_VI && l != LANG_EN)
		fuzz_fail("language %d", l);
	if (l == LANG_EN && !strcasestr(al, "en"))
		fuzz_fail("English for Accept-Language \"%s\"", al);
	if (request_lang(NULL, NULL) != LANG_VI)
		fuzz_fail("no language asked, not Vietnamese");
}

static void check_json(const char *accept)
{
	int j = request_wants_json(accept);
	int want = strstr(accept, "application/json") && !strstr(accept, "text/html");
	if (j != want)
		fuzz_fail("request_wants_json(\"%s\") = %d", accept, j);
	if (request_wants_json(NULL) != 0)
		fuzz_fail("no Accept header, but JSON");
}

static void format_addr(const client_addr *a, char out[INET6_ADDRSTRLEN])
{
	if (a->family != AF_INET && a->family != AF_INET6)
		fuzz_fail("address family %d", a->family);
	client_addr_format(a, out);
	if (strlen(out) >= INET6_ADDRSTRLEN || strcmp(out, "?") == 0)
		fuzz_fail("address does not format");
}

/* a formats to text that inet_pton reads back to a */
static void check_addr(const client_addr *a)
{
	char text[INET6_ADDRSTRLEN];
	unsigned char bytes[16];

	format_addr(a, text);
	if (inet_pton(a->family, text, bytes) != 1 ||
	    memcmp(bytes, a->bytes, a->family == AF_INET ? 4 : 16) != 0)
		fuzz_fail("address %s does not parse back", text);
}

/* 0 with *pl set, or -1 (pl empty) */
static int check_proxies(const char *text, proxy_list *pl)
{
	char err[160], again_text[PROXIES_MAX * (INET6_ADDRSTRLEN + 5) + 1];
	proxy_list again;
	size_t used = 0;

	memset(err, 0x55, sizeof err);
	int rc = proxy_list_parse(text, pl, err, sizeof err);
	if (rc != 0) {
		if (rc != -1 || !memchr(err, '\0', sizeof err) || err[0] == '\0')
			fuzz_fail("proxy_list_parse: %d without a message", rc);
		memset(pl, 0, sizeof *pl);
		return -1;
	}
	if (pl->n > PROXIES_MAX)
		fuzz_fail("%u proxies", pl->n);
	again_text[0] = '\0';
	for (unsigned i = 0; i < pl->n; i++) {
		char a[INET6_ADDRSTRLEN];
		check_addr(&pl->nets[i].addr);
		if (pl->nets[i].bits > (pl->nets[i].addr.family == AF_INET ? 32u : 128u))
			fuzz_fail("prefix length %u", pl->nets[i].bits);
		format_addr(&pl->nets[i].addr, a);
		used += (size_t)snprintf(again_text + used, sizeof again_text - used, "%s%s/%u",
					 i ? "," : "", a, pl->nets[i].bits);
	}
	if (proxy_list_parse(again_text, &again, err, sizeof err) != 0 || again.n != pl->n ||
	    memcmp(again.nets, pl->nets, pl->n * sizeof pl->nets[0]) != 0)
		fuzz_fail("proxy list \"%s\" does not parse back to itself", again_text);
	return 0;
}

/* The peer: an address literal, else family and bytes from the field. */
static void make_peer(const char *s, client_addr *peer)
{
	struct sockaddr_in in4 = {.sin_family = AF_INET};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	const struct sockaddr *sa = (const struct sockaddr *)&in4;
	size_t n = strlen(s);

	if (inet_pton(AF_INET, s, &in4.sin_addr) == 1) {
	} else if (inet_pton(AF_INET6, s, &in6.sin6_addr) == 1) {
		sa = (const struct sockaddr *)&in6;
	} else if (n && (s[0] & 1)) {
		for (size_t i = 0; i < 16; i++)
			in6.sin6_addr.s6_addr[i] = (unsigned char)s[(i + 1) % n];
		sa = (const struct sockaddr *)&in6;
	} else {
		for (size_t i = 0; i < 4; i++)
			((unsigned char *)&in4.sin_addr)[i] = n ? (unsigned char)s[(i + 1) % n] : 0;
	}
	if (client_addr_from_sockaddr(sa, peer) != 0)
		fuzz_fail("client_addr_from_sockaddr refused family %d", sa->sa_family);
	check_addr(peer);
}

static void check_client(const client_addr *peer, const proxy_list *pl, const char *xff,
			 const char *real_ip)
{
	client_addr out;
	int trusted = proxy_list_has(pl, peer);

	for (int k = 0; k < 2; k++) {
		const char *x = k ? NULL : xff;
		memset(&out, 0xa5, sizeof out);
		int rc = request_client(peer, pl, x, real_ip, &out);
		if (rc != 0 && rc != 1)
			fuzz_fail("request_client: %d", rc);
		if (rc == 0 && memcmp(&out, peer, sizeof out) != 0)
			fuzz_fail("request_client: 0, but the client is not the peer");
		if (rc == 1 && !trusted)
			fuzz_fail("an untrusted peer named the client");
		check_addr(&out);
	}
}

static void check_digital_link(const char *url, const char *link_type)
{
	dl_key k, again;
	char g[15];
	int rc = dl_parse(url, &k);
	int t = dl_link_type(link_type);

	if (t != DL_DEFAULT && t != DL_LINKSET && t != DL_MISSING && (t < 0 || t >= LINK_KINDS))
		fuzz_fail("linkType \"%s\" gave %d", link_type, t);
	if (rc != DL_OK && rc != DL_BAD && rc != DL_UNKNOWN)
		fuzz_fail("dl_parse gave %d", rc);
	if (rc != DL_OK)
		return;
	if (strlen(k.gtin) != 14 || stamp_gtin14(k.gtin, g) != 0 || strcmp(g, k.gtin) != 0)
		fuzz_fail("GTIN \"%s\" from \"%s\"", k.gtin, url);
	char *anchor = dl_anchor("http://x", &k);
	if (!anchor)
		fuzz_fail("out of memory");
	if (dl_parse(anchor + 8, &again) != DL_OK || memcmp(&k, &again, sizeof k) != 0)
		fuzz_fail("\"%s\" parsed, but its canonical URI %s does not parse back", url,
			  anchor);
	free(anchor);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size), *f[NFIELDS];
	char *p = text;
	proxy_list pl;
	client_addr peer;

	for (int i = 0; i < NFIELDS; i++) {
		f[i] = p;
		char *nl = strchr(p, '\n');
		if (nl && i < NFIELDS - 1) {
			*nl = '\0';
			p = nl + 1;
		} else {
			p += strlen(p);
		}
	}
	check_route(f[F_URL]);
	check_absolute_form(f[F_URL]);
	check_lang(f[F_LANG], f[F_ACCEPT_LANGUAGE]);
	check_digital_link(f[F_URL], f[F_LANG]);
	check_json(f[F_ACCEPT]);
	check_proxies(f[F_PROXIES], &pl);
	make_peer(f[F_PEER], &peer);
	check_client(&peer, &pl, f[F_XFF], f[F_REAL_IP]);
	free(text);
	return 0;
}
