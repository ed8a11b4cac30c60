// console_pages.mjs TOKEN_URL SHOTDIR [PATH...]: the officers' console in Debian's
// chromium (puppeteer-core). Signs in with the one-time address, then visits
// every page the console links to (from the navigation and from each page,
// two links deep, downloads and images left out) in Vietnamese and again in
// English after pressing the language switch, at a laptop's 1366×768 and a
// tablet's 768×1024: each answers 200, has no horizontal scroll, every form
// field has a label, and axe-core finds no serious or critical violation.
// The pages of the navigation and the PATHs given are kept as screenshots,
// SHOTDIR/<page>-<lang>-<width>.png (docs/console.md shows them).
// Prints one "ok"/"FAIL" line per check; exits 1 when any failed.
import axe from "axe-core";
import puppeteer from "puppeteer-core";

const [tokenUrl, shots, ...extra] = process.argv.slice(2);
const base = new URL(tokenUrl).origin;
const sizes = [
	{ width: 1366, height: 768 },
	{ width: 768, height: 1024 },
];
let failed = 0;
const ok = (what) => console.log(`ok   ${what}`);
const fail = (what) => {
	failed++;
	console.log(`FAIL ${what}`);
};
const skip = /\.(pdf|zip|csv|png|jpg|jpeg|webp)$|^\/img\/|\/download/;
const slug = (path) => (path === "/" ? "overview" : path.slice(1).replace(/[^A-Za-z0-9]+/g, "-"));

const browser = await puppeteer.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	headless: true,
	args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=vi-VN"],
});

// One page's checks; returns the same-origin links it holds.
async function check(page, path, lang, shot) {
	const res = await page.goto(base + path, { waitUntil: "load", timeout: 30000 });
	const what = `${path} (${lang}, ${page.viewport().width} px)`;
	if (!res || res.status() !== 200) {
		fail(`${what}: status ${res && res.status()}`);
		return [];
	}
	const m = await page.evaluate(() => {
		const fields = [...document.querySelectorAll("input, select, textarea")].filter(
			(e) => e.type !== "hidden" && e.type !== "submit",
		);
		const unlabelled = fields
			.filter((e) => !(e.labels && e.labels.length) && !e.getAttribute("aria-label"))
			.map((e) => e.name || e.id);
		return {
			lang: document.documentElement.lang,
			h1: (document.querySelector("h1") || {}).innerText,
			scroll: document.documentElement.scrollWidth,
			inner: window.innerWidth,
			fields: fields.length,
			unlabelled,
			links: [...document.querySelectorAll("a[href]")].map((a) => a.getAttribute("href")),
		};
	});
	if (m.lang === lang) ok(`${what}: <html lang="${lang}">, "${m.h1}"`);
	else fail(`${what}: lang "${m.lang}", expected "${lang}"`);
	if (m.scroll <= m.inner) ok(`${what}: no horizontal scroll`);
	else fail(`${what}: ${m.scroll} px wide in a ${m.inner} px viewport`);
	if (!m.unlabelled.length) ok(`${what}: each of ${m.fields} form fields has a label`);
	else fail(`${what}: fields without a label: ${m.unlabelled.join(", ")}`);
	// through DevTools: the page's own CSP (no script at all) would refuse a tag
	await page.evaluate(axe.source);
	const found = await page.evaluate(async () =>
		(await window.axe.run(document, { resultTypes: ["violations"] })).violations
			.filter((v) => v.impact === "serious" || v.impact === "critical")
			.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(" ")})`),
	);
	if (!found.length) ok(`${what}: axe-core, no serious or critical violation`);
	else fail(`${what}: axe-core: ${found.join("; ")}`);
	if (shot) await page.screenshot({ path: `${shots}/${slug(path)}-${lang}-${page.viewport().width}.png`, fullPage: true });
	return m.links
		.map((h) => new URL(h, base + path))
		.filter((u) => u.origin === base && !skip.test(u.pathname))
		.map((u) => u.pathname + u.search);
}

try {
	const page = await browser.newPage();
	await page.setViewport(sizes[0]);
	const res = await page.goto(tokenUrl, { waitUntil: "load", timeout: 30000 });
	const cookies = await page.cookies();
	const c = cookies.find((x) => x.name === "ocs_console");
	if (res && res.status() === 200 && page.url() === base + "/" && c && c.httpOnly && c.sameSite === "Strict")
		ok("the one-time address signs in: the overview, the code gone from the address bar, an HttpOnly SameSite=Strict cookie");
	else fail(`sign-in: status ${res && res.status()}, at ${page.url()}, cookie ${JSON.stringify(c)}`);

	const navPaths = await page.evaluate(() =>
		[...document.querySelectorAll("header nav a[href]")].map((a) => a.getAttribute("href")),
	);
	if (navPaths.length >= 3) ok(`the navigation: ${navPaths.join(" ")}`);
	else fail(`the navigation has ${navPaths.length} links`);

	for (const lang of ["vi", "en"]) {
		if (lang === "en") {
			await page.goto(base + "/", { waitUntil: "load" });
			await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("form[action='/lang'] button")]);
			const l = await page.evaluate(() => document.documentElement.lang);
			if (l === "en") ok("the language switch: English");
			else fail(`the language switch left lang="${l}"`);
		}
		const seen = new Set();
		const shoot = navPaths.concat(extra);
		let todo = shoot.map((p) => [p, 0]);
		while (todo.length) {
			const [path, depth] = todo.shift();
			if (seen.has(path) || seen.size >= 60) continue;
			seen.add(path);
			const inNav = shoot.includes(path);
			let links = [];
			for (const size of inNav ? sizes : sizes.slice(0, 1)) {
				await page.setViewport(size);
				links = await check(page, path, lang, inNav);
			}
			if (depth < 2) todo = todo.concat(links.map((l) => [l, depth + 1]));
		}
		ok(`${seen.size} pages visited in ${lang}`);
	}
	// back to Vietnamese for whoever signs in next with this session
	await page.goto(base + "/", { waitUntil: "load" });
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("form[action='/lang'] button")]);
} catch (e) {
	fail(`the browser run stopped: ${e.message}`);
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);
