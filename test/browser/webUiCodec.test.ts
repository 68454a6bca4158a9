import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium, type Browser, type Page } from 'playwright-core';
import pino from 'pino';
import { createApp } from '../../api/app';
import { temporalEnvSchema } from '../../config/env';
import { dataConverterFrom, payloadCodecFrom } from '../../config/payloadCodec';
import { resolveChromium } from '../../scripts/chromium';
import { startDevServer, type DevServer } from '../../scripts/devServer';
import { freePort } from '../../scripts/ports';
import { createWorker } from '../../worker/worker';
import { uniqueTaskQueue } from '../harness/temporal';

jest.setTimeout(180_000);

const screenshots = join(__dirname, '..', '..', '.data', 'screenshots');
const adminToken = 'web-ui-codec-admin-token-0123456789';
const email = 'grace.webui@example.com';

/**
 * The Temporal Web UI as `npm start` runs it with PAYLOAD_ENCRYPTION_KEY set: a dev server with its UI, started with
 * `--ui-codec-endpoint <api>/codec` by the same `startDevServer` call, and the API serving the codec. The operator
 * logs in on the operator page, then tells the Web UI (its own Codec Server dialog) to include credentials.
 */
describe('the Temporal Web UI of npm start, with a payload key', () => {
  let temporal: DevServer;
  let api: Server;
  let apiUrl: string;
  let connection: Connection;
  let browser: Browser;
  let page: Page;
  let dbDir: string;
  const workflowId = `stripe:evt_webui${Date.now()}`;
  const shot = (name: string) => page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    const executablePath = resolveChromium();
    mkdirSync(screenshots, { recursive: true });
    dbDir = mkdtempSync(join(tmpdir(), 'o2c-webui-'));
    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    temporal = await startDevServer({
      port: await freePort(),
      uiPort: await freePort(),
      dbFile: join(dbDir, 'temporal.db'),
      uiCodecEndpoint: `${apiUrl}/codec`,
      onOutput: () => undefined,
    });
    const env = temporalEnvSchema.parse({
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('webui'),
      PAYLOAD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    connection = await Connection.connect({ address: temporal.address });
    const encrypted = new Client({ connection, dataConverter: dataConverterFrom(env) });
    api = createApp({
      temporal: encrypted,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      stripeWebhookSecrets: ['whsec_webui'],
      adminToken,
      orderPage: { systems: {}, webUiUrl: temporal.uiUrl! },
      codec: { payloadCodec: payloadCodecFrom(env) },
      log: pino({ level: 'silent' }),
    }).listen(apiPort, '127.0.0.1');
    await new Promise((r) => api.once('listening', r));
    // A payment for a Stripe invoice is not ours: the intake run ends at once, the customer's e-mail in its input.
    const event = {
      id: workflowId.slice('stripe:'.length),
      type: 'payment_intent.succeeded',
      created: 0,
      livemode: false,
      objectId: 'pi_webui',
      object: { id: 'pi_webui', invoice: 'in_1', receipt_email: email, metadata: {} },
    };
    const { worker, connection: native } = await createWorker({ env, activities: {} });
    await worker.runUntil(
      encrypted.workflow.execute('stripeEventIntake', {
        workflowId,
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        args: [event],
      }),
    );
    await native.close();
    browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });
  afterAll(async () => {
    await browser?.close();
    api?.closeAllConnections();
    api?.close();
    await connection?.close();
    await temporal?.stop();
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
  });

  it('shows ciphertext until the operator is logged in and the UI includes credentials, then the decoded input', async () => {
    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    const rawInput = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    expect(Buffer.from(rawInput.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(JSON.stringify(history)).not.toContain(email);
    expect(Buffer.from(rawInput.data!).toString('latin1')).not.toContain(email);

    const runPage = `${temporal.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;
    const codecStatuses: number[] = [];
    page.on('response', (res) => {
      if (res.url().startsWith(`${apiUrl}/codec/decode`)) codecStatuses.push(res.status());
    });

    // Not logged in: the UI's codec calls carry no credentials, the codec refuses them, the input stays ciphertext.
    await page.goto(runPage);
    await page.getByTestId('data-encoder-status-error').waitFor();
    await page.getByRole('heading', { name: 'Input', exact: true }).filter({ visible: true }).first().waitFor();
    expect(await page.locator('body').innerText()).not.toContain(email);
    expect(codecStatuses.length).toBeGreaterThan(0);
    expect(codecStatuses.every((s) => s === 401)).toBe(true);
    await shot('11-web-ui-encrypted');

    // The operator logs in on the operator page (the session cookie, HttpOnly, SameSite=Strict: same site as the UI).
    await page.goto(`${apiUrl}/ops/login`);
    await page.getByLabel('Operator token').fill(adminToken);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Operator page' }).waitFor();

    // In the Web UI's Codec Server dialog: this browser's setting, the same endpoint, cross-origin credentials included.
    await page.goto(runPage);
    await page.getByTestId('data-encoder-status-error').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Use my browser setting and ignore Cluster-level setting.').click();
    await dialog.getByLabel('Codec Server browser endpoint').fill(`${apiUrl}/codec`);
    await dialog.getByText('Include cross-origin credentials', { exact: true }).click();
    await expect(dialog.getByLabel('Include cross-origin credentials').isChecked()).resolves.toBe(true);
    await shot('12-web-ui-codec-dialog');
    codecStatuses.length = 0;
    await dialog.getByRole('button', { name: 'Apply' }).click();

    await page.goto(runPage);
    await page.getByText(email).first().waitFor({ timeout: 30_000 });
    expect(await page.locator('body').innerText()).toContain(`"receipt_email": "${email}"`);
    expect(codecStatuses.length).toBeGreaterThan(0);
    expect(codecStatuses.every((s) => s === 200)).toBe(true);
    await shot('13-web-ui-decoded');
  });
});
