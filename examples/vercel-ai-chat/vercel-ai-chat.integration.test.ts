// The chat example end to end against a real runner, on the scripted model: the terminal program
// as a child process, and the web page in headless Chromium, which saves a screenshot as the run's
// artifact (artifacts/vercel-ai-chat.png, not tracked; docs/images/ holds the copy the README shows).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRunner, type RunnerHandle } from '../../test/support/runner.ts';

const HERE = import.meta.dirname;
const SCREENSHOT = resolve(HERE, '../../artifacts/vercel-ai-chat.png');
// Debian's chromium (scripts/ensure-chromium.sh installs it); CHROMIUM_PATH points elsewhere.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const QUESTION = 'How many primes are there below 10,000, and how do they thin out? Draw a chart.';
const SCRIPTED_LABEL = 'model: scripted (set OPENAI_API_KEY to use a real model)';
const ANSWER = 'There are 1229 primes below 10,000. They thin out slowly: 168 in the first thousand, 112 in the last';

let runner: RunnerHandle;
beforeAll(async () => {
  runner = await startRunner();
});
afterAll(async () => {
  await runner?.close();
});

/** The example's environment: the runner, and never a real model. */
function exampleEnv(): NodeJS.ProcessEnv {
  const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, OPENAI_MODEL: _model, ...env } = process.env;
  return { ...env, CODEBOX_API_URL: runner.url, CODEBOX_API_KEY: runner.keys[0], NO_COLOR: '1' };
}

/** A child's stdout so far, with when each piece of text first appeared. */
function watchOutput(child: ChildProcess): { text: () => string; firstSeen: (needle: string) => number | undefined } {
  let text = '';
  const seen = new Map<string, number>();
  child.stdout?.on('data', (chunk: Buffer) => {
    text += stripVTControlCharacters(chunk.toString());
    seen.set(text, Date.now());
  });
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return {
    text: () => text,
    firstSeen: (needle) => [...seen].find(([sofar]) => sofar.includes(needle))?.[1],
  };
}

function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolveExit, reject) => {
    const timer = setTimeout(() => reject(new Error(`${child.spawnfile} did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveExit(code);
    });
  });
}

/** Polls until the runner has no container left (a kill returns a moment before Docker forgets it). */
async function expectNoContainerLeft(): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (runner.containerIds().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect(runner.containerIds()).toEqual([]);
}

describe('vercel-ai-chat', () => {
  it('terminal: streams the code and its output, saves the chart and answers with what the sandbox computed', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'vercel-ai-chat-test-'));
    try {
      const child = spawn(process.execPath, [join(HERE, 'chat.ts'), '--out', outDir, QUESTION], { env: exampleEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      const output = watchOutput(child);
      expect(await exited(child, 120_000), output.text()).toBe(0);

      const text = output.text();
      expect(text.split('\n')[0]).toBe(SCRIPTED_LABEL);
      expect(text).toContain('▶ run_code (python)');
      expect(text).toContain('plt.show()');
      expect(text).toContain('    0-999: 168 primes\n 1000-1999: 135 primes');
      expect(text).toContain('total: 1229');
      expect(text).toContain(ANSWER);
      // Streamed: the first line came out while the code was still running (it sleeps 0.2 s per line).
      const first = output.firstSeen('0-999: 168 primes');
      const last = output.firstSeen('total: 1229');
      expect(first).toBeDefined();
      expect((last ?? 0) - (first ?? 0)).toBeGreaterThan(1000);

      const chart = /chart saved: (\S+)/.exec(text)?.[1];
      expect(chart).toBe(join(outDir, 'chart-1.png'));
      const png = readFileSync(chart as string);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      // matplotlib's figsize=(7, 3.5) at 100 dpi, from the IHDR chunk.
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([700, 350]);
      await expectNoContainerLeft();
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  it('web page: a question typed in Chromium streams the output, then shows the chart and the answer', async () => {
    await withPageServer(async (browser, url, output) => {
      expect(output.text().split('\n')[0]).toBe(SCRIPTED_LABEL);
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(url);
      await page.locator('#model', { hasText: SCRIPTED_LABEL }).waitFor();
      await page.fill('#question', QUESTION);
      await page.click('#send');

      // The output streams in while the code runs...
      await page.locator('.tool.running .output', { hasText: '0-999: 168 primes' }).waitFor({ timeout: 60_000 });
      // ...then the result, the chart and the answer.
      const chart = page.locator('.tool.done .images img');
      await chart.waitFor({ timeout: 60_000 });
      // Decoded at matplotlib's size: the PNG arrived whole. (No DOM types here: the element is described.)
      const size = await chart.evaluate((element) => {
        const img = element as unknown as { naturalWidth: number; naturalHeight: number };
        return [img.naturalWidth, img.naturalHeight];
      });
      expect(size).toEqual([700, 350]);
      expect(await page.locator('.tool.done .output').textContent()).toContain('total: 1229');
      await page.locator('.msg.assistant .text', { hasText: `${ANSWER}, as the chart shows` }).waitFor({ timeout: 30_000 });
      await page.locator('#send:not([disabled])').waitFor();
      expect(await page.locator('.msg.user').textContent()).toBe(QUESTION);

      mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // Stop while the code runs: the request ends, the page says so, the next question works.
      await page.fill('#question', 'Once more, please.');
      await page.click('#send');
      const second = page.locator('.msg.assistant').nth(1);
      await second.locator('.tool.running .output', { hasText: '0-999' }).waitFor({ timeout: 60_000 });
      await page.click('#stop');
      await second.locator('.error', { hasText: 'Stopped.' }).waitFor();
      expect(await second.locator('.tool .status').textContent()).toBe('stopped');
      await page.locator('#send:not([disabled])').waitFor();
    });
  });

  it('terminal page: a command typed into xterm.js runs in a sandbox shell, resizes follow the window, and closing ends it', async () => {
    await withPageServer(async (browser, url) => {
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(new URL('/terminal.html', url).href);
      await page.locator('#status', { hasText: 'connected' }).waitFor({ timeout: 60_000 });
      const screen = page.locator('.xterm-rows');
      await page.keyboard.type('echo "pty-$((6*7))"; test -t 0 && echo on-a-tty\n');
      await screen.filter({ hasText: 'pty-42' }).waitFor();
      await screen.filter({ hasText: 'on-a-tty' }).waitFor();
      // A smaller window: the page fits the terminal to it and the shell sees the new size.
      await page.keyboard.type('stty size\n');
      const before = await vi.waitFor(() => sizeShown(page).then((size) => size ?? Promise.reject(new Error('no size yet'))), { timeout: 30_000 });
      await page.setViewportSize({ width: 700, height: 500 });
      await page.keyboard.type('clear; stty size\n');
      const after = await vi.waitFor(
        () => sizeShown(page).then((size) => (size && size[1] !== before[1] ? size : Promise.reject(new Error('size unchanged')))),
        { timeout: 30_000 },
      );
      expect(after[1]).toBeLessThan(before[1]);
      expect(after[0]).toBeLessThan(before[0]);
      // Ctrl-C reaches the foreground job, then `exit` ends the shell and the page says so.
      // The job says when it runs (in the terminal's foreground group by then), so ^C cannot reach bash before it.
      await page.keyboard.type("sh -c 'echo ready-$$; exec sleep 300'\n");
      await screen.filter({ hasText: /ready-\d+/ }).waitFor();
      await page.keyboard.press('Control+C');
      await page.keyboard.type('echo "after-$?"\n');
      await screen.filter({ hasText: 'after-130' }).waitFor();
      await page.keyboard.type('exit 5\n');
      await page.locator('#status', { hasText: 'shell exited (5)' }).waitFor();
      await expectNoContainerLeft();
    });
  });
});

/** The last `rows cols` line `stty size` printed on the page's terminal. */
async function sizeShown(page: Page): Promise<[number, number] | undefined> {
  const lines = await page.locator('.xterm-rows > div').allTextContents();
  const last = lines.map((line) => /^(\d+) (\d+)\s*$/.exec(line)).filter((match) => match !== null).at(-1);
  return last ? [Number(last[1]), Number(last[2])] : undefined;
}

/**
 * Runs the example's web server (`server.ts --port 0`) and a headless Chromium, hands both to
 * `fn`, then stops them: SIGTERM, on which the server's sessions kill their sandboxes.
 */
async function withPageServer(fn: (browser: BrowserContext, url: string, output: ReturnType<typeof watchOutput>) => Promise<void>): Promise<void> {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/ensure-chromium.sh`).toBe(true);
  const server = spawn(process.execPath, [join(HERE, 'server.ts'), '--port', '0'], { env: exampleEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const output = watchOutput(server);
  const userDataDir = mkdtempSync(join(tmpdir(), 'vercel-ai-chat-chromium-'));
  try {
    const deadline = Date.now() + 30_000;
    while (!/chat page: (\S+)/.test(output.text()) && server.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const url = /chat page: (\S+)/.exec(output.text())?.[1];
    expect(url, output.text()).toBeDefined();
    const browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1000, height: 800 },
    });
    try {
      await fn(browser, url as string, output);
    } finally {
      await browser.close();
    }
  } finally {
    server.kill('SIGTERM');
    await exited(server, 30_000).catch(() => server.kill('SIGKILL'));
    rmSync(userDataDir, { recursive: true, force: true });
  }
  await expectNoContainerLeft();
}
