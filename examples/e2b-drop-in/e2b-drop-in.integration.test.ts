// Runs the E2B documentation programs against a real runner, through both SDKs (run-all.ts),
// and checks each printed what the documentation promises, the network failure included.
import { execFileSync, spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startRunner, type RunnerHandle } from '../../test/support/runner.ts'

let runner: RunnerHandle

beforeAll(async () => {
  runner = await startRunner()
})

afterAll(async () => {
  await runner?.close()
})

function runAll(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'run-all.ts')], {
      env: { PATH: process.env.PATH, CODEBOX_API_URL: runner.url, CODEBOX_API_KEY: runner.keys[0] },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out }))
  })
}

/** The output of one program under one SDK: the text between its heading and the next. */
function section(out: string, program: string, sdk: string): string {
  const start = out.indexOf(`▶ ${program} with ${sdk}`)
  expect(start, `${program} with ${sdk} ran`).toBeGreaterThanOrEqual(0)
  const end = out.indexOf('▶ ', start + 2)
  return out.slice(start, end === -1 ? undefined : end)
}

it('runs every documented program with @codebox/core-client and with the official @e2b/code-interpreter', async () => {
  const { code, out } = await runAll()
  expect(code, out).toBe(0)
  expect(out).toContain('14 of 14 runs finished cleanly.')

  // Where the host has internet the programs print httpbin's JSON; here (no internet) each
  // language reports the failed request as the documentation's code would raise it.
  const online = out.includes('slideshow') // a key of httpbin.org/json's document
  for (const sdk of ['@codebox/core-client', '@e2b/code-interpreter']) {
    const python = section(out, 'python.ts', sdk)
    const r = section(out, 'r.ts', sdk)
    const java = section(out, 'java.ts', sdk)
    const bash = section(out, 'bash.ts', sdk)
    const js = section(out, 'javascript.ts', sdk)
    if (online) {
      for (const text of [python, r, java, bash, js]) expect(text).toContain('slideshow')
    } else {
      expect(python).toMatch(/ConnectionError: .*httpbin\.org/)
      expect(r).toMatch(/ERROR: .*resolve.*httpbin\.org/)
      expect(java).toContain('java.net.UnknownHostException: httpbin.org')
      expect(bash).toContain('ExitCode: 6')
      expect(js).toContain('TypeError: fetch failed')
    }

    // Streaming: both lines arrive as separate stdout messages, a second apart (the two SDKs
    // print the message's fields in different orders).
    const streamed = section(out, 'streaming-output.ts', sdk)
    const stamps = [...streamed.matchAll(/line: '(hello|world)\\n'[^}]*timestamp: (\d+)|timestamp: (\d+)[^}]*line: '(hello|world)\\n'/g)]
    expect(stamps.map((m) => m[1] ?? m[4])).toEqual(['hello', 'world'])
    const [hello, world] = stamps.map((m) => Number(m[2] ?? m[3]) / 1000)
    expect(world! - hello!).toBeGreaterThanOrEqual(900)

    // `x = 1` has no result; the second cell's display() and last expression each reach onResult.
    const results = section(out, 'streaming-results.ts', sdk)
    expect(results.match(/Result \{/g)).toHaveLength(2)
    expect(results).toContain("markdown: '**x** is 1'")
    expect(results).toMatch(/isMainResult: true,\s+text: '2'/)
  }
  expect(runner.containerIds()).toEqual([])
})

it('swaps only the import: with-e2b-sdk.ts resolves @codebox/core-client to the official SDK', () => {
  const resolved = (preload: string[]): string =>
    execFileSync(process.execPath, [...preload, '--input-type=module', '-e', "console.log(import.meta.resolve('@codebox/core-client'))"], {
      cwd: import.meta.dirname,
      encoding: 'utf8',
    })
  expect(resolved([])).toContain('/packages/core-client/')
  expect(resolved(['--import', './with-e2b-sdk.ts'])).toContain('/node_modules/@e2b/code-interpreter/')
})
