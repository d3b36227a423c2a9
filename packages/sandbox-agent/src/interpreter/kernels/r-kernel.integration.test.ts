// The R kernel for real: R 4.5 with evaluate/repr/IRdisplay inside the dev image, started
// through sandbox-exec as uid 1000, driven through the `Kernel` interface.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKernelContainer, type KernelContainer, type RemoteKernel } from '../../testing/kernel-container.js';
import { arrivalOf, record } from '../../testing/recording-sink.js';
import { pngSize } from '../../testing/png-size.js';

describe('r kernel (evaluate + repr bridge) in the dev image', () => {
  let container: KernelContainer;
  let kernel: RemoteKernel;

  beforeAll(async () => {
    container = await startKernelContainer();
    container.exec(['mkdir', '-p', '/tmp/r-context']);
    kernel = container.openKernel('r');
    const started = Date.now();
    await kernel.start();
    console.log(`r kernel: start ${Date.now() - started} ms (incl. docker exec), idle RSS ${((await kernel.memoryKiB()) / 1024).toFixed(1)} MiB`);
  });

  afterAll(() => container?.close());

  it('prints, keeps state across calls and counts executions', async () => {
    const first = await record(kernel, 'cat("hello world\\n")\nx <- 41');
    expect(first.stdout).toBe('hello world\n');
    expect(first.errors).toEqual([]);
    const second = await record(kernel, 'x + 1');
    expect(second.results).toHaveLength(1);
    expect(second.results[0]).toMatchObject({ isMainResult: true, bundle: { 'text/plain': '[1] 42' } });
    expect(second.outcome?.executionCount).toBe((first.outcome?.executionCount ?? 0) + 1);
  });

  it('reports an error with the calls that led to it, then runs the next call', async () => {
    const failed = await record(kernel, 'inner <- function() stop("boom")\nouter <- function() inner()\nouter()');
    expect(failed.errors).toHaveLength(1);
    expect(failed.errors[0]).toMatchObject({ name: 'ERROR', value: 'boom' });
    expect(failed.errors[0]?.traceback).toBe('Error in inner(): boom\nTraceback:\n1. outer()\n2. inner()\n3. stop("boom")');
    expect((await record(kernel, '1 + 1')).results[0]?.bundle['text/plain']).toBe('[1] 2');
    const parse = await record(kernel, 'f(');
    expect(parse.errors[0]?.value).toMatch(/unexpected end of input/);
  });

  it('streams each top-level statement\'s output when it is printed', async () => {
    const streamed = await record(kernel, 'cat("a\\n")\nSys.sleep(1)\ncat("b\\n")');
    expect(streamed.stdout).toBe('a\nb\n');
    expect(arrivalOf(streamed, 'b') - arrivalOf(streamed, 'a')).toBeGreaterThanOrEqual(800);
    const child = await record(kernel, 'invisible(system("echo one; sleep 1; echo two"))');
    expect(child.stdout).toBe('one\ntwo\n');
    expect(arrivalOf(child, 'two') - arrivalOf(child, 'one')).toBeGreaterThanOrEqual(800);
  });

  it('sends messages and warnings to stderr', async () => {
    const noisy = await record(kernel, 'message("note")\nwarning("careful")\ninvisible(1)');
    expect(noisy.stderr).toBe('note\nWarning message:\ncareful\n');
  });

  it('gives the code and its subprocesses an empty stdin, not the agent\'s commands', async () => {
    const reading = await record(kernel, 'invisible(system("cat"))\nlength(readLines(file("stdin")))');
    expect(reading.results[0]?.bundle['text/plain']).toBe('[1] 0');
    expect((await record(kernel, '1 + 1')).results[0]?.bundle['text/plain']).toBe('[1] 2');
  });

  it('applies env vars to one execution only', async () => {
    const withVar = await record(kernel, 'cat(Sys.getenv("CODEBOX_T"), "\\n")\ninvisible(system("echo $CODEBOX_T"))', { envVars: { CODEBOX_T: 'set-for-one' } });
    expect(withVar.stdout).toBe('set-for-one \nset-for-one\n');
    expect((await record(kernel, 'Sys.getenv("CODEBOX_T", unset = "unset")')).results[0]?.bundle['text/plain']).toBe('[1] "unset"');
  });

  it('runs in the context cwd', async () => {
    const other = container.openKernel('r', '/tmp/r-context');
    expect((await record(other, 'cat(getwd())')).stdout).toBe('/tmp/r-context');
    await other.shutdown();
  });

  it('interrupts on abort, keeps state, and answers the next call in the same kernel', async () => {
    await record(kernel, 'kept <- "still here"');
    const interrupted = await record(kernel, 'Sys.sleep(30)', { abortAfterMs: 500 });
    expect(interrupted.failure).toBeUndefined();
    expect(interrupted.errors[0]?.name).toBe('KeyboardInterrupt');
    expect(interrupted.ms).toBeLessThan(2_000);
    expect((await record(kernel, '1 + 1')).results[0]?.bundle['text/plain']).toBe('[1] 2');
    expect((await record(kernel, 'kept')).results[0]?.bundle['text/plain']).toBe('[1] "still here"');

    const busy = await record(kernel, 'repeat { x <- sum(1:100) }', { abortAfterMs: 500 });
    expect(busy.errors[0]?.name).toBe('KeyboardInterrupt');
    expect(busy.ms).toBeLessThan(2_000);
  });

  it('returns a data.frame as text, HTML, markdown and LaTeX', async () => {
    const frame = await record(kernel, 'data.frame(name = c("a", "b"), value = c(1, 2))');
    const main = frame.results.find((result) => result.isMainResult);
    expect(main?.bundle['text/html']).toMatch(/<table class="dataframe">/);
    expect(main?.bundle['text/markdown']).toMatch(/\| a \| 1 \|/);
    expect(main?.bundle['text/latex']).toMatch(/\\begin\{tabular\}/);
    expect(main?.bundle['text/plain']).toMatch(/name value/);
  });

  it('returns a plot as a PNG of the configured size, and display() as extra results', async () => {
    const plotted = await record(kernel, 'options(repr.plot.width = 4, repr.plot.height = 3, repr.plot.res = 100)\nplot(1:10)\ncat("drawn\\n")');
    expect(plotted.errors).toEqual([]);
    const pngs = plotted.results.filter((result) => typeof result.bundle['image/png'] === 'string');
    expect(pngs).toHaveLength(1);
    expect(pngSize(pngs[0]?.bundle['image/png'] as string)).toEqual({ width: 400, height: 300 });
    expect((await record(kernel, '1 + 1')).results.some((result) => 'image/png' in result.bundle)).toBe(false);

    const shown = await record(kernel, 'display(1:3)\n"last"');
    expect(shown.results.map((result) => result.isMainResult)).toEqual([false, true]);
    expect(shown.results[1]?.bundle['text/plain']).toBe('[1] "last"');
  });

  it('has what the seeds use (httr)', async () => {
    const seeds = await record(kernel, 'library(httr)\nis.function(GET)');
    expect(seeds.errors).toEqual([]);
    expect(seeds.results[0]?.bundle['text/plain']).toBe('[1] TRUE');
  });

  it('ends the cell, not the kernel, on quit()', async () => {
    await record(kernel, 'survivor <- 7');
    const clean = await record(kernel, 'cat("bye\\n")\nquit()\ncat("not reached\\n")');
    expect(clean.failure).toBeUndefined();
    expect(clean.errors).toEqual([]);
    expect(clean.stdout).toBe('bye\n');
    const failing = await record(kernel, 'q(status = 3)');
    expect(failing.errors).toEqual([{ name: 'SystemExit', value: '3', traceback: 'quit(status = 3)' }]);
    expect((await record(kernel, 'survivor')).results[0]?.bundle['text/plain']).toBe('[1] 7');
  });

  it('restarts a kernel that died, with a clear error', async () => {
    await record(kernel, 'doomed <- 1');
    const died = await record(kernel, 'tools::pskill(Sys.getpid(), 9)');
    expect(died.failure?.name).toBe('KernelDiedError');
    expect((await record(kernel, '1 + 1')).results[0]?.bundle['text/plain']).toBe('[1] 2');
    expect((await record(kernel, 'doomed')).errors[0]?.value).toMatch(/not found/);
  });
});
