/**
 * Which versions of the workflow code the open runs need (docs/versioning.md), from what Temporal records of each
 * run: `TemporalChangeVersion` (the patch ids its code took) and `BuildIds` (the builds of the workers that ran it).
 */
export interface OpenRun {
  workflowType: string;
  /** The patches the run took (Temporal's `TemporalChangeVersion`). */
  changeVersions: string[];
  /** The builds whose workers ran its tasks (Temporal's `BuildIds`, `unversioned:<build id>` for workers without versioning). */
  buildIds: string[];
}

export interface RegisteredPatch {
  workflowType: string;
  changed: string;
  stage: 'patched' | 'deprecated';
}

export interface PatchCount {
  id: string;
  /** Open runs of the type that carry the patch, and those that do not. */
  withPatch: number;
  withoutPatch: number;
  stage: RegisteredPatch['stage'] | 'not registered';
  changed?: string;
  /** What the operator may do now. */
  advice: string;
}

export interface WorkflowTypeVersions {
  workflowType: string;
  openRuns: number;
  patches: PatchCount[];
  /** Open runs per build that ran them (a run counts under every build that ran one of its tasks). */
  builds: Record<string, number>;
}

const unversionedPrefix = 'unversioned:';

/** A build id as Temporal lists it, without the `unversioned:` prefix of workers that do not use Worker Versioning. */
export function buildIdOf(listed: string): string | undefined {
  if (listed === 'unversioned') return undefined;
  return listed.startsWith(unversionedPrefix) ? listed.slice(unversionedPrefix.length) : listed;
}

function adviceFor(stage: PatchCount['stage'], withPatch: number, withoutPatch: number): string {
  if (stage === 'not registered') return 'a patch the code no longer lists: its runs need a worker of an older build';
  if (stage === 'patched') {
    return withoutPatch === 0
      ? 'no open run lacks it: may move to deprecatePatch'
      : `keep: ${withoutPatch} open run(s) replay the old branch`;
  }
  return withPatch === 0
    ? 'no open run carries it: may be deleted once the namespace retention has passed'
    : `keep deprecatePatch: ${withPatch} open run(s) carry it`;
}

/** Per workflow type: its open runs, each registered or recorded patch with what may be done with it, and the builds. */
export function versionsReport(runs: OpenRun[], registry: Record<string, RegisteredPatch>): WorkflowTypeVersions[] {
  const types = new Set([...runs.map((r) => r.workflowType), ...Object.values(registry).map((p) => p.workflowType)]);
  return [...types].sort().map((workflowType) => {
    const ofType = runs.filter((r) => r.workflowType === workflowType);
    const ids = new Set([
      ...Object.entries(registry)
        .filter(([, p]) => p.workflowType === workflowType)
        .map(([id]) => id),
      ...ofType.flatMap((r) => r.changeVersions),
    ]);
    const patches = [...ids].sort().map((id): PatchCount => {
      const withPatch = ofType.filter((r) => r.changeVersions.includes(id)).length;
      const withoutPatch = ofType.length - withPatch;
      const registered = registry[id];
      const stage = registered?.stage ?? 'not registered';
      return {
        id,
        withPatch,
        withoutPatch,
        stage,
        ...(registered ? { changed: registered.changed } : {}),
        advice: adviceFor(stage, withPatch, withoutPatch),
      };
    });
    const builds: Record<string, number> = {};
    for (const run of ofType) {
      const ids = new Set(run.buildIds.map(buildIdOf).filter((id): id is string => id !== undefined));
      if (ids.size === 0) ids.add('(no task run yet)');
      for (const id of ids) builds[id] = (builds[id] ?? 0) + 1;
    }
    return { workflowType, openRuns: ofType.length, patches, builds };
  });
}
