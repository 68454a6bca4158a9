import { parseSince } from '../../scripts/ops/since';

describe('the --since of the replay command', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  it('reads relative times, epoch seconds and ISO 8601', () => {
    expect(parseSince('2d', now)).toBe(now / 1000 - 2 * 86400);
    expect(parseSince('36h', now)).toBe(now / 1000 - 36 * 3600);
    expect(parseSince('90m', now)).toBe(now / 1000 - 90 * 60);
    expect(parseSince('1795700000', now)).toBe(1795700000);
    expect(parseSince('2026-11-25T00:00:00Z', now)).toBe(Date.parse('2026-11-25T00:00:00Z') / 1000);
  });
  it('refuses anything else, saying what it takes', () => {
    expect(() => parseSince('yesterday', now)).toThrow(/expected 2d, 36h, 90m/);
  });
});
