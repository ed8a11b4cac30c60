/*
 * request.c - what verifyd reads from a request before answering it: the
 * route (origin-form or absolute-form target), the language, whether JSON is
 * wanted, and who the client is (the peer, or behind a trusted proxy the
 * address the proxy names).
 *
 * Pure functions of strings and addresses, so that the fuzz targets reach
 * every parser of outside input here without a server.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "verifyd.h"

/*
 * RFC 9112 3.2.2: a server MUST accept the absolute form ("GET
 * http://host/S/x HTTP/1.1"), which proxies send; its path is then routed
 * like the origin form. The authority is not checked against Host: verifyd
 * answers for whatever name it is reached by.
 */
static const char *origin_form(const char *url)
{
	size_t skip;
	if (strncasecmp(url, "http://", 7) == 0)
		skip = 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		skip = 8;
	else
		return url;
	const char *path = strchr(url + skip, '/');
	return path ? path : "/";
}

static int prefix(const char *url, const char *p, int nocase)
{
	size_t n = strlen(p);
	return nocase ? strncasecmp(url, p, n) == 0 : strncmp(url, p, n) == 0;
}

route request_route(const char *url)
{
	route r = {ROUTE_NOT_FOUND, NULL};
	if (strlen(url) > URL_MAX) {
		r.kind = ROUTE_TOO_LONG;
		return r;
	}
	url = origin_form(url);
	if (prefix(url, "/S/", 1))
		r = (route){ROUTE_PAGE, url + 3};
	else if (prefix(url, "/api/v1/stamps/", 0))
		r = (route){ROUTE_API, url + 15};
	else if (strcmp(url, "/healthz") == 0)
		r.kind = ROUTE_HEALTH;
	else if (strcmp(url, "/metrics") == 0)
		r.kind = ROUTE_METRICS;
	else if (strcmp(url, "/") == 0)
		r.kind = ROUTE_HOME;
	else if (prefix(url, "/01/", 0))
		r = (route){ROUTE_DIGITAL_LINK, url};
	else if (prefix(url, "/P/", 0))
		r = (route){ROUTE_PRODUCT, url + 3};
	else if (prefix(url, "/L/", 0))
		r = (route){ROUTE_BATCH, url + 3};
	else if (strcmp(url, "/.well-known/gs1resolver") == 0)
		r.kind = ROUTE_RESOLVER;
	else if (prefix(url, "/img/", 0))
		r = (route){ROUTE_IMAGE, url + 5};
	return r;
}

int request_host_ok(const char *host)
{
	size_t n = strlen(host);
	return n && n <= 255 &&
	       strspn(host,
		      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == n;
}

lang request_lang(const char *arg, const char *accept_language)
{
	if (arg)
		return strcasecmp(arg, "en") == 0 ? LANG_EN : LANG_VI;
	if (!accept_language)
		return LANG_VI;
	/* the first of vi or en in the list, weighed by q; Vietnamese on a tie */
	double qvi = -1, qen = -1;
	char list[256];
	snprintf(list, sizeof list, "%s", accept_language);
	for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		double qv = 1;
		char *semi = strchr(tok, ';');
		if (semi) {
			*semi = '\0';
			char *qs = strstr(semi + 1, "q=");
			if (qs)
				qv = strtod(qs + 2, NULL);
		}
		if (strncasecmp(tok, "vi", 2) == 0 && (tok[2] == '\0' || tok[2] == '-'))
			qvi = qv > qvi ? qv : qvi;
		else if (strncasecmp(tok, "en", 2) == 0 && (tok[2] == '\0' || tok[2] == '-'))
			qen = qv > qen ? qv : qen;
	}
	return qen > qvi ? LANG_EN : LANG_VI;
}

int request_wants_json(const char *accept)
{
	return accept && strstr(accept, "application/json") && !strstr(accept, "text/html");
}

/* ---- client addresses ---------------------------------------------------- */

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address. */
static void addr_set(client_addr *a, int family, const void *bytes)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	memset(a, 0, sizeof *a);
	if (family == AF_INET6 && memcmp(bytes, mapped, 12) == 0) {
		a->family = AF_INET;
		memcpy(a->bytes, (const unsigned char *)bytes + 12, 4);
	} else {
		a->family = family;
		memcpy(a->bytes, bytes, family == AF_INET ? 4 : 16);
	}
}

int client_addr_from_sockaddr(const struct sockaddr *sa, client_addr *out)
{
	memset(out, 0, sizeof *out);
	if (!sa)
		return -1;
	if (sa->sa_family == AF_INET)
		addr_set(out, AF_INET, &((const struct sockaddr_in *)sa)->sin_addr);
	else if (sa->sa_family == AF_INET6)
		addr_set(out, AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr);
	else
		return -1;
	return 0;
}

/* "a.b.c.d" or an IPv6 literal (brackets allowed), nothing else. */
static int addr_parse(const char *s, size_t n, client_addr *out)
{
	char text[INET6_ADDRSTRLEN + 2];
	unsigned char bytes[16];
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']')
		s++, n -= 2;
	if (n == 0 || n >= sizeof text)
		return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	if (inet_pton(AF_INET, text, bytes) == 1)
		addr_set(out, AF_INET, bytes);
	else if (inet_pton(AF_INET6, text, bytes) == 1)
		addr_set(out, AF_INET6, bytes);
	else
		return -1;
	return 0;
}

void client_addr_format(const client_addr *a, char out[INET6_ADDRSTRLEN])
{
	if (!inet_ntop(a->family == AF_INET ? AF_INET : AF_INET6, a->bytes, out, INET6_ADDRSTRLEN))
		strcpy(out, "?");
}

int proxy_list_parse(const char *text, proxy_list *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, ", ");
		if (n == 0) {
			p++;
			continue;
		}
		if (out->n == PROXIES_MAX) {
			snprintf(err, errlen, "more than %d addresses", PROXIES_MAX);
			return -1;
		}
		proxy_net *net = &out->nets[out->n];
		const char *slash = memchr(p, '/', n);
		size_t alen = slash ? (size_t)(slash - p) : n;
		if (addr_parse(p, alen, &net->addr) != 0) {
			snprintf(err, errlen, "\"%.*s\" is not an IPv4 or IPv6 address", (int)alen,
				 p);
			return -1;
		}
		unsigned max = net->addr.family == AF_INET ? 32 : 128;
		net->bits = max;
		if (slash) {
			char *end;
			unsigned long b = strtoul(slash + 1, &end, 10);
			if (end == slash + 1 || end != p + n || b > max) {
				snprintf(err, errlen, "\"%.*s\": prefix length must be 0 to %u",
					 (int)n, p, max);
				return -1;
			}
			net->bits = (unsigned)b;
		}
		out->n++;
		p += n;
	}
	return 0;
}

static int in_net(const proxy_net *net, const client_addr *a)
{
	if (net->addr.family != a->family)
		return 0;
	unsigned full = net->bits / 8, rest = net->bits % 8;
	if (memcmp(net->addr.bytes, a->bytes, full) != 0)
		return 0;
	if (!rest)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (net->addr.bytes[full] & mask) == (a->bytes[full] & mask);
}

int proxy_list_has(const proxy_list *l, const client_addr *a)
{
	for (unsigned i = 0; i < l->n; i++)
		if (in_net(&l->nets[i], a))
			return 1;
	return 0;
}

/*
 * The client is the peer, unless the peer is a trusted proxy: then it is the
 * right-most address of X-Forwarded-For that is not itself a trusted proxy
 * (each proxy appends the address it saw; what lies left of the first
 * untrusted hop is the client's own claim and worth nothing), else
 * X-Real-IP. A header that does not parse leaves the proxy as the client.
 */
int request_client(const client_addr *peer, const proxy_list *trusted, const char *xff,
		   const char *real_ip, client_addr *out)
{
	*out = *peer;
	if (!trusted->n || !proxy_list_has(trusted, peer))
		return 0;
	if (xff) {
		size_t end = strlen(xff);
		while (end > 0) {
			size_t start = end;
			while (start > 0 && xff[start - 1] != ',')
				start--;
			client_addr hop;
			if (addr_parse(xff + start, end - start, &hop) != 0) {
				*out = *peer; /* not a trusted hop met before the bad one */
				return 0;
			}
			*out = hop;
			if (!proxy_list_has(trusted, &hop))
				return 1;
			end = start ? start - 1 : 0;
		}
		return 1;
	}
	client_addr hop;
	if (real_ip && addr_parse(real_ip, strlen(real_ip), &hop) == 0) {
		*out = hop;
		return 1;
	}
	return 0;
}
