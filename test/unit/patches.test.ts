import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { patches, patchIdPattern, type PatchInfo } from '../../workflows/patches';

const workflowsDir = join(__dirname, '../../workflows');

/** The patch calls in workflow source, by id: `patched('…')` and `deprecatePatch('…')`. */
function patchCalls(source: string): Array<{ id: string; stage: PatchInfo['stage'] }> {
  return [...source.matchAll(/\b(patched|deprecatePatch)\(\s*['"`]([^'"`]+)['"`]\s*\)/g)].map((m) => ({
    id: m[2]!,
    stage: m[1] === 'patched' ? 'patched' : 'deprecated',
  }));
}

/** What is wrong with the calls against the registry: unlisted ids, wrong stages, bad names, listed ids no code uses. */
function patchProblems(sources: string[], registry: Record<string, PatchInfo>): string[] {
  const calls = sources.flatMap(patchCalls);
  const problems = calls.flatMap(({ id, stage }) => {
    const listed = registry[id];
    if (!listed) return [`${id}: not listed in workflows/patches.ts`];
    if (listed.stage !== stage) return [`${id}: listed as ${listed.stage}, called as ${stage}`];
    return [];
  });
  for (const id of Object.keys(registry)) {
    if (!patchIdPattern.test(id)) problems.push(`${id}: not <release>:<what-changed>`);
    if (!calls.some((c) => c.id === id)) problems.push(`${id}: listed, but no workflow calls it`);
  }
  return problems;
}

describe('patches in the workflow code follow the versioning policy (docs/versioning.md)', () => {
  it('lists every patch the workflows call, at the stage they call it, named <release>:<what changed>', () => {
    const sources = readdirSync(workflowsDir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(workflowsDir, f), 'utf8'));
    expect(sources.length).toBeGreaterThan(20);
    expect(patchProblems(sources, patches)).toEqual([]);
  });

  it('finds an unlisted patch, a stage that does not match, a badly named id and a listed id no code uses', () => {
    const registry: Record<string, PatchInfo> = {
      '1.1:amended-invoice': { workflowType: 'orderToCash', changed: 'x', stage: 'patched' },
      '1.1:dated-notes': { workflowType: 'refund', changed: 'y', stage: 'patched' },
      'no-release': { workflowType: 'refund', changed: 'z', stage: 'patched' },
    };
    const source = `if (patched('1.1:amended-invoice')) {}\ndeprecatePatch('1.1:dated-notes');\npatched("1.2:unlisted");`;
    expect(patchProblems([source], registry)).toEqual([
      '1.1:dated-notes: listed as patched, called as deprecated',
      '1.2:unlisted: not listed in workflows/patches.ts',
      'no-release: not <release>:<what-changed>',
      'no-release: listed, but no workflow calls it',
    ]);
  });
});
