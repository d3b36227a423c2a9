/**
 * The integration-runsc project runs the conformance suites with every sandbox under gVisor
 * (CODEBOX_RUNTIME=runsc). A test that cannot pass there is skipped only through this list, with
 * the reason; test/runsc/ then tests what does happen instead, so nothing goes unchecked.
 */
export const UNDER_RUNSC = process.env.CODEBOX_RUNTIME === 'runsc';

export const RUNSC_EXCLUSIONS = {
  'memory-bomb-kills-sandbox':
    'Under gVisor the sentry holds all guest memory (the cgroup sees it 1:1 as shmem), so a memory bomb at the cgroup limit ' +
    'makes the host OOM killer end the sentry (oom_score_adj 500; its stub processes have 1), i.e. the whole sandbox, not the ' +
    'one kernel. Debian\'s runsc 20221219 has no --total-memory and no in-sentry OOM killer, and it does not apply RLIMIT_DATA ' +
    'to mmap (a 256 MiB RLIMIT_DATA bomb still grew to the 1 GiB limit, measured); RLIMIT_AS is enforced but Node needs more ' +
    'than 256 MiB of address space to start, so it cannot cap kernels. test/runsc/gvisor-isolation.integration.test.ts ' +
    'checks that the caller is told at once, the runner removes the sandbox and a bystander sandbox keeps serving.',
} as const;

/** True (skip) under runsc; the key names the reason in RUNSC_EXCLUSIONS. */
export function excludedUnderRunsc(reason: keyof typeof RUNSC_EXCLUSIONS): boolean {
  return UNDER_RUNSC && reason in RUNSC_EXCLUSIONS;
}
