/**
 * The integration-runsc project runs the conformance suites with every sandbox under gVisor
 * (CODEBOX_RUNTIME=runsc). A test that cannot pass there is skipped only through this list, with
 * the reason; test/runsc/ then tests what does happen instead, so nothing goes unchecked.
 */
export const UNDER_RUNSC = process.env.CODEBOX_RUNTIME === 'runsc';

export const RUNSC_EXCLUSIONS = {
  'memory-bomb-kills-sandbox':
    'Under gVisor the sentry holds all guest memory, so a memory bomb at the cgroup limit makes the host OOM killer end the ' +
    'whole sandbox, not the one kernel; test/runsc/gvisor-isolation.integration.test.ts checks that the caller is told, ' +
    'the runner removes it and a bystander sandbox keeps serving.',
} as const;

/** True (skip) under runsc; the key names the reason in RUNSC_EXCLUSIONS. */
export function excludedUnderRunsc(reason: keyof typeof RUNSC_EXCLUSIONS): boolean {
  return UNDER_RUNSC && reason in RUNSC_EXCLUSIONS;
}
