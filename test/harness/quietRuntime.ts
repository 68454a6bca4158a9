import { DefaultLogger, Runtime } from '@temporalio/worker';

// Keep test output readable: only the SDK's errors (failed activity attempts are expected in fault tests). Installed once per jest worker process.
try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // already installed by an earlier test file in this process
}
