/** Server-rendered HTML for the operator page: every value goes through `esc`, the only way text reaches a page. */

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => entities[c]!);
}

/** A piece of HTML already escaped; `html` template literals escape everything else. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export const raw = (text: string) => new Html(text);

function part(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(part).join('');
  if (value === undefined || value === null || value === false) return '';
  return esc(value);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  return new Html(strings.reduce((out, s, i) => out + s + (i < values.length ? part(values[i]) : ''), ''));
}

const css = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header{background:#1d3557;color:#fff;padding:.5rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff}header nav{display:flex;gap:1rem;flex:1}header form{margin:0}
main{padding:1rem;max-width:80rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #ccd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef}td.num{text-align:right;font-variant-numeric:tabular-nums}
.flash{padding:.5rem 1rem;border-left:4px solid #2a9d8f;background:#e9f5f3}.error{border-color:#c1121f;background:#fdecee}
button{font:inherit;padding:.2rem .7rem;cursor:pointer}input,select{font:inherit}
pre{white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid #ccd;padding:.5rem;max-height:30rem;overflow:auto}
.muted{color:#555}form.inline{display:inline}
`;

export interface LayoutOptions {
  title: string;
  /** Present once logged in: the nav and the logout form (which carries the CSRF token). */
  csrfToken?: string;
  flash?: { text: string; isError?: boolean };
}

export function page(options: LayoutOptions, body: Html): string {
  const nav = options.csrfToken
    ? html`<nav aria-label="Operator pages">
          <a href="/ops/">Home</a><a href="/ops/fraud-holds">Fraud holds</a> <a href="/ops/review-queue">Review queue</a
          ><a href="/ops/runs">Recent runs</a><a href="/ops/orders">Orders</a><a href="/ops/payouts">Payouts</a>
        </nav>
        <form method="post" action="/ops/logout">
          <input type="hidden" name="csrf" value="${options.csrfToken}" /><button>Log out</button>
        </form>
        <form method="post" action="/ops/logout-everywhere">
          <input type="hidden" name="csrf" value="${options.csrfToken}" /><button>Log out everywhere</button>
        </form>`
    : '';
  const flash = options.flash
    ? html`<p class="flash${options.flash.isError ? ' error' : ''}" role="status">${options.flash.text}</p>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${options.title} · order-to-cash operator</title>
        <style>
          ${raw(css)}
        </style>
      </head>
      <body>
        <header><strong>Order to cash</strong>${nav}</header>
        <main>
          <h1>${options.title}</h1>
          ${flash}${body}
        </main>
      </body>
    </html>`.text;
}

/** A POST button carrying the session's CSRF token; `accessibleName` says what it acts on, for screen readers. */
export function postButton(action: string, label: string, csrfToken: string, accessibleName = label): Html {
  return html`<form class="inline" method="post" action="${action}">
    <input type="hidden" name="csrf" value="${csrfToken}" /><button aria-label="${accessibleName}">${label}</button>
  </form>`;
}

export function when(date: Date | string | null | undefined): string {
  if (!date) return '';
  const d = typeof date === 'string' ? new Date(date) : date;
  return Number.isNaN(d.getTime())
    ? String(date)
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}
