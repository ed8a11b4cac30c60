// console_flow.mjs TOKEN_URL SAMPLES OUTDIR: an officer's day in the console,
// in Debian's chromium (puppeteer-core), as a person does it:
//   1. signs in with the printed one-time address;
//   2. imports samples/coops.csv, products.csv and events.csv through the
//      upload forms: the preview, then the import button; adds a cooperative
//      through its form (a bad phone first: the rule beside it);
//   3. issues a batch from the keyboard alone (Tab to each field, typing,
//      Enter), waits on the progress page, opens the batch;
//   4. downloads its sheet PDF and its manifest into OUTDIR (as the console
//      names them: batch-N-sheet.pdf, batch-N-manifest.csv), adds a stage on
//      the batch's page and uploads the product's photo on its page;
//   5. revokes the first stamp of the manifest through the revoke form (its
//      code, as a shopper reported it): the dry run says 1, then the
//      confirmation.
// The calling script decodes the PDF and asks verifyd. Prints one
// "ok"/"FAIL" line per check, the stamp's code as "code CODE"; exits 1 when
// any failed.
import { readFileSync, existsSync, statSync } from "node:fs";
import puppeteer from "puppeteer-core";

const [tokenUrl, samples, out] = process.argv.slice(2);
const base = new URL(tokenUrl).origin;
let failed = 0;
const ok = (what) => console.log(`ok   ${what}`);
const fail = (what) => {
	failed++;
	console.log(`FAIL ${what}`);
};
const check = (cond, what, why) => (cond ? ok(what) : fail(`${what}: ${why}`));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const browser = await puppeteer.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	headless: true,
	args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=vi-VN"],
});
const page = await browser.newPage();
await page.setViewport({ width: 1366, height: 768 });
const text = () => page.evaluate(() => document.body.innerText);

// Press Tab until the element matching sel has the focus (at most 80 times).
async function tabTo(sel) {
	for (let i = 0; i < 80; i++) {
		await page.keyboard.press("Tab");
		if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), sel)) return true;
	}
	return false;
}

async function upload(kind, file) {
	await page.goto(`${base}/${kind}/import`, { waitUntil: "load" });
	const input = await page.$("input[type=file]");
	if (!input) return fail(`${kind}: no file field on /${kind}/import`);
	await input.uploadFile(`${samples}/${file}`);
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.$eval("input[type=file]", (e) => e.form.requestSubmit())]);
	const preview = await page.evaluate(() => ({
		rows: document.querySelectorAll("table tr").length,
		button: !!document.querySelector("form[action$='/import/run'] button"),
	}));
	check(preview.rows > 1 && preview.button, `${file}: uploaded, a preview of ${preview.rows - 1} rows and the import button`, JSON.stringify(preview));
	if (!preview.button) return;
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("form[action$='/import/run'] button")]);
	const t = await text();
	check(/Đã nhập|imported/i.test(t), `${file}: imported`, t.slice(0, 300));
}

try {
	const res = await page.goto(tokenUrl, { waitUntil: "load", timeout: 30000 });
	check(res && res.status() === 200 && page.url() === base + "/", "signed in with the one-time address", `${res && res.status()} at ${page.url()}`);

	await upload("coops", "coops.csv");
	await upload("products", "products.csv");
	await upload("events", "events.csv");
	// a cooperative through its form: a bad phone first (the rule beside it), then corrected
	await page.goto(`${base}/coops/new`, { waitUntil: "load" });
	const coop = { id: "HTX-MOI", name: "HTX Nông sản Mới", district: "Nga Sơn", province: "Thanh Hóa", address: "xã Nga Liên", phone: "12" };
	for (const [f, v] of Object.entries(coop)) await page.type(`input#${f}`, v);
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.$eval("input#id", (e) => e.form.requestSubmit())]);
	const beside = await page.$eval("input#phone[aria-invalid=true] + .err", (e) => e.innerText).catch(() => "");
	check(/số điện thoại/.test(beside), `coop form: the rule beside the bad phone ("${beside.slice(0, 60)}")`, await text());
	await page.$eval("input#phone", (e) => (e.value = ""));
	await page.type("input#phone", "0237 3861 234");
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.$eval("input#id", (e) => e.form.requestSubmit())]);
	check(page.url() === `${base}/coops/HTX-MOI`, "coop form: corrected, saved, its page", page.url());
	await page.goto(`${base}/products?q=mam`, { waitUntil: "load" });
	const t = await text();
	check(t.includes("Nước mắm cốt Hoằng Hóa"), "the imported products are listed (search \"mam\" finds \"mắm\")", t.slice(0, 200));

	// ---- 3. a batch issued from the keyboard alone -------------------------------------
	await page.goto(`${base}/issue`, { waitUntil: "load" });
	check(await tabTo("select#product"), "issue: the product list reached with Tab", "never focused");
	await page.keyboard.type("NM-COT-HH");
	await tabTo("button[type=submit]");
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.keyboard.press("Enter")]);
	check(page.url().includes("product=NM-COT-HH"), "issue: Enter on the chosen product opens its form", page.url());
	check(await tabTo("input#lot"), "issue: the lot field reached with Tab", "never focused");
	await page.keyboard.type("L-BROWSER");
	check(await tabTo("input#count"), "issue: the count field reached with Tab", "never focused");
	await page.keyboard.down("Control");
	await page.keyboard.press("KeyA");
	await page.keyboard.up("Control");
	await page.keyboard.type("6");
	check(await tabTo("input#base_url"), "issue: the verification address reached with Tab", "never focused");
	await page.keyboard.type("https://tem.thanhhoa.gov.vn");
	const expiry = await page.$eval("input#expiry", (e) => e.value);
	check(/^\d{4}-\d{2}-\d{2}$/.test(expiry), `issue: the expiry proposed from the shelf life (${expiry})`, expiry);
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.keyboard.press("Enter")]);
	check(/\/issue\/jobs\//.test(page.url()), "issue: Enter in the form starts the job, its progress page", page.url());
	let done = false;
	for (let i = 0; i < 120 && !done; i++) {
		// the page reloads itself each second until the job ends
		done = await page.evaluate(() => !!document.querySelector("#finished, #failed")).catch(() => false);
		if (!done) await sleep(500);
	}
	const finished = await page.evaluate(() => (document.querySelector("#finished") || {}).innerText);
	check(finished && /6/.test(finished), `issue: the job finished ("${finished}")`, await text());
	check(await tabTo("a[href^='/batches/']"), "issue: the batch's link reached with Tab", "no link");
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.keyboard.press("Enter")]);
	const batchUrl = page.url();
	check(/\/batches\/\d+$/.test(batchUrl), `issue: Enter opens the batch page (${batchUrl})`, batchUrl);

	// ---- 4. its downloads ---------------------------------------------------------------
	const cdp = await page.createCDPSession();
	await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: out });
	const n = batchUrl.split("/").pop();
	for (const link of ["sheet.pdf", "manifest.csv"]) {
		const file = `batch-${n}-${link}`; // the name the console gives the download
		await page.click(`a[href$='/${link}']`).catch(() => {});
		let there = false;
		for (let i = 0; i < 60 && !there; i++) {
			there = existsSync(`${out}/${file}`) && statSync(`${out}/${file}`).size > 0;
			if (!there) await sleep(250);
		}
		check(there, `download: ${file} (${there ? statSync(`${out}/${file}`).size : 0} bytes)`, "not downloaded");
	}
	const manifest = existsSync(`${out}/batch-${n}-manifest.csv`) ? readFileSync(`${out}/batch-${n}-manifest.csv`, "utf8").trim().split("\n") : [];
	check(manifest.length === 7, "download: the manifest lists the 6 stamps", `${manifest.length} lines`);
	const code = manifest.length > 1 ? manifest[1].split(",")[1] : "";
	console.log(`code ${code}`);

	// ---- 4b. a stage of the batch, and the product's photo ------------------------------
	await page.goto(batchUrl, { waitUntil: "load" });
	await page.select("select#ev-stage", "shipping");
	await page.type("input#ev-at", "2026-12-03 08:00");
	await page.type("input#ev-place", "Chợ Đồng Xuân, Hà Nội");
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.$eval("select#ev-stage", (e) => e.form.requestSubmit())]);
	const stages = await page.$eval("#stages", (e) => e.innerText).catch(() => "");
	check(stages.includes("Chợ Đồng Xuân, Hà Nội"), "batch page: a stage added through its form is in the journey", stages.slice(0, 200));
	await page.goto(`${base}/products/NM-COT-HH`, { waitUntil: "load" });
	const photo = await page.$("input#photo-file");
	if (!photo) fail("product page: no photo field");
	else {
		await photo.uploadFile(`${samples}/photos/NM-COT-HH.jpg`);
		await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.$eval("input#photo-file", (e) => e.form.requestSubmit())]);
		await page.goto(`${base}/products/NM-COT-HH`, { waitUntil: "load" });
		const img = await page.evaluate(async () => {
			const i = [...document.images].find((x) => x.src.includes("/products/NM-COT-HH/photo"));
			if (!i) return null;
			await i.decode().catch(() => {});
			return { w: i.naturalWidth, h: i.naturalHeight };
		});
		check(img && img.w > 0 && img.h > 0, `product page: the uploaded photo is shown (${img && img.w}x${img && img.h})`, JSON.stringify(img));
	}

	// ---- 5. that stamp revoked: the dry run's count, then the confirmation ---------------
	await page.goto(`${base}/revoke`, { waitUntil: "load" });
	await page.select("select#kind", "code");
	await page.type("input#target", code);
	await page.select("select#reason", "stolen");
	await page.type("textarea#note", "Cuộn tem bị mất cắp");
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.$eval("select#kind", (e) => e.form.requestSubmit())]);
	const count = await page.$eval("#count", (e) => e.innerText).catch(() => "none");
	check(count === "1", "revoke: the dry run counts 1 stamp", `count ${count}: ${(await text()).slice(0, 300)}`);
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("form[action='/revoke'] button[type=submit]")]);
	const revoked = await page.$eval("#done", (e) => e.innerText).catch(() => "");
	check(/1/.test(revoked), `revoke: confirmed ("${revoked}")`, await text());
} catch (e) {
	fail(`the browser run stopped: ${e.message}`);
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);
