import { parsePrometheus, serverProfile } from '../../scripts/bench/diagnostics';

/** A reading of the Temporal server's metrics, as its `/metrics` endpoint writes them. */
function reading(o: {
  starts: number[];
  historyStartSum: number;
  createSum: number;
  creates: number;
  polls: number;
  sync: number;
  writes: number;
}): string {
  const ns = 'namespace="default"';
  const bounds = ['0.05', '0.1', '0.2', '0.5', '+Inf'];
  const buckets = (op: string, service: string, counts: number[]) =>
    bounds.map(
      (le, i) => `service_latency_bucket{${ns},operation="${op}",service_name="${service}",le="${le}"} ${counts[i]}`,
    );
  const total = o.starts[o.starts.length - 1]!;
  return [
    '# HELP service_latency latency',
    ...buckets('StartWorkflowExecution', 'frontend', o.starts),
    `service_latency_count{${ns},operation="StartWorkflowExecution",service_name="frontend"} ${total}`,
    `service_latency_sum{${ns},operation="StartWorkflowExecution",service_name="frontend"} ${total * 0.06}`,
    `service_latency_count{${ns},operation="StartWorkflowExecution",service_name="history"} ${total}`,
    `service_latency_sum{${ns},operation="StartWorkflowExecution",service_name="history"} ${o.historyStartSum}`,
    ...bounds.map(
      (le) =>
        `persistence_latency_bucket{${ns},operation="CreateWorkflowExecution",service_name="history",le="${le}"} ${o.creates}`,
    ),
    `persistence_latency_count{${ns},operation="CreateWorkflowExecution",service_name="history"} ${o.creates}`,
    `persistence_latency_sum{${ns},operation="CreateWorkflowExecution",service_name="history"} ${o.createSum}`,
    `poll_success{${ns},operation="TaskQueueMgr",service_name="matching",task_type="Workflow",taskqueue="q"} ${o.polls}`,
    `poll_success{${ns},operation="TaskQueueMgr",service_name="matching",task_type="Activity",taskqueue="q"} 999`,
    `poll_success_sync{${ns},operation="TaskQueueMgr",service_name="matching",task_type="Workflow",taskqueue="q"} ${o.sync}`,
    `persistence_requests{${ns},operation="UpdateWorkflowExecution",service_name="history"} ${o.writes}`,
    `persistence_requests{${ns},operation="GetWorkflowExecution",service_name="history"} 5000`,
    `persistence_requests{namespace="temporal_system",operation="UpdateWorkflowExecution",service_name="history"} 7000`,
  ].join('\n');
}

describe("the benchmark reads the Temporal server's own metrics", () => {
  it('counts only what grew between two readings: start latency, its share over 100 ms, sync matches and writes per start', () => {
    const before = parsePrometheus(
      reading({
        starts: [50, 60, 60, 60, 60],
        historyStartSum: 1,
        createSum: 0.5,
        creates: 60,
        polls: 60,
        sync: 10,
        writes: 120,
      }),
    );
    // 100 more starts: 80 within 50 ms, 10 within 100 ms, 8 within 200 ms, 2 within 500 ms.
    const after = parsePrometheus(
      reading({
        starts: [130, 150, 158, 160, 160],
        historyStartSum: 4,
        createSum: 1.3,
        creates: 160,
        polls: 160,
        sync: 85,
        writes: 420,
      }),
    );
    expect(serverProfile(before, after)).toEqual({
      starts: 100,
      startMeanMs: 60,
      startsOver100MsShare: 0.1,
      startP99UpToMs: 500,
      historyStartMeanMs: 30,
      createMeanMs: 8,
      createP99UpToMs: 50,
      workflowTasks: 100,
      syncMatchedShare: 0.75,
      writesPerStart: 3,
    });
  });

  it('has no 99% bound when more than 1% of the starts fell past the last finite bucket', () => {
    const zero = parsePrometheus(
      reading({ starts: [0, 0, 0, 0, 0], historyStartSum: 0, createSum: 0, creates: 0, polls: 0, sync: 0, writes: 0 }),
    );
    const slow = parsePrometheus(
      reading({
        starts: [10, 10, 10, 10, 100],
        historyStartSum: 0,
        createSum: 0,
        creates: 0,
        polls: 0,
        sync: 0,
        writes: 0,
      }),
    );
    const profile = serverProfile(zero, slow);
    expect(profile.startP99UpToMs).toBeUndefined();
    expect(profile.startsOver100MsShare).toBe(0.9);
    expect(profile.syncMatchedShare).toBe(0);
  });
});
