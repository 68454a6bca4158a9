import { DefaultLogger, Runtime } from '@temporalio/worker';

// Keep test output readable: only the SDK's warnings and errors. Installed once per jest worker process.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed by an earlier test file in this process
}
