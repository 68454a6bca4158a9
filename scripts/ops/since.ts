/** `--since` as the operator types it: `2d`, `36h`, `90m`, epoch seconds, or an ISO 8601 time; returns epoch seconds. */
export function parseSince(text: string, nowMs: number = Date.now()): number {
  const relative = /^(\d+)([dhm])$/.exec(text.trim());
  if (relative) {
    const unitMs = { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as 'd' | 'h' | 'm'];
    return Math.floor((nowMs - Number(relative[1]) * unitMs) / 1000);
  }
  if (/^\d{9,11}$/.test(text.trim())) return Number(text.trim());
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new Error(`--since ${text}: expected 2d, 36h, 90m, epoch seconds or an ISO 8601 time`);
  return Math.floor(at / 1000);
}
