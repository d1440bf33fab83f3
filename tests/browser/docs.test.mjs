// tests/browser/docs.test.mjs -- /docs as a person uses it, in Debian's
// Chromium driven by playwright-core (both from the project: chromium through
// scripts/deps, playwright-core through docs/package-lock.json; no browser is
// downloaded). Run by tests/api/test_docs.sh against its stack:
//
//   node tests/browser/docs.test.mjs BASE_URL EMAIL PASSWORD
//
// Opens /docs, checks that Swagger UI lists every operation of /openapi.json,
// authorizes through the Authorize dialog (OAuth2 password flow: the user's
// email and password, posted by Swagger UI to /auth/token), then runs
// "Try it out" -> "Execute" on GET /users/, and on POST /auth/refresh_token,
// POST /todos/ (Swagger UI's example body) and GET /todos/ (which need the
// token), and expects 200 from each. Every request the page
// makes must stay on BASE_URL: nothing from a CDN.
//
// Prints "# ..." lines and exits 0 when all held, 1 with the reason otherwise
// (never "ok - " lines: tests/run counts those). DOCS_SCREENSHOT=file.png
// saves the final page (also on failure).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(new URL('../../docs/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const [base, email, password] = process.argv.slice(2);
if (!base || !email || !password) {
	console.error('usage: node tests/browser/docs.test.mjs BASE_URL EMAIL PASSWORD');
	process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = 20000;

const log = (msg) => console.log(`# ${msg}`);
class Failure extends Error {}
const check = (cond, msg) => {
	if (!cond) throw new Failure(msg);
};

// The operations /openapi.json declares, as "GET /users/".
async function declaredOperations() {
	const res = await fetch(`${base}/openapi.json`);
	check(res.ok, `/openapi.json answered ${res.status}`);
	const doc = await res.json();
	const ops = [];
	for (const [p, item] of Object.entries(doc.paths))
		for (const m of Object.keys(item)) ops.push(`${m.toUpperCase()} ${p}`);
	return ops.sort();
}

// The operations Swagger UI shows, read off its operation blocks.
async function listedOperations(page) {
	return (
		await page.$$eval('.opblock', (blocks) =>
			blocks.map((b) => {
				const method = b.querySelector('.opblock-summary-method')?.textContent.trim();
				const p = b.querySelector('.opblock-summary-path')?.getAttribute('data-path');
				return `${method} ${p}`;
			}),
		)
	).sort();
}

// Expands an operation, presses "Try it out" and "Execute", and returns the
// status code Swagger UI shows for the answer.
async function tryItOut(page, opId) {
	const block = page.locator(`#operations-${opId}`);
	await block.locator('.opblock-summary').first().click();
	await block.locator('.try-out__btn').click();
	await block.locator('.btn.execute').click();
	const status = block.locator('.live-responses-table .response .response-col_status').first();
	await status.waitFor({ timeout: TIMEOUT });
	return (await status.textContent()).trim();
}

async function main() {
	const expected = await declaredOperations();
	check(expected.length > 0, '/openapi.json declares no operation');

	const profile = mkdtempSync(path.join(tmpdir(), 'fast_zero_chromium.'));
	let context;
	let page;
	try {
		context = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM,
			headless: true,
			args: [
				'--headless',
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
			],
		});
		page = context.pages()[0] || (await context.newPage());
		page.setDefaultTimeout(TIMEOUT);

		const foreign = [];
		const failed = [];
		const pageErrors = [];
		page.on('request', (r) => {
			if (!r.url().startsWith(`${base}/`) && !r.url().startsWith('data:')) foreign.push(r.url());
		});
		page.on('requestfailed', (r) => failed.push(`${r.url()} (${r.failure()?.errorText})`));
		page.on('pageerror', (e) => pageErrors.push(String(e)));

		const res = await page.goto(`${base}/docs`);
		check(res.status() === 200, `/docs answered ${res.status()}`);
		check((await page.title()) === 'FastAPI - Swagger UI', `title is "${await page.title()}"`);
		await page.locator('.opblock').first().waitFor();
		const listed = await listedOperations(page);
		check(
			JSON.stringify(listed) === JSON.stringify(expected),
			`Swagger UI lists ${JSON.stringify(listed)}, /openapi.json declares ${JSON.stringify(expected)}`,
		);
		log(`Swagger UI lists the ${listed.length} operations of /openapi.json`);

		// Authorize: the OAuth2 password flow of OAuth2PasswordBearer.
		await page.locator('.auth-wrapper .btn.authorize').click();
		const dialog = page.locator('.dialog-ux .modal-ux');
		await dialog.waitFor();
		await dialog.locator('#oauth_username').fill(email);
		await dialog.locator('#oauth_password').fill(password);
		const tokenAnswer = page.waitForResponse(
			(r) => r.url() === `${base}/auth/token` && r.request().method() === 'POST',
		);
		await dialog.locator('.btn.modal-btn.auth.authorize').click();
		const token = await tokenAnswer;
		check(token.status() === 200, `the Authorize dialog's POST /auth/token answered ${token.status()}`);
		await dialog.locator('.btn.modal-btn.auth', { hasText: 'Logout' }).waitFor();
		await dialog.locator('.btn-done').click();
		await dialog.waitFor({ state: 'detached' });
		log(`authorized as ${email} through the Authorize dialog`);

		const users = await tryItOut(page, 'users-read_users_users__get');
		check(users === '200', `Try it out on GET /users/ showed ${users}`);
		log('Try it out -> Execute on GET /users/: 200');

		const refresh = await tryItOut(page, 'auth-refresh_access_token_auth_refresh_token_post');
		check(refresh === '200', `Try it out on POST /auth/refresh_token (Bearer) showed ${refresh}`);
		log('Try it out -> Execute on POST /auth/refresh_token with the token: 200');

		const created = await tryItOut(page, 'todos-create_todo_todos__post');
		check(created === '200', `Try it out on POST /todos/ (its example body) showed ${created}`);
		const listedTodos = await tryItOut(page, 'todos-list_todos_todos__get');
		check(listedTodos === '200', `Try it out on GET /todos/ showed ${listedTodos}`);
		log('Try it out -> Execute on POST /todos/ and GET /todos/ with the token: 200');

		// The OAuth2 redirect page (other flows than ours): it hands what the
		// authorization server sent back to the Swagger UI window that opened it.
		const handed = await page.evaluate(
			() =>
				new Promise((resolve, reject) => {
					window.swaggerUIRedirectOauth2 = {
						state: 'st4te',
						redirectUrl: `${location.origin}/docs/oauth2-redirect`,
						auth: { name: 'x', schema: new Map([['flow', 'implicit']]) },
						callback: (arg) => resolve({ token: arg.token, isValid: arg.isValid }),
						errCb: (e) => reject(new Error(e.message)),
					};
					window.open('/docs/oauth2-redirect#access_token=t%20k&state=st4te');
					setTimeout(() => reject(new Error('no callback from the redirect page')), 5000);
				}),
		);
		check(
			JSON.stringify(handed) === '{"token":{"access_token":"t k","state":"st4te"},"isValid":true}',
			`/docs/oauth2-redirect handed over ${JSON.stringify(handed)}`,
		);
		log('/docs/oauth2-redirect hands the answer to the window that opened it');

		check(foreign.length === 0, `the page reached outside ${base}: ${foreign.join(', ')}`);
		check(failed.length === 0, `requests failed: ${failed.join(', ')}`);
		check(pageErrors.length === 0, `the page threw: ${pageErrors.join('; ')}`);
	} finally {
		if (page && process.env.DOCS_SCREENSHOT)
			await page.screenshot({ path: process.env.DOCS_SCREENSHOT, fullPage: true }).catch(() => {});
		if (context) await context.close().catch(() => {});
		rmSync(profile, { recursive: true, force: true });
	}
}

main().then(
	() => process.exit(0),
	(e) => {
		console.log(`# FAILED: ${e instanceof Failure ? e.message : e.stack || e}`);
		process.exit(1);
	},
);
