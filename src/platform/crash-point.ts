/**
 * Test-only: kills the process at a named step of a multi-step operation when the environment
 * variable TEST_CRASH_AT names that step, so a test can restart the platform and check that the
 * step is repaired (test/hardening/crash-safe-credentials.test.ts). Without the variable, nothing.
 */
export function crashPoint(step: string): void {
  // SIGKILL, not exit(): no handler, no graceful close, exactly as a crash or an OOM kill.
  // Never in production, whatever the environment says.
  if (process.env.NODE_ENV !== 'production' && process.env.TEST_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}
