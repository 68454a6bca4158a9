import type { WorkflowTypeVersions } from '../../domain/versions';

/** `npm run ops -- versions` as text: a block per workflow type, its patches with their advice, then its builds. */
export function versionLines(types: WorkflowTypeVersions[]): string[] {
  if (types.length === 0) return ['no open runs, and no patches in the code'];
  return types.flatMap((t) => [
    `${t.workflowType}: ${t.openRuns} open run(s)`,
    ...(t.patches.length === 0
      ? ['  patches: none']
      : t.patches.map(
          (p) => `  patch ${p.id} (${p.stage}): ${p.withPatch} with, ${p.withoutPatch} without; ${p.advice}`,
        )),
    ...Object.entries(t.builds)
      .sort(([, a], [, b]) => b - a)
      .map(([build, count]) => `  build ${build}: ${count}`),
  ]);
}
