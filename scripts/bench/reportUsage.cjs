/**
 * Preloaded into a benchmarked child process (`node --require scripts/bench/reportUsage.cjs …`): as the process exits
 * it writes `process.resourceUsage()` (maxRSS in kilobytes, CPU times) to `$BENCH_USAGE_FILE`, so the benchmark reports
 * the process's own figures. Plain CommonJS, because the worker's threads load it too, before any TypeScript loader.
 */
const { writeFileSync } = require('node:fs');
const { isMainThread } = require('node:worker_threads');

const file = process.env.BENCH_USAGE_FILE;
if (file && isMainThread) process.on('exit', () => writeFileSync(file, JSON.stringify(process.resourceUsage())));
