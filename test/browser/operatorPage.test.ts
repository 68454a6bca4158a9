import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import axios from 'axios';
import { chromium, type Browser, type Page } from 'playwright-core';
import { resolveChromium } from '../../scripts/chromium';
import { startDevStack, type DevStack } from '../harness/devStack';
import { eventually } from '../harness/eventually';
import { testSecrets } from '../harness/productStack';
import { pay, placeOrder, waitForStep } from '../workflows/orderFlow';
import { payOut } from '../workflows/payoutFlow';

jest.setTimeout(180_000);

/** Where each page's screenshot goes (gitignored with the rest of .data/). */
const screenshots = join(__dirname, '..', '..', '.data', 'screenshots');

describe('the operator page, in Chromium', () => {
  let dev: DevStack;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  /** Reloads a list page until a row naming `text` is on it (visibility lags the run by a moment). */
  const rowWith = async (path: string, text: string) => {
    await eventually(
      `${text} on ${path}`,
      async () => {
        await page.goto(`${dev.apiUrl}${path}`);
        return (await page.locator('tr', { hasText: text }).count()) > 0 ? true : undefined;
      },
      30_000,
    );
    return page.locator('tr', { hasText: text });
  };

  beforeAll(async () => {
    // No Chromium and no way to install it fails the suite here, saying why: the browser test never passes silently.
    const executablePath = resolveChromium();
    mkdirSync(screenshots, { recursive: true });
    dev = await startDevStack({ stripeWebhooks: true });
    browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await dev?.close();
  });

  it('logs in with the operator token, approves a held order that then completes, and retries a parked payment', async () => {
    await page.goto(`${dev.apiUrl}/ops/`);
    expect(new URL(page.url()).pathname).toBe('/ops/login');
    await page.getByLabel('Operator token').fill('not-the-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/not the operator token/);
    await page.getByLabel('Operator token').fill(testSecrets.adminToken);
    await shot('01-login');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Operator page' }).waitFor();
    const cookie = (await page.context().cookies()).find((c) => c.name === 'o2c_ops_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie!.value).not.toContain(testSecrets.adminToken);
    await shot('02-home');

    // A held order: Approve, and it goes on to fulfilment and completes.
    const order = await placeOrder(dev.stack);
    await pay(dev.stack, order, 'pm_card_riskLevelElevated');
    const holdRow = await rowWith('/ops/fraud-holds', order.increment_id);
    await expect(holdRow.textContent()).resolves.toMatch(/Radar/);
    await shot('03-fraud-holds');
    await holdRow.getByRole('button', { name: `Approve order ${order.increment_id}` }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe(
      `Order ${order.increment_id} approved: it continues to invoicing and fulfilment.`,
    );
    await shot('04-fraud-hold-approved');
    const handle = dev.client.workflow.getHandle(`order:${order.increment_id}`);
    await waitForStep(handle, 'awaiting_shipment');
    const wmsOrder = await dev.stack.clients.wms.findByReferenceId(order.increment_id);
    await axios.post(`${dev.stack.urls.wms}/__sandbox/orders/${wmsOrder!.id}/ship`);
    expect(((await handle.result()) as { outcome: string }).outcome).toBe('completed');
    await page.goto(`${dev.apiUrl}/ops/orders`);
    await page.getByLabel('Magento order number').fill(order.increment_id);
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('heading', { name: `Order ${order.increment_id}` }).waitFor();
    await expect(page.locator('tr', { hasText: `order:${order.increment_id}` }).textContent()).resolves.toMatch(
      /completed/,
    );
    await shot('05-order-page');

    // A payment that names no order parks; once its metadata names one, Retry delivers it.
    const pi = await dev.stack.stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_visa',
      metadata: {},
    });
    const parkedRow = await rowWith('/ops/review-queue', `payment:${pi.id}`);
    await expect(parkedRow.textContent()).resolves.toMatch(/has no magento_order_id/);
    await shot('06-review-queue');
    const late = await placeOrder(dev.stack);
    await dev.stack.stripe.paymentIntents.update(pi.id, { metadata: { magento_order_id: late.increment_id } });
    await parkedRow.getByRole('button', { name: `Retry payment:${pi.id}` }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe(
      `payment:${pi.id}: retrying from the step it parked at.`,
    );
    await shot('07-review-queue-retried');
    await expect(dev.client.workflow.getHandle(`payment:${pi.id}`).result()).resolves.toMatchObject({
      outcome: 'delivered',
      deliveredTo: `order:${late.increment_id}`,
    });
    await waitForStep(dev.client.workflow.getHandle(`order:${late.increment_id}`), 'awaiting_shipment');

    await page.goto(`${dev.apiUrl}/ops/runs?state=completed`);
    const runLink = page.getByRole('link', { name: `order:${order.increment_id}` });
    await expect(runLink.getAttribute('href')).resolves.toMatch(
      /^http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\/order%3A/,
    );
    await shot('08-recent-runs');
    // The two payments are paid out: the payout's report, its totals and its CSV.
    const payout = await payOut(dev.stack, 'USD');
    await rowWith('/ops/payouts', payout.id);
    await shot('09-payouts');
    await eventually(
      'the payout report',
      async () => {
        await page.goto(`${dev.apiUrl}/ops/payouts/${payout.id}`);
        return (await page.getByRole('link', { name: /Download the CSV/ }).count()) > 0 ? true : undefined;
      },
      30_000,
    );
    await expect(page.locator('main').textContent()).resolves.toMatch(/add up to it exactly/);
    await shot('10-payout-report');
    const csv = await page.request.get(`${dev.apiUrl}/ops/payouts/${payout.id}/reconciliation.csv`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
    expect((await csv.text()).trimEnd().split('\r\n')).toHaveLength(1 + 2);
    expect(await page.content()).not.toContain(testSecrets.adminToken);

    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    expect(new URL(page.url()).pathname).toBe('/ops/login');
    await page.goto(`${dev.apiUrl}/ops/review-queue`);
    expect(new URL(page.url()).pathname).toBe('/ops/login');
  });

  it("refuses a POST without the session's CSRF token or from another origin, and lets the session cookie call the codec", async () => {
    const login = await axios.post(
      `${dev.apiUrl}/ops/login`,
      new URLSearchParams({ token: testSecrets.adminToken }).toString(),
      { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, maxRedirects: 0, validateStatus: () => true },
    );
    expect(login.status).toBe(303);
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/^o2c_ops_session=v2\.[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(setCookie).not.toContain(testSecrets.adminToken);
    const Cookie = setCookie.split(';')[0]!;
    const home = await axios.get(`${dev.apiUrl}/ops/`, { headers: { Cookie } });
    const csrf = /name="csrf" value="([^"]+)"/.exec(home.data as string)![1]!;

    const form = { 'Content-Type': 'application/x-www-form-urlencoded', Cookie };
    const post = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
      axios.post(`${dev.apiUrl}${path}`, new URLSearchParams(body).toString(), {
        headers: { ...form, ...headers },
        maxRedirects: 0,
        validateStatus: () => true,
      });
    expect((await post('/ops/review-queue/order%3Anope/skip', {})).status).toBe(403);
    expect((await post('/ops/review-queue/order%3Anope/skip', { csrf: `${csrf}x` })).status).toBe(403);
    expect(
      (await post('/ops/review-queue/order%3Anope/skip', { csrf }, { Origin: 'http://evil.example' })).status,
    ).toBe(403);
    expect(
      (await post('/ops/login', { token: testSecrets.adminToken }, { Origin: 'http://evil.example' })).status,
    ).toBe(403);
    // Accepted past the checks: the run's own answer (there is none).
    expect((await post('/ops/review-queue/order%3Anope/skip', { csrf }, { Origin: dev.apiUrl })).status).toBe(404);

    const codec = (headers: Record<string, string>) =>
      axios.post(`${dev.apiUrl}/codec/decode`, { payloads: [] }, { headers, validateStatus: () => true });
    expect((await codec({ Cookie })).status).toBe(200);
    const fromUi = await codec({ Cookie, Origin: dev.webUiUrl });
    expect(fromUi.status).toBe(200);
    expect(fromUi.headers).toMatchObject({
      'access-control-allow-origin': dev.webUiUrl,
      'access-control-allow-credentials': 'true',
    });
    expect((await codec({ Cookie, Origin: 'http://evil.example' })).status).toBe(401);
    expect((await codec({ Cookie: 'o2c_ops_session=v2.forged' })).status).toBe(401);
  });
});
