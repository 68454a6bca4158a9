import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chaosPassed, chaosTable } from '../../scripts/chaos';
import { startBenchStack, type BenchStack } from '../../scripts/bench/stack';
import { runChaos } from '../../scripts/chaos/run';

jest.setTimeout(900_000);

describe('npm run chaos -- --quick: the product as separate processes, hurt from every side', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'o2c-chaos-test-'));
  let stack: BenchStack | undefined;

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("loses nothing, duplicates nothing, books nothing without a cause and fails no run, from the sandboxes' own records", async () => {
    stack = await startBenchStack(dataDir, { workers: 2 });
    const report = await runChaos(stack, { orders: 12, erpOutageSeconds: 15, stepSeconds: 3, refunds: 2, seed: 11 });
    console.log(chaosTable(report));
    // The faults really happened: duplicated webhooks, every process killed at least once.
    expect(report.deliveries.duplicatesSent).toBeGreaterThan(0);
    expect(report.injected.map((i) => i.what).join('\n')).toMatch(
      /worker 1 SIGKILLed[\s\S]*ERP down[\s\S]*worker 2 SIGKILLed[\s\S]*Temporal dev server SIGKILLed[\s\S]*API SIGKILLed/,
    );
    expect(report.orders.paid).toBeGreaterThan(0);
    expect(report.orders.completed + report.orders.compensated + report.orders.held + report.orders.parked).toBe(
      report.orders.paid,
    );
    expect({
      lost: report.lost,
      duplicated: report.duplicated,
      withoutCause: report.withoutCause,
      refunds: report.refunds.mismatched,
      failedRuns: report.failedRuns,
    }).toEqual({ lost: [], duplicated: [], withoutCause: [], refunds: [], failedRuns: 0 });
    expect(report.refunds.made).toBe(2);
    expect(chaosPassed(report)).toBe(true);
  });
});
