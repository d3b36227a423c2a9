// Runs every program of this folder twice against one Codebox runner: first as written (with
// @codebox/core-client), then with the official @e2b/code-interpreter SDK swapped in by
// with-e2b-sdk.ts and pointed at the runner by E2B's own environment variables.
//
//   CODEBOX_API_URL=http://127.0.0.1:3000 CODEBOX_API_KEY=e2b_... node examples/e2b-drop-in/run-all.ts
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

const programs = ['python.ts', 'javascript.ts', 'r.ts', 'java.ts', 'bash.ts', 'streaming-output.ts', 'streaming-results.ts']
const apiUrl = process.env.CODEBOX_API_URL ?? process.env.E2B_API_URL ?? 'http://127.0.0.1:3000'
const apiKey = process.env.CODEBOX_API_KEY ?? process.env.E2B_API_KEY ?? ''

const runs = [
  { sdk: '@codebox/core-client', preload: [], env: { CODEBOX_API_URL: apiUrl, CODEBOX_API_KEY: apiKey } },
  {
    sdk: '@e2b/code-interpreter',
    preload: ['--import', join(import.meta.dirname, 'with-e2b-sdk.ts')],
    // What the official SDK reads: the runner serves the control plane and every sandbox's
    // data plane on one URL, so both point at it.
    env: { E2B_API_URL: apiUrl, E2B_SANDBOX_URL: apiUrl, E2B_API_KEY: apiKey },
  },
]

const bold = (text: string): string => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text)

let failed = 0
for (const run of runs) {
  for (const program of programs) {
    console.log(`\n${bold(`▶ ${program} with ${run.sdk}`)}`)
    const started = Date.now()
    // Each program in its own process, as a user runs it; the only env is what that SDK reads.
    const child = spawnSync(process.execPath, [...run.preload, join(import.meta.dirname, program)], {
      env: { PATH: process.env.PATH, ...run.env },
      stdio: 'inherit',
    })
    if (child.status !== 0) failed++
    console.log(`  (${child.status === 0 ? 'ok' : `exit ${child.status ?? child.signal}`}, ${((Date.now() - started) / 1000).toFixed(1)} s)`)
  }
}
console.log(`\n${programs.length * runs.length - failed} of ${programs.length * runs.length} runs finished cleanly.`)
process.exitCode = failed === 0 ? 0 : 1
