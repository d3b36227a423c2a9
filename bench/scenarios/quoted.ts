import type { Quoted } from '../report-schema.ts';

/** Figures from elsewhere, shown beside ours and never computed with; each says where it is from. */
export const QUOTED = {
  e2bCloudCreate: {
    what: 'E2B cloud sandbox start',
    value: '~150 ms',
    source: "E2B's public material, as quoted in issue 12 (a Firecracker microVM restored from a snapshot on their hosts; not measured here)",
  },
  daytonaCreate: {
    what: 'Daytona sandbox start',
    value: '< 90 ms',
    source: "Daytona's own claim, as quoted in issue 12 (not measured here)",
  },
  issueColdCreate: {
    what: 'Codebox Sandbox.create(base) before this work',
    value: 'p50 894 ms (1.8× docker run --rm IMAGE true)',
    source: 'issue 12, measured on this 2-core machine, quiet',
  },
  issueFirstCommand: {
    what: 'first commands.run after create, before this work',
    value: '99 ms (9 ms after that)',
    source: 'issue 12, measured on this 2-core machine',
  },
  issueE2bServer: {
    what: "E2B's interpreter server, runCode(\"1+1\")",
    value: 'p50 51.7 ms (Codebox 3.3 ms)',
    source: 'issue 12, measured by the team on this machine with an image built from e2b-dev/code-interpreter',
  },
  issueIdle: {
    what: 'idle code-interpreter sandbox before this work',
    value: '~50 MiB (E2B\'s stack: 174 MiB)',
    source: 'issue 12 and the README of the time',
  },
  issueContexts: {
    what: 'a Python context with pandas and matplotlib loaded, before this work',
    value: '~87 MiB and ~1.2 s to start (Java ~96 MiB, R ~64 MiB)',
    source: 'issue 12, measured on this 2-core machine',
  },
} as const satisfies Record<string, Quoted>;
