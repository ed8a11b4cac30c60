// page_layout.mjs BASE OUTDIR PATH...: each page PATH of verifyd at BASE, in
// Debian's chromium (puppeteer-core), at the widths of the phones shoppers
// hold (360 and 412 CSS pixels, 800 high, Vietnamese): no horizontal
// scroll, the verdict banner wholly in view without scrolling, every image
// laid out at its width/height ratio before it loads (no layout shift), and
// axe-core's check with no serious or critical violation. A screenshot of
// each, OUTDIR/<n>-<width>.png. Prints one "ok"/"FAIL" line per check and
// exits 1 when any failed.
import axe from "axe-core";
import puppeteer from "puppeteer-core";

const [base, outdir, ...paths] = process.argv.slice(2);
const widths = [360, 412];
let failed = 0;
const ok = (what) => console.log(`ok   ${what}`);
const fail = (what) => {
	failed++;
	console.log(`FAIL ${what}`);
};

const browser = await puppeteer.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	headless: true,
	args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=vi-VN"],
});
try {
	for (const [n, path] of paths.entries()) {
		for (const width of widths) {
			const page = await browser.newPage();
			await page.setViewport({ width, height: 800, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
			await page.setExtraHTTPHeaders({ "Accept-Language": "vi-VN,vi;q=0.9" });
			const res = await page.goto(base + path, { waitUntil: "load", timeout: 30000 });
			const what = `${path} at ${width} px`;
			if (!res || res.status() !== 200) {
				fail(`${what}: status ${res && res.status()}`);
				await page.close();
				continue;
			}
			const m = await page.evaluate(async () => {
				const top = document.querySelector(".v");
				const first = top ? top.getBoundingClientRect() : null;
				// lazy photos load when near the viewport: bring each in, wait for it
				for (const i of document.images) {
					i.scrollIntoView();
					await i.decode().catch(() => {});
				}
				window.scrollTo(0, 0);
				const v = top, r = first;
				const imgs = [...document.images].map((i) => ({
					attrs: i.hasAttribute("width") && i.hasAttribute("height"),
					ratio: i.getAttribute("width") / i.getAttribute("height"),
					shown: i.getBoundingClientRect().width / i.getBoundingClientRect().height,
					loaded: i.complete && i.naturalWidth > 0,
					right: i.getBoundingClientRect().right,
				}));
				return {
					scroll: document.documentElement.scrollWidth,
					inner: window.innerWidth,
					height: window.innerHeight,
					banner: r && { top: r.top, bottom: r.bottom, text: v.innerText.slice(0, 40) },
					imgs,
					bytes: document.documentElement.outerHTML.length,
				};
			});
			if (m.scroll <= m.inner) ok(`${what}: no horizontal scroll (${m.scroll} <= ${m.inner})`);
			else fail(`${what}: the page is ${m.scroll} px wide in a ${m.inner} px viewport`);
			if (m.banner && m.banner.top >= 0 && m.banner.bottom <= m.height)
				ok(`${what}: the verdict is in view without scrolling ("${m.banner.text.split("\n")[0]}", ${Math.round(m.banner.bottom)} px)`);
			else fail(`${what}: the verdict banner is not wholly in view: ${JSON.stringify(m.banner)}`);
			for (const i of m.imgs) {
				if (i.attrs && Math.abs(i.ratio - i.shown) < 0.02 && i.loaded && i.right <= m.inner)
					ok(`${what}: the photo has width and height, loads, keeps its ratio, fits`);
				else fail(`${what}: photo ${JSON.stringify(i)}`);
			}
			// evaluated through DevTools, as the page's own CSP (no script at all) would refuse a tag
			await page.evaluate(axe.source);
			const found = await page.evaluate(async () =>
				(await window.axe.run(document, { resultTypes: ["violations"] })).violations
					.filter((v) => v.impact === "serious" || v.impact === "critical")
					.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`),
			);
			if (found.length === 0) ok(`${what}: axe-core finds no serious or critical violation`);
			else fail(`${what}: axe-core: ${found.join("; ")}`);
			await page.screenshot({ path: `${outdir}/${n}-${width}.png`, fullPage: true });
			await page.close();
		}
	}
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);
