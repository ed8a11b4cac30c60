/*
 * page.c - the page a shopper sees after scanning a stamp.
 *
 * Verdict first (colour, sign and words), then what the stamp vouches for:
 * product, OCOP rating, producer and place, batch and dates, the OCOP
 * decision, the journey (the production stages as a timeline), the scan
 * history. Vietnamese by default, English on request.
 * Mobile first, self-contained (inline CSS, no script, no fonts, no images),
 * a few KB. Every string from the store goes through buf_esc(). The CSS is fixed,
 * so the Content-Security-Policy allows exactly its hash and nothing else.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verifyd.h"

#define PAGE_MAX 16384
/*
 * The journey is at most this much of the details: a batch may have 200
 * stages of long, escaped text; past the budget the page says how many more
 * there are (the JSON has them all). A typical stage is 300 bytes.
 */
#define TIMELINE_MAX 12288
#define STAGE_MAX 16384 /* one stage, every field at its bound, escaped */

static const char css[] =
	"body{margin:0;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
	"color:#1b1b1b;background:#f4f4f1}"
	"main{max-width:34rem;margin:0 auto;padding:0 0 2rem}"
	".v{padding:1.4rem 1.2rem;color:#fff}.v h1{margin:0;font-size:1.6rem;line-height:1.2}"
	".v p{margin:.5rem 0 0}.i{font-size:2.6rem;line-height:1;display:block;margin-bottom:.3rem}"
	".ok{background:#0a7d32}.warn{background:#b35c00}.bad{background:#b00020}"
	".none{background:#4a4a4a}"
	"section{background:#fff;margin:.8rem;padding:.2rem 1rem;border-radius:.6rem;"
	"box-shadow:0 1px 2px rgba(0,0,0,.12)}"
	"h2{font-size:1.05rem;margin:.8rem 0 .2rem}dl{margin:0 0 .8rem}"
	"dt{color:#5a5a5a;font-size:.85rem;margin-top:.55rem}dd{margin:0;font-weight:600}"
	".star{color:#c58a00;letter-spacing:.1em}"
	".note{background:#fff4e0;border-left:4px solid #b35c00;padding:.5rem .7rem;margin:.6rem 0}"
	".tl{list-style:none;margin:.6rem 0 .8rem;padding:0}"
	".tl li{position:relative;margin-left:.4rem;padding:0 0 .9rem 1.1rem;"
	"border-left:2px solid #0a7d32}.tl li:last-child{border-color:transparent}"
	".tl li:before{content:'';position:absolute;left:-.45rem;top:.25rem;width:.8rem;"
	"height:.8rem;border-radius:50%;background:#0a7d32}.tl small{color:#5a5a5a}"
	"footer{text-align:center;font-size:.9rem;color:#5a5a5a;margin:1.2rem}"
	".photo{display:block;max-width:100%;max-height:20rem;width:auto;height:auto;"
	"border-radius:.4rem;margin:.8rem auto .2rem;background:#eee}"
	"a{color:#0b57d0}";

static char csp[256];

int page_init(void)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
					   sodium_base64_VARIANT_ORIGINAL)];
	crypto_hash_sha256(h, (const unsigned char *)css, sizeof css - 1);
	sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
	int n = snprintf(
		csp, sizeof csp,
		"default-src 'none'; style-src 'sha256-%s'; img-src 'self'; base-uri 'none'; "
		"form-action 'none'; frame-ancestors 'none'",
		b64);
	return n > 0 && (size_t)n < sizeof csp ? 0 : -1;
}

const char *page_csp(void)
{
	return csp;
}

static void date_text(uint32_t d, lang l, char text[16])
{
	if (!d)
		snprintf(text, 16, "—");
	else if (l == LANG_VI)
		snprintf(text, 16, "%02u/%02u/%04u", d % 100, d / 100 % 100, d / 10000);
	else
		stamp_date_format(d, text);
}

/*
 * Vietnam time (UTC+7, no daylight saving) as a struct tm for strftime.
 * Not gmtime_r: glibc takes its global time zone lock in it, which the
 * worker threads then queue on for every answer.
 */
void vn_time(int64_t t, struct tm *tm)
{
	int64_t local = t + 7 * 3600;
	int64_t sec = ((local % 86400) + 86400) % 86400;
	uint32_t d = stamp_date_from_unix(t);
	memset(tm, 0, sizeof *tm);
	tm->tm_year = (int)(d / 10000) - 1900;
	tm->tm_mon = (int)(d / 100 % 100) - 1;
	tm->tm_mday = (int)(d % 100);
	tm->tm_hour = (int)(sec / 3600);
	tm->tm_min = (int)(sec / 60 % 60);
	tm->tm_sec = (int)(sec % 60);
}

static void time_text(int64_t t, lang l, char text[40])
{
	struct tm tm;
	vn_time(t, &tm);
	if (l == LANG_VI)
		strftime(text, 40, "%H:%M ngày %d/%m/%Y", &tm);
	else
		strftime(text, 40, "%Y-%m-%d %H:%M (Vietnam time)", &tm);
}

static void head(strbuf *o, lang l, const char *title)
{
	buf_put(o,
		"<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		"<meta name=\"robots\" "
		"content=\"noindex\"><title>%s</title><style>%s</style></head>"
		"<body><main>",
		l == LANG_EN ? "en" : "vi", title, css);
}

static void foot(strbuf *o, lang l)
{
	buf_put(o,
		"<footer><p>%s</p><p><a "
		"href=\"?lang=%s\">%s</a></p></footer></main></body></html>\n",
		l == LANG_EN ? "OCOP product traceability stamps"
			     : "Hệ thống tem truy xuất nguồn gốc sản phẩm OCOP",
		l == LANG_EN ? "vi" : "en", l == LANG_EN ? "Tiếng Việt" : "English");
}

typedef struct banner {
	const char *cls, *icon, *vi, *en, *vi_sub, *en_sub;
} banner;

static const banner banners[STAMP_V_COUNT] = {
	/* the verdicts as shown */
	[STAMP_V_GENUINE] = {"ok", "✓", "Tem chính hãng", "Genuine stamp",
			     "Chữ ký số hợp lệ. Sản phẩm đã được đăng ký với cơ quan quản lý.",
			     "The digital signature is valid and the product is registered."},
	[STAMP_V_SUSPICIOUS] = {"warn", "!", "Cảnh báo: tem có thể bị sao chép",
				"Warning: this stamp may be a copy", NULL,
				NULL}, /* see page_render */
	[STAMP_V_REVOKED] = {"bad", "✕", "Tem đã bị thu hồi", "Revoked stamp",
			     "Tem này đã bị cơ quan quản lý thu hồi. Không nên mua sản phẩm.",
			     "This stamp was withdrawn by the authority. Do not buy the product."},
	[STAMP_V_UNKNOWN] =
		{"bad", "?", "Không tìm thấy tem", "Stamp not found",
		 "Chữ ký hợp lệ nhưng mã này chưa từng được cấp. Hãy báo cho cơ quan quản lý.",
		 "The signature is valid, but this code was never issued. Please report it."},
	[STAMP_V_FORGED] =
		{"bad", "✕", "Tem giả", "Counterfeit stamp",
		 "Chữ ký số không khớp: mã này không do cơ quan quản lý cấp. Không nên mua.",
		 "The digital signature does not match: the authority did not issue this "
		 "code. Do not buy the product."},
	[STAMP_V_MALFORMED] = {"none", "?", "Mã không hợp lệ", "Invalid code",
			       "Đây không phải là mã tem truy xuất nguồn gốc OCOP.",
			       "This is not an OCOP traceability stamp code."},
};

/* A recall is the one revocation that is about the product, not the label. */
static const banner recall_banner = {
	"bad",
	"✕",
	"Sản phẩm bị thu hồi — không sử dụng",
	"Product recalled — do not consume",
	"Lô hàng này đã bị cơ quan quản lý thu hồi. Không ăn, uống hay sử dụng sản phẩm; hãy "
	"trả lại nơi bán.",
	"The authority has recalled this lot. Do not eat, drink or use the product; take it back "
	"to the seller."};

/* Why a stamp was withdrawn, in the shopper's words. */
static const char *const reason_vi[] = {
	[STAMP_REASON_LOST] = "Tem bị thất lạc",
	[STAMP_REASON_STOLEN] = "Tem bị đánh cắp",
	[STAMP_REASON_RECALLED] = "Sản phẩm bị thu hồi",
	[STAMP_REASON_CERT_WITHDRAWN] = "Giấy chứng nhận OCOP của sản phẩm đã bị thu hồi",
	[STAMP_REASON_KEY_COMPROMISED] = "Khóa ký của tem bị lộ",
	[STAMP_REASON_PRINTED_IN_ERROR] = "Tem in nhầm",
	[STAMP_REASON_OTHER] = "Lý do khác",
};
static const char *const reason_en[] = {
	[STAMP_REASON_LOST] = "The stamp was lost",
	[STAMP_REASON_STOLEN] = "The stamp was stolen",
	[STAMP_REASON_RECALLED] = "The product was recalled",
	[STAMP_REASON_CERT_WITHDRAWN] = "The product's OCOP certificate was withdrawn",
	[STAMP_REASON_KEY_COMPROMISED] = "The stamp's signing key was compromised",
	[STAMP_REASON_PRINTED_IN_ERROR] = "The stamp was printed in error",
	[STAMP_REASON_OTHER] = "Another reason",
};

stamp_verdict verdict_shown(const verdict *v)
{
	if (v->suspicious && v->check.verdict == STAMP_V_GENUINE)
		return STAMP_V_SUSPICIOUS;
	return stamp_verdict_about(v->check.verdict)->shown;
}

/* One <dt>/<dd> pair; value escaped; empty values are left out. */
static void item(strbuf *o, const char *label, const char *value)
{
	if (!value || !*value)
		return;
	buf_put(o, "<dt>%s</dt><dd>", label);
	buf_esc(o, value);
	buf_put(o, "</dd>");
}

static void revocation_section(strbuf *o, const stamp_revocation *r, lang l)
{
	int en = l == LANG_EN;
	unsigned why = stamp_reason_name(r->reason) ? r->reason : STAMP_REASON_OTHER;
	char d[16];

	date_text(stamp_date_from_unix(r->since), l, d);
	buf_put(o, "<section><h2>%s</h2><dl>", en ? "Revocation" : "Thu hồi");
	item(o, en ? "Reason" : "Lý do", en ? reason_en[why] : reason_vi[why]);
	item(o, en ? "Note from the authority" : "Ghi chú của cơ quan quản lý", r->note);
	item(o, en ? "Since" : "Từ ngày", d);
	buf_put(o, "</dl></section>");
}

static void note(strbuf *o, const char *text)
{
	buf_put(o, "<p class=\"note\">%s</p>", text);
}

static void product_section(strbuf *o, const verdict *v, lang l)
{
	const stamp_check *k = &v->check;
	int en = l == LANG_EN;
	char stars[64] = "", d1[16], d2[16], line[600];

	for (int i = 0; i < 5; i++)
		strcat(stars, i < k->product.stars ? "★" : "☆");
	buf_put(o, "<section><h2>%s</h2>", en ? "Product" : "Sản phẩm");
	if (v->has_image) {
		/* width and height: the box is laid out before the bytes come, on a slow phone */
		char hex[STAMP_SHA256_HEX];
		stamp_image_hex(v->image.sha256, hex);
		buf_put(o,
			"<img class=\"photo\" src=\"/img/%s.jpg\" width=\"%u\" height=\"%u\" "
			"loading=\"lazy\" decoding=\"async\" alt=\"",
			hex, v->image.width, v->image.height);
		buf_esc(o, k->product.name);
		buf_put(o, "\">");
	}
	buf_put(o, "<dl>");
	item(o, en ? "Name" : "Tên sản phẩm", k->product.name);
	buf_put(o, "<dt>%s</dt><dd><span class=\"star\">%s</span> %u %s</dd>",
		en ? "OCOP rating" : "Hạng OCOP", stars, k->product.stars, en ? "stars" : "sao");
	item(o, en ? "Product group" : "Nhóm sản phẩm", k->product.group);
	date_text(k->product.ocop_date, l, d1);
	snprintf(line, sizeof line, en ? "No. %s of %s" : "Số %s ngày %s", k->product.ocop_decision,
		 d1);
	item(o, en ? "OCOP decision" : "Quyết định công nhận OCOP", line);
	date_text(k->product.cert_valid_until, l, d2);
	snprintf(line, sizeof line, en ? "valid until %s" : "hiệu lực đến %s", d2);
	item(o, en ? "OCOP certificate" : "Giấy chứng nhận OCOP", line);
	buf_put(o, "</dl>");
	if (k->product.cert_valid_until && k->product.cert_valid_until < v->today)
		note(o,
		     en ? "The OCOP certificate of this product has expired. The stamp itself is "
			  "still genuine."
			: "Giấy chứng nhận OCOP của sản phẩm đã hết hiệu lực. Bản thân tem vẫn là "
			  "tem "
			  "thật.");
	buf_put(o, "<dl>");
	item(o, en ? "Standards applied" : "Tiêu chuẩn áp dụng", k->product.standards);
	item(o, "GTIN", k->product.gtin);
	buf_put(o, "</dl></section>");
}

static void producer_section(strbuf *o, const verdict *v, lang l)
{
	const stamp_coop *c = &v->check.coop;
	int en = l == LANG_EN;
	char place[800];

	snprintf(place, sizeof place, "%s%s%s%s%s", c->commune, c->commune[0] ? ", " : "",
		 c->district, c->district[0] ? ", " : "", c->province);
	buf_put(o, "<section><h2>%s</h2><dl>", en ? "Producer" : "Cơ sở sản xuất");
	item(o, en ? "Name" : "Tên", c->name);
	item(o, en ? "Locality" : "Địa phương", place);
	item(o, en ? "Address" : "Địa chỉ", c->address);
	item(o, en ? "Phone" : "Điện thoại", c->phone);
	buf_put(o, "</dl></section>");
}

static void batch_section(strbuf *o, const verdict *v, lang l)
{
	const stamp_batch *b = &v->check.batch;
	int en = l == LANG_EN;
	char d[16];

	buf_put(o, "<section><h2>%s</h2><dl>", en ? "Batch" : "Lô hàng");
	item(o, en ? "Lot" : "Số lô", b->lot);
	date_text(b->produced, l, d);
	item(o, en ? "Production date" : "Ngày sản xuất", d);
	date_text(b->expiry, l, d);
	item(o, en ? "Expiry date" : "Hạn sử dụng", b->expiry ? d : "");
	buf_put(o, "</dl>");
	if (b->expiry && b->expiry < v->today)
		note(o, en ? "This batch is past its expiry date."
			   : "Lô hàng này đã hết hạn sử dụng.");
	buf_put(o, "</section>");
}

/* "place, commune, district, province", each part escaped; nothing when all are empty. */
static void place_line(strbuf *o, const stamp_event *e)
{
	const char *parts[] = {e->place, e->commune, e->district, e->province};
	int any = 0;
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		if (!parts[i][0])
			continue;
		buf_put(o, "%s", any ? ", " : "<br>");
		buf_esc(o, parts[i]);
		any = 1;
	}
}

static void stage_item(strbuf *o, const stamp_event *e, const stamp_coop *coop, lang l)
{
	const stamp_stage_info *st = stamp_stage_about(e->stage);
	int en = l == LANG_EN;
	char d[16];

	date_text(e->date, l, d);
	buf_put(o, "<li><strong>%s</strong>", st ? (en ? st->en : st->vi) : "—");
	if (e->label[0]) {
		buf_put(o, " — ");
		buf_esc(o, e->label);
	}
	if (e->minutes == STAMP_EVENT_NO_TIME)
		buf_put(o, "<br><small>%s</small>", d);
	else
		buf_put(o,
			en ? "<br><small>%s %02u:%02u</small>" : "<br><small>%s, %02u:%02u</small>",
			d, e->minutes / 60u % 100, e->minutes % 60u);
	place_line(o, e);
	buf_put(o, "<br>%s ", en ? "By" : "Thực hiện:");
	buf_esc(o, e->partner[0] ? e->partner : coop->name);
	if (e->note[0]) {
		buf_put(o, "<br>");
		buf_esc(o, e->note);
	}
	if (e->source[0]) {
		buf_put(o, "<br><small>%s ", en ? "raw material from" : "nguyên liệu từ");
		buf_esc(o, e->source);
		buf_put(o, "</small>");
	}
	buf_put(o, "</li>");
}

/* The journey as a vertical timeline, oldest first; nothing without stages. */
static void journey_section(strbuf *o, const verdict *v, lang l)
{
	strbuf one;
	size_t used = 0, i;
	int en = l == LANG_EN;

	if (!v->events || !v->nevents || buf_init(&one, STAGE_MAX))
		return;
	buf_put(o, "<section><h2>%s</h2><ol class=\"tl\">",
		en ? "Journey of the product" : "Hành trình sản phẩm");
	for (i = 0; i < v->nevents; i++) {
		one.len = 0, one.full = 0, one.p[0] = '\0';
		stage_item(&one, &v->events[i], &v->check.coop, l);
		if (one.full || used + one.len > TIMELINE_MAX)
			break;
		buf_add(o, one.p, one.len);
		used += one.len;
	}
	buf_put(o, "</ol>");
	if (i < v->nevents)
		buf_put(o, en ? "<p>and %zu more stages.</p>" : "<p>và %zu công đoạn khác.</p>",
			v->nevents - i);
	buf_put(o, "</section>");
	free(one.p);
}

static void scans_section(strbuf *o, const verdict *v, lang l)
{
	char first[40], last[40];
	int en = l == LANG_EN;
	const stamp_scan *n = &v->scans;

	buf_put(o, "<section><h2>%s</h2><dl><dt>%s</dt><dd>%llu</dd></dl><p>",
		en ? "This stamp" : "Tem này", en ? "Stamp number" : "Số tem",
		(unsigned long long)v->check.code.serial);
	if (!n->first) {
		buf_put(o, "%s",
			en ? "This code has not been scanned before."
			   : "Mã này chưa được quét lần nào.");
	} else {
		time_text(n->first, l, first);
		time_text(n->last, l, last);
		if (en)
			buf_put(o,
				"Scanned by %llu phone%s (%llu scan%s counted), first on %s, last "
				"on %s, on %u day%s.",
				(unsigned long long)n->scanners, n->scanners == 1 ? "" : "s",
				(unsigned long long)n->counted, n->counted == 1 ? "" : "s", first,
				last, n->days, n->days == 1 ? "" : "s");
		else
			buf_put(o,
				"Đã được %llu điện thoại quét (%llu lượt quét được tính), lần đầu "
				"lúc %s, lần gần nhất lúc %s, trong %u ngày.",
				(unsigned long long)n->scanners, (unsigned long long)n->counted,
				first, last, n->days);
	}
	buf_put(o, "</p></section>");
}

/*
 * Under the verdict of a genuine stamp: when it was first scanned, which is
 * how shoppers here check a stamp (the pattern of stamp vendors): a stamp
 * first scanned days ago, by someone else, on a product just bought, is a
 * copy or a refill.
 */
static void first_scan(strbuf *o, const verdict *v, lang l)
{
	char when[40];
	if (!v->scans.first)
		return;
	time_text(v->scans.first, l, when);
	if (l == LANG_EN)
		buf_put(o,
			"<p class=\"first\">This stamp was first scanned on <strong>%s</strong>. "
			"If that was not you or your shop, the stamp may be a copy.</p>",
			when);
	else
		buf_put(o,
			"<p class=\"first\">Tem này được quét lần đầu lúc <strong>%s</strong>. "
			"Nếu đó không phải bạn hoặc cửa hàng của bạn, tem có thể là bản sao.</p>",
			when);
}

/*
 * The sections that are the same for every stamp of a batch (product,
 * producer, batch): verifyd renders them once per batch, language and day.
 */
char *page_details(const verdict *v, lang l, size_t *len)
{
	strbuf o;
	if (buf_init(&o, PAGE_MAX + TIMELINE_MAX + 1024))
		return NULL;
	product_section(&o, v, l);
	producer_section(&o, v, l);
	batch_section(&o, v, l);
	journey_section(&o, v, l);
	return buf_take(&o, len);
}

char *page_render(const verdict *v, lang l, const char *details, size_t dlen, size_t *len)
{
	strbuf o;
	stamp_verdict k = verdict_shown(v);
	int en = l == LANG_EN;
	const banner *b = &banners[k];

	if (v->check.revoked && v->check.revocation.reason == STAMP_REASON_RECALLED)
		b = &recall_banner;
	if (buf_init(&o, PAGE_MAX + (details ? dlen : 0)))
		return NULL;
	head(&o, l, en ? b->en : b->vi);
	buf_put(&o,
		"<div class=\"v %s\"><span class=\"i\" "
		"aria-hidden=\"true\">%s</span><h1>%s</h1><p>",
		b->cls, b->icon, en ? b->en : b->vi);
	if (k == STAMP_V_SUSPICIOUS && en)
		buf_put(&o,
			"The stamp is genuine, but this code has been scanned by %llu different "
			"phones — more than one product would be. Check the product and the "
			"seller carefully.",
			(unsigned long long)v->scans.scanners);
	else if (k == STAMP_V_SUSPICIOUS)
		buf_put(&o,
			"Tem thật, nhưng mã này đã được %llu điện thoại khác nhau quét — nhiều "
			"hơn một sản phẩm bình thường. Hãy kiểm tra kỹ sản phẩm và nơi bán.",
			(unsigned long long)v->scans.scanners);
	else
		buf_put(&o, "%s", en ? b->en_sub : b->vi_sub);
	buf_put(&o, "</p>");
	if (k == STAMP_V_GENUINE || k == STAMP_V_SUSPICIOUS)
		first_scan(&o, v, l);
	buf_put(&o, "</div>");
	if (v->check.revoked)
		revocation_section(&o, &v->check.revocation, l);
	if (v->check.in_store && details) {
		buf_add(&o, details, dlen);
		scans_section(&o, v, l);
	}
	foot(&o, l);
	return buf_take(&o, len);
}

/*
 * A product's or a batch's own page (/P/, /L/), where a GS1 Digital Link
 * leads: what the registry says (with the journey: the batch's stages and
 * its product's, or the product's own), and no verdict, since nothing signed was
 * shown. A /21/ link names a stamp number without its signature, so the page
 * says that anyone can type one and sends the shopper to the QR code.
 */
char *page_entity(const verdict *v, lang l, uint64_t serial, size_t *len)
{
	strbuf o;
	int en = l == LANG_EN, batch = v->check.batch.id != 0;

	if (buf_init(&o, PAGE_MAX + TIMELINE_MAX + 1024))
		return NULL;
	head(&o, l,
	     batch ? (en ? "Batch information" : "Thông tin lô hàng")
		   : (en ? "Product information" : "Thông tin sản phẩm"));
	buf_put(&o, "<div class=\"v none\"><h1>%s</h1><p>",
		batch ? (en ? "Batch information" : "Thông tin lô hàng")
		      : (en ? "Product information" : "Thông tin sản phẩm"));
	if (serial && en)
		buf_put(&o,
			"This address names stamp number %llu but carries no signature: anyone "
			"can type it. To check that a product is genuine, scan the QR code on its "
			"stamp with a phone camera.",
			(unsigned long long)serial);
	else if (serial)
		buf_put(&o,
			"Địa chỉ này ghi số tem %llu nhưng không mang chữ ký số: ai cũng gõ ra "
			"được. Để kiểm tra hàng thật, hãy quét mã QR trên tem bằng camera điện "
			"thoại.",
			(unsigned long long)serial);
	else
		buf_put(&o, "%s",
			en ? "What the province's registry holds. This page does not check a "
			     "stamp: to check that a product is genuine, scan the QR code on its "
			     "stamp with a phone camera."
			   : "Thông tin trong sổ đăng ký của tỉnh. Trang này không kiểm tra tem: "
			     "để "
			     "kiểm tra hàng thật, hãy quét mã QR trên tem bằng camera điện thoại.");
	buf_put(&o, "</p></div>");
	if (v->check.revoked)
		revocation_section(&o, &v->check.revocation, l);
	product_section(&o, v, l);
	producer_section(&o, v, l);
	if (batch)
		batch_section(&o, v, l);
	journey_section(&o, v, l);
	foot(&o, l);
	return buf_take(&o, len);
}

char *page_message(int status, lang l, size_t *len)
{
	const char *vi, *en;
	switch (status) {
	case 200:
		vi = "Quét mã QR trên tem bằng camera điện thoại để kiểm tra nguồn gốc sản phẩm "
		     "OCOP.";
		en = "Scan the QR code on the stamp with a phone camera to check an OCOP product.";
		break;
	case 404:
		vi = "Không tìm thấy trang này.";
		en = "There is no such page.";
		break;
	case 405:
		vi = "Phương thức không được hỗ trợ.";
		en = "Method not allowed.";
		break;
	case 414:
		vi = "Địa chỉ quá dài.";
		en = "The address is too long.";
		break;
	case 503:
		vi = "Dịch vụ tạm thời gián đoạn. Vui lòng thử lại sau.";
		en = "The service is briefly unavailable. Please try again later.";
		break;
	default:
		vi = "Yêu cầu không hợp lệ.";
		en = "Bad request.";
		break;
	}
	strbuf o;
	if (buf_init(&o, PAGE_MAX))
		return NULL;
	head(&o, l, l == LANG_EN ? "OCOP stamps" : "Tem OCOP");
	buf_put(&o, "<div class=\"v %s\"><h1>%s</h1></div>", status == 200 ? "ok" : "none",
		l == LANG_EN ? en : vi);
	foot(&o, l);
	return buf_take(&o, len);
}
