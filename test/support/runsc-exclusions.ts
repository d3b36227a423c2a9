/**
 * The integration-runsc project runs the conformance suites with every sandbox under gVisor
 * (CODEBOX_RUNTIME=runsc). A test that cannot pass there is skipped only through this list, with
 * the reason; test/runsc/ then tests what does happen instead, so nothing goes unchecked.
 */
import type { TestOptions } from 'vitest';
import { skipWhen } from './skip-when.js';

/** The runtime the runners test/support starts give their sandboxes (they inherit CODEBOX_RUNTIME; unset is runc). */
export const TEST_RUNTIME = process.env.CODEBOX_RUNTIME ?? 'runc';
export const UNDER_RUNSC = TEST_RUNTIME === 'runsc';

export const RUNSC_EXCLUSIONS = {
  'fork-bomb-host-pids-backstop':
    'A bash fork bomb (f | f &) holds 256 guest processes by RLIMIT_NPROC, but ptrace gVisor uses several host tasks per ' +
    'guest process and the host pids cgroup (32x the limit) rejects a sentry fork ("fork rejected by pids controller", ' +
    'dmesg), which ends the whole sandbox. test/runsc/gvisor-isolation.integration.test.ts checks NPROC containment.',
  'root-mode-runc-only':
    'Root mode is runc-only by design: it is a user namespace over idmapped template layers, and gVisor is a kernel of its own ' +
    'without either here, so a runsc sandbox of a runner with root access on runs without root (sandbox-starting.ts, ' +
    'wantsRootMode). root-access.integration.test.ts checks what happens instead under runsc: root refused with a typed ' +
    'error naming the runtime, sudo says root access is off and runs nothing, the host uid is not a block.',
  'file-metadata-gvisor-xattrs':
    'File metadata (envd 0.6.2) is kept in user.e2b.* xattrs, and the Debian gVisor (runsc 20221219) has none on mounted ' +
    'directories: its gofer answers every xattr call in /home/user with EOPNOTSUPP (gVisor added gofer xattrs in 2026). ' +
    'test/runsc/gvisor-file-metadata.integration.test.ts checks what happens instead: a typed unimplemented error before ' +
    'anything is written, and writes without metadata unaffected.',
} as const;

/**
 * The ONE list of conformance files the integration-runsc project leaves out (vitest.config.ts
 * runs every other test/conformance file under runsc, so a new file runs there by default), each
 * with its measured reason. Two kinds: a file that cannot pass under gVisor yet, and a file that
 * passes there but tests only the runner's own code (HTTP edge, gateway, crash recovery), which
 * is the same process on either runtime: with sandboxes that only `echo`, running it again under
 * gVisor proves nothing runc did not, and CI time is scarce (the project ran the other 11 files
 * in 8.1 min). Times are of one run on the shared 2-core machine, 2026-12-05.
 */
export const RUNSC_EXCLUDED_FILES = {
  'fault-recovery.integration.test.ts':
    'runner-only: passes under runsc (4 of 4, 102 s). It SIGKILLs the runner mid-create and ' +
    'mid-execution, cuts Docker off and fills the data dir: the runner\'s recovery, not the sandbox\'s kernel. That a ' +
    'restarted runner re-adopts a runsc sandbox at its runtime is test/runsc/gvisor-isolation.integration.test.ts.',
  'hostile-requests.integration.test.ts':
    "runner-only: passes under runsc (5 of 5, 32 s). Malformed request lines, targets, headers, template names and ids at the runner's edge; no request reaches a sandbox's kernel.",
  'connection-flood.integration.test.ts':
    "runner-only: passes under runsc (4 of 4, 30 s). Half-sent requests, header and body timeouts and per-client connection caps of the runner's HTTP server.",
  'public-traffic.integration.test.ts':
    "runner-only: passes under runsc (5 of 5, 29 s). The gateway's traffic-token check; an offline runsc sandbox's loopback-only network is test/runsc/gvisor-isolation.integration.test.ts.",
  'template-packages.integration.test.ts':
    'passes under runsc (5 of 5, 96 s, against 37 s under runc, load average 11): every listed module imports, every tool runs, ' +
    "pip and npm install as user there too (numba's JIT, cv2 and the C toolchain included). What it checks are the template's files, " +
    'the same under either runtime; gVisor behaviour of the kernels is code-interpreter.integration.test.ts, which runs there.',
} as const;

/** Test options that skip the test under runsc, naming its reason for the skip check (skip-allow-list.ts). */
export function runscExclusion(reason: keyof typeof RUNSC_EXCLUSIONS): TestOptions {
  return skipWhen(UNDER_RUNSC, reason);
}
