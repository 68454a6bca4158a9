import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDevStack, type DevStack } from '../harness/devStack';
import { testSecrets } from '../harness/productStack';
import { pay, placeOrder } from '../workflows/orderFlow';

const run = promisify(execFile);
const repo = join(__dirname, '../..');

describe('npm run ops, against the API', () => {
  let dev: DevStack;
  beforeAll(async () => {
    dev = await startDevStack({ stripeWebhooks: true });
  });
  afterAll(async () => {
    await dev?.close();
  });

  const ops = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', join(repo, 'scripts/ops.ts'), ...args], {
      cwd: repo,
      env: { ...process.env, API_URL: dev.apiUrl, ADMIN_TOKEN: testSecrets.adminToken },
    });

  it('lists fraud holds and approves one', async () => {
    const order = await placeOrder(dev.stack);
    await pay(dev.stack, order, 'pm_card_riskLevelElevated');
    let holds: Array<{ incrementId: string }> = [];
    for (let i = 0; i < 50 && !holds.some((h) => h.incrementId === order.increment_id); i++) {
      holds = JSON.parse((await ops('--json', 'fraud', 'list')).stdout);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(holds.map((h) => h.incrementId)).toContain(order.increment_id);
    const { stdout } = await ops('fraud', 'approve', order.increment_id, '--reviewer', 'cli-test');
    expect(stdout.trim()).toBe(`order:${order.increment_id}: approve sent`);
  }, 60_000);

  it('replays the last hour and reports what it found', async () => {
    const { stdout } = await ops('--json', 'replay', '--since', '1h');
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ status: 'COMPLETED', done: true });
    expect(result.seen).toBe(result.started + result.duplicates + result.ignored);
  }, 60_000);

  it('says what is wrong when the token is wrong, and exits non-zero', async () => {
    await expect(
      run(process.execPath, ['--import', 'tsx', join(repo, 'scripts/ops.ts'), 'review', 'list'], {
        cwd: repo,
        env: { ...process.env, API_URL: dev.apiUrl, ADMIN_TOKEN: 'wrong-token' },
      }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('401') });
  }, 60_000);
});
