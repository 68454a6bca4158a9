/**
 * The product's layers, checked by `npm run lint` (`depcruise <folders> --config .dependency-cruiser.cjs`):
 *
 *   domain/        pure rules and shapes; imports nothing of the product but domain/
 *   integrations/  the external systems' typed clients (HTTP, auth, error typing, rate limits), over domain/
 *   activities/    activity factories over integrations/; workflows known by name only (messages/ for signals)
 *   workflows/     deterministic code; at run time nothing of the doors, the worker, the clients or the env
 *   api/ worker/ scripts/ config/ sandbox/ test/  around them
 *
 * An `import type` is no dependency at run time: it does not make a cycle, and workflows may take types from anywhere.
 * eslint.config.mjs holds the same fences for activities/ and integrations/, so an editor shows them as one types.
 */
const product = '^(domain|integrations|activities|workflows|messages|api|worker|scripts|config|sandbox|test)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle of run-time imports: modules load half-initialised. Type-only imports do not count.',
      from: {},
      to: {
        circular: true,
        dependencyTypesNot: ['type-only'],
        viaOnly: { dependencyTypesNot: ['type-only'] },
      },
    },
    {
      name: 'domain-imports-only-domain',
      severity: 'error',
      comment:
        'domain/ is the bottom layer, shared by workflows and activities: it imports nothing else of the product.',
      from: { path: '^domain/' },
      to: { path: product, pathNot: '^domain/' },
    },
    {
      name: 'integrations-are-clients-only',
      severity: 'error',
      comment:
        'integrations/ holds the clients of the systems: activities, workflows, api, worker and scripts use them, never the other way.',
      from: { path: '^integrations/' },
      to: { path: '^(activities|workflows|api|worker|scripts)/' },
    },
    {
      name: 'activities-not-to-workflows',
      severity: 'error',
      comment:
        'Activities know workflows by name only, not even by type: the signals and updates they send live in messages/.',
      from: { path: '^activities/' },
      to: { path: '^workflows/' },
    },
    {
      name: 'workflows-no-io-at-run-time',
      severity: 'error',
      comment:
        'Workflow code runs in the deterministic sandbox: no doors, worker, clients or environment at run time (types are fine).',
      from: { path: '^workflows/' },
      to: { path: '^(api|worker|scripts|integrations|config)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'clients-not-from-activities',
      severity: 'error',
      comment: 'The API and the scripts take the clients of the systems from integrations/, not from activities/.',
      from: { path: '^(api|scripts)/' },
      to: { path: '^activities/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^test/replay/histories/' },
    // Sees `import type` (as dependency type `type-only`), so the rules above can tell it from a run-time import.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
    // A second run reads what did not change from here (by content hash: uncommitted edits count).
    cache: { folder: 'node_modules/.cache/dependency-cruiser', strategy: 'content' },
  },
};
