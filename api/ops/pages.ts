import type { WorkflowExecutionInfo } from '@temporalio/client';
import { formatMoney } from '../../domain/money';
import type { PayoutLine } from '../../domain/reconciliation';
import { MagentoOrderId, SyncState } from '../../domain/searchAttributes';
import type { FraudHold } from '../routes/admin';
import type { InventorySyncReport } from '../inventorySync';
import type { OrderPage } from '../orderPage';
import type { ReportSource } from '../routes/payoutReports';
import { html, postButton, when, type Html } from './html';

import { syncStates } from '../../domain/searchAttributes';

export { syncStates };

const pagerOf = (path: string, params: Record<string, string | undefined>, nextPageToken?: string): Html | string => {
  if (!nextPageToken) return '';
  const query = new URLSearchParams(
    Object.entries({ ...params, pageToken: nextPageToken }).filter((e): e is [string, string] => !!e[1]),
  );
  return html`<p><a href="${`${path}?${query.toString()}`}" rel="next">Next page</a></p>`;
};

export function loginForm(): Html {
  return html`<form method="post" action="/ops/login">
    <p>
      <label for="token">Operator token (<code>ADMIN_TOKEN</code>)</label><br />
      <input id="token" name="token" type="password" autocomplete="current-password" required size="40" autofocus />
    </p>
    <p><button>Log in</button></p>
  </form>`;
}

export function home(counts: { fraudHolds: number | string; reviewQueue: number | string }): Html {
  return html`<ul>
    <li><a href="/ops/fraud-holds">Fraud holds</a>: ${counts.fraudHolds} waiting for a decision</li>
    <li><a href="/ops/review-queue">Review queue</a>: ${counts.reviewQueue} parked runs</li>
    <li><a href="/ops/runs">Recent runs</a> by sync state, with links into the Temporal Web UI</li>
    <li><a href="/ops/orders">An order's page</a>: every run, document and money movement of one order</li>
    <li><a href="/ops/payouts">Payout reports</a>: totals and the CSV</li>
    <li><a href="/ops/inventory">Stock sync</a>: the warehouse's stock in Magento, SKUs on one side only, low stock</li>
  </ul>`;
}

const skuList = (skus: readonly string[]): Html | string =>
  skus.length === 0 ? html`<span class="muted">none</span>` : html`${skus.join(', ')}`;

export function inventorySync(report: InventorySyncReport): Html {
  if (!report.scheduled)
    return html`<p>
      The Schedule <code>${report.scheduleId}</code> does not exist: INVENTORY_SYNC_INTERVAL is off, or no worker has
      started yet.
    </p>`;
  const run = report.lastRun;
  const status = run?.status;
  return html`<p>
      Schedule <code>${report.scheduleId}</code>${report.paused ? ' (paused)' : ''}; next run
      ${report.nextRunAt ?? 'not planned'}.
    </p>
    ${
      run
        ? html`<table>
            <caption class="muted">
              The newest run
            </caption>
            <tbody>
              <tr>
                <th scope="row">Run</th>
                <td>${run.workflowId} (${run.state}, started ${run.startedAt ?? '?'})</td>
              </tr>
              ${
                status
                  ? html`<tr>
                        <th scope="row">Sync state</th>
                        <td>${status.syncState}${status.reviewReason ? html`: ${status.reviewReason}` : ''}</td>
                      </tr>
                      <tr>
                        <th scope="row">Written to Magento</th>
                        <td>${status.written.length} SKUs; ${status.unchanged} unchanged</td>
                      </tr>
                      <tr>
                        <th scope="row">In the warehouse only</th>
                        <td>${skuList(status.warehouseOnly)}</td>
                      </tr>
                      <tr>
                        <th scope="row">On the Magento source only</th>
                        <td>${skuList(status.magentoOnly)}</td>
                      </tr>
                      <tr>
                        <th scope="row">Low stock</th>
                        <td>${skuList(status.low)}</td>
                      </tr>`
                  : ''
              }
            </tbody>
          </table>`
        : html`<p>No run yet.</p>`
    }`;
}

export function fraudHolds(holds: FraudHold[], csrfToken: string, nextPageToken?: string): Html {
  if (holds.length === 0) return html`<p>No order is held for fraud review.</p>`;
  return html`<table>
      <caption class="muted">
        Orders held for fraud review, newest first
      </caption>
      <thead>
        <tr>
          <th scope="col">Order</th>
          <th scope="col">Score</th>
          <th scope="col">Reasons</th>
          <th scope="col">Held since</th>
          <th scope="col">Decided automatically at</th>
          <th scope="col">Decision</th>
        </tr>
      </thead>
      <tbody>
        ${holds.map(
          (h) =>
            html`<tr>
              <td><a href="/ops/orders/${encodeURIComponent(h.incrementId)}">${h.incrementId}</a></td>
              <td class="num">${h.score ?? '?'}</td>
              <td>
                <ul>
                  ${h.reasons.map((r) => html`<li>${r}</li>`)}
                </ul>
              </td>
              <td>${when(h.heldSince)}</td>
              <td>${when(h.heldUntil)}</td>
              <td>
                <form method="post" action="/ops/fraud-holds/${encodeURIComponent(h.incrementId)}/decision">
                  <input type="hidden" name="csrf" value="${csrfToken}" />
                  <label
                    >Note <input name="note" maxlength="2000" size="16" aria-label="Note on order ${h.incrementId}"
                  /></label>
                  <button name="decision" value="approve" aria-label="Approve order ${h.incrementId}">Approve</button>
                  <button name="decision" value="reject" aria-label="Reject order ${h.incrementId}">Reject</button>
                </form>
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${pagerOf('/ops/fraud-holds', {}, nextPageToken)}`;
}

export function reviewQueue(
  runs: WorkflowExecutionInfo[],
  csrfToken: string,
  webUi: (wf: WorkflowExecutionInfo) => string,
  nextPageToken?: string,
): Html {
  if (runs.length === 0) return html`<p>The review queue is empty.</p>`;
  return html`<table>
      <caption class="muted">
        Runs parked for a person: fix the cause, then Retry (continues from the same step) or Skip
      </caption>
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Type</th>
          <th scope="col">Reason</th>
          <th scope="col">Started</th>
          <th scope="col">Action</th>
        </tr>
      </thead>
      <tbody>
        ${runs.map(
          (wf) =>
            html`<tr>
              <td><a href="${webUi(wf)}">${wf.workflowId}</a></td>
              <td>${wf.type}</td>
              <td>${typeof wf.memo?.reviewReason === 'string' ? wf.memo.reviewReason : ''}</td>
              <td>${when(wf.startTime)}</td>
              <td>
                ${postButton(`/ops/review-queue/${encodeURIComponent(wf.workflowId)}/retry`, 'Retry', csrfToken, `Retry ${wf.workflowId}`)}
                ${postButton(`/ops/review-queue/${encodeURIComponent(wf.workflowId)}/skip`, 'Skip', csrfToken, `Skip ${wf.workflowId}`)}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${pagerOf('/ops/review-queue', {}, nextPageToken)}`;
}

export function recentRuns(
  runs: WorkflowExecutionInfo[],
  state: string | undefined,
  webUi: (wf: WorkflowExecutionInfo) => string,
  nextPageToken?: string,
): Html {
  const filter = html`<form method="get" action="/ops/runs">
    <label for="state">Sync state</label>
    <select id="state" name="state">
      <option value="">any</option>
      ${syncStates.map((s) => html`<option${s === state ? html` selected` : ''}>${s}</option>`)}
    </select>
    <button>Show</button>
  </form>`;
  if (runs.length === 0)
    return html`${filter}
      <p>No runs${state ? html` in state ${state}` : ''}.</p>`;
  return html`${filter}
    <table>
      <caption class="muted">
        Newest runs first; each opens in the Temporal Web UI
      </caption>
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Type</th>
          <th scope="col">Status</th>
          <th scope="col">Sync state</th>
          <th scope="col">Order</th>
          <th scope="col">Started</th>
          <th scope="col">Closed</th>
        </tr>
      </thead>
      <tbody>
        ${runs.map((wf) => {
          const order = wf.typedSearchAttributes.get(MagentoOrderId);
          return html`<tr>
            <td><a href="${webUi(wf)}">${wf.workflowId}</a></td>
            <td>${wf.type}</td>
            <td>${wf.status.name.toLowerCase()}</td>
            <td>${wf.typedSearchAttributes.get(SyncState) ?? ''}</td>
            <td>${order ? html`<a href="/ops/orders/${encodeURIComponent(order)}">${order}</a>` : ''}</td>
            <td>${when(wf.startTime)}</td>
            <td>${when(wf.closeTime)}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    ${pagerOf('/ops/runs', { state }, nextPageToken)}`;
}

export function lookupForm(action: string, label: string, name: string, pattern: string): Html {
  return html`<form method="get" action="${action}">
    <label for="${name}">${label}</label> <input id="${name}" name="${name}" required pattern="${pattern}" />
    <button>Open</button>
  </form>`;
}

const money = (minor: number | null, currency: string | null) =>
  minor === null ? 'unknown' : currency ? formatMoney(minor, currency) : String(minor);

export function orderPageBody(order: OrderPage): Html {
  const m = order.money;
  const paid = m.erpPaymentsCurrency ?? m.currency;
  const rows: Array<[string, number | null, string | null] | [string, number | null]> = [
    ['Paid (Stripe)', m.paidMinor],
    ['Refunded', m.refundedMinor],
    ['Refunds pending', m.pendingRefundsMinor],
    ['Disputed', m.disputedMinor],
    ['Dispute fees', m.disputeFeesMinor],
    ['Net kept', m.netMinor],
    ['Invoiced in Magento', m.invoicedInMagentoMinor],
    ['Credited in Magento', m.creditedInMagentoMinor],
    ['Invoiced in the ERP', m.invoicedInErpMinor],
    ['Credited in the ERP', m.creditedInErpMinor],
    ['Received in the ERP', m.receivedInErpMinor, paid],
    ['Paid back in the ERP', m.paidBackInErpMinor, paid],
    ['Balance against Magento', m.balanceMinor],
    ['Balance against ERP invoices', m.erpBalanceMinor],
    ['Balance against ERP payments', m.erpPaymentsBalanceMinor, paid],
  ];
  return html`<h2>Runs</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Type</th>
          <th scope="col">Status</th>
          <th scope="col">Sync state</th>
          <th scope="col">Step</th>
          <th scope="col">Outcome</th>
          <th scope="col">Review reason</th>
          <th scope="col">Started</th>
        </tr>
      </thead>
      <tbody>
        ${order.runs.map(
          (r) =>
            html`<tr>
              <td><a href="${r.webUiUrl}">${r.workflowId}</a></td>
              <td>${r.type}</td>
              <td>${r.status}</td>
              <td>${r.syncState ?? ''}</td>
              <td>${r.step ?? ''}</td>
              <td>${r.outcome ?? ''}</td>
              <td>${r.reviewReason ?? ''}</td>
              <td>${when(r.startedAt)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Money</h2>
    <table>
      <tbody>
        ${rows.map(
          ([label, value, currency]) =>
            html`<tr>
              <th scope="row">${label}</th>
              <td class="num">${money(value, currency ?? m.currency)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      m.explanations.length
        ? html`<h2>What differs, and why</h2>
            <ul>
              ${m.explanations.map((e) => html`<li>${e}</li>`)}
            </ul>`
        : html`<p>Every system agrees with the money.</p>`
    }
    <h2>Documents</h2>
    ${(Object.entries(order.documents) as Array<[string, unknown]>).map(
      ([system, docs]) =>
        html`<details>
          <summary>${system}</summary>
          <pre>${JSON.stringify(docs, null, 2)}</pre>
        </details>`,
    )}`;
}

export function payoutList(runs: WorkflowExecutionInfo[], nextPageToken?: string): Html {
  const form = lookupForm('/ops/payouts', 'Stripe payout id', 'id', 'po_[A-Za-z0-9]+');
  if (runs.length === 0)
    return html`${form}
      <p>No payout has been reconciled yet.</p>`;
  return html`${form}
    <table>
      <caption class="muted">
        Payout reconciliations, newest first
      </caption>
      <thead>
        <tr>
          <th scope="col">Payout</th>
          <th scope="col">Status</th>
          <th scope="col">Sync state</th>
          <th scope="col">Started</th>
        </tr>
      </thead>
      <tbody>
        ${runs.map((wf) => {
          const payoutId = wf.workflowId.replace(/^payout:/, '');
          return html`<tr>
            <td><a href="/ops/payouts/${encodeURIComponent(payoutId)}">${payoutId}</a></td>
            <td>${wf.status.name.toLowerCase()}</td>
            <td>${wf.typedSearchAttributes.get(SyncState) ?? ''}</td>
            <td>${when(wf.startTime)}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    ${pagerOf('/ops/payouts', {}, nextPageToken)}`;
}

export function payoutReport(payoutId: string, source: ReportSource, lines: PayoutLine[]): Html {
  const { summary, payout } = source.head;
  const cur = summary.currency;
  return html`<p>
      Payout of <strong>${formatMoney(summary.payoutAmountMinor, cur)}</strong>, ${payout.status}, arriving
      ${when(new Date(payout.arrivalDate * 1000))};
      ${summary.matches ? 'the balance transactions add up to it exactly.' : html`<strong>it does not match</strong> (difference ${formatMoney(summary.differenceMinor, cur)}).`}
    </p>
    <p>
      <a href="/ops/payouts/${encodeURIComponent(payoutId)}/reconciliation.csv" download
        >Download the CSV (${source.lineCount} lines)</a
      >
    </p>
    <table>
      <caption class="muted">
        Totals by reporting category
      </caption>
      <thead>
        <tr>
          <th scope="col">Category</th>
          <th scope="col">Lines</th>
          <th scope="col">Gross</th>
          <th scope="col">Fees</th>
          <th scope="col">Net</th>
        </tr>
      </thead>
      <tbody>
        ${Object.entries(summary.byCategory).map(
          ([category, t]) =>
            html`<tr>
              <th scope="row">${category}</th>
              <td class="num">${t.count}</td>
              <td class="num">${formatMoney(t.grossMinor, cur)}</td>
              <td class="num">${formatMoney(t.feeMinor, cur)}</td>
              <td class="num">${formatMoney(t.netMinor, cur)}</td>
            </tr>`,
        )}
        <tr>
          <th scope="row">Total</th>
          <td class="num">${summary.totals.count}</td>
          <td class="num">${formatMoney(summary.totals.grossMinor, cur)}</td>
          <td class="num">${formatMoney(summary.totals.feeMinor, cur)}</td>
          <td class="num">${formatMoney(summary.totals.netMinor, cur)}</td>
        </tr>
      </tbody>
    </table>
    ${
      summary.problems.length
        ? html`<h2>Problems</h2>
            <ul>
              ${summary.problems.map((p) => html`<li>${p}</li>`)}
            </ul>`
        : ''
    }
    <p>
      Journal Entry <strong>${source.head.journalEntry.name}</strong>${source.head.notes.length ? html`; notes:` : ''}
    </p>
    ${
      source.head.notes.length
        ? html`<ul>
            ${source.head.notes.map((n) => html`<li>${n}</li>`)}
          </ul>`
        : ''
    }
    <h2>First ${lines.length} of ${source.lineCount} lines</h2>
    <pre>${JSON.stringify(lines, null, 1)}</pre>`;
}
