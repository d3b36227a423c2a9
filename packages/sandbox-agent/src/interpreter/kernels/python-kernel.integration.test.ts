// The Python kernel for real: IPython inside the dev image, started through sandbox-exec as
// uid 1000, driven through the `Kernel` interface (see src/testing/kernel-container.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKernelContainer, type KernelContainer, type RemoteKernel } from '../../testing/kernel-container.js';
import { arrivalOf, record } from '../../testing/recording-sink.js';
import { pngSize } from '../../testing/png-size.js';

describe('python kernel (IPython bridge) in the dev image', () => {
  let container: KernelContainer;
  let kernel: RemoteKernel;
  let startMs = 0;

  beforeAll(async () => {
    container = await startKernelContainer();
    container.exec(['mkdir', '-p', '/tmp/py-context']);
    kernel = container.openKernel('python');
    const started = Date.now();
    await kernel.start();
    startMs = Date.now() - started;
  });

  afterAll(() => container?.close());

  it('starts in seconds and stays small while idle', async () => {
    const rssMiB = (await kernel.memoryKiB()) / 1024;
    console.log(`python kernel: start ${startMs} ms (incl. docker exec), idle RSS ${rssMiB.toFixed(1)} MiB`);
    expect(startMs).toBeLessThan(15_000);
    expect(rssMiB).toBeGreaterThan(5);
    expect(rssMiB).toBeLessThan(150);
  });

  it('prints, keeps state across calls and counts executions', async () => {
    const first = await record(kernel, 'print("hello world")\nx = 41');
    expect(first.stdout).toBe('hello world\n');
    expect(first.errors).toEqual([]);
    const second = await record(kernel, 'x + 1');
    expect(second.results).toEqual([{ bundle: { 'text/plain': '42' }, isMainResult: true }]);
    expect(second.outcome?.executionCount).toBe((first.outcome?.executionCount ?? 0) + 1);
  });

  it('reports an error as name, value and a plain-text traceback, then runs the next call', async () => {
    const failed = await record(kernel, 'def boom():\n    return 1 / 0\nboom()');
    expect(failed.errors).toHaveLength(1);
    const [error] = failed.errors;
    expect(error).toMatchObject({ name: 'ZeroDivisionError', value: 'division by zero' });
    expect(error?.traceback).toContain('boom()');
    expect(error?.traceback).toContain('ZeroDivisionError');
    expect(error?.traceback).not.toMatch(/\u001b\[/);
    const next = await record(kernel, '1 + 1');
    expect(next.results[0]?.bundle['text/plain']).toBe('2');

    const syntax = await record(kernel, 'def f(:\n  pass');
    expect(syntax.errors[0]?.name).toBe('SyntaxError');
  });

  it('streams each line when printed, also from subprocesses', async () => {
    const python = await record(kernel, 'import time\nprint("a")\ntime.sleep(1)\nprint("b")');
    expect(arrivalOf(python, 'b') - arrivalOf(python, 'a')).toBeGreaterThanOrEqual(800);
    const child = await record(kernel, 'import subprocess\nsubprocess.run("echo one; sleep 1; echo two", shell=True)\nNone');
    expect(child.stdout).toBe('one\ntwo\n');
    expect(arrivalOf(child, 'two') - arrivalOf(child, 'one')).toBeGreaterThanOrEqual(800);
  });

  it('keeps up with a lot of output', async () => {
    const many = await record(kernel, 'for i in range(100_000):\n    print(i)');
    console.log(`python kernel: 100000 printed lines in ${many.ms} ms`);
    expect(many.stdout.split('\n')).toHaveLength(100_001);
    expect(many.stdout.endsWith('99999\n')).toBe(true);
    expect(many.ms).toBeLessThan(15_000);
  });

  it('keeps printed output, display() results and stderr in order', async () => {
    const mixed = await record(kernel, 'import sys\nprint("before")\ndisplay({"a": 1})\nprint("oops", file=sys.stderr)\nprint("after")\n"last"');
    expect(mixed.order).toEqual(['stdout:before\n', 'result', 'stderr:oops\n', 'stdout:after\n', 'main-result']);
    const partial = await record(kernel, 'import sys, subprocess\nprint("a", end="")\nsubprocess.run(["echo", "b"])\nprint("c", end="", flush=True)\nprint("d", file=sys.stderr)');
    expect(partial.order).toEqual(['stdout:a', 'stdout:b\n', 'stdout:c', 'stderr:d\n']);
    expect(mixed.results[1]?.bundle['text/plain']).toBe("'last'");
  });

  it('gives the code and its subprocesses an empty stdin, not the agent\'s commands', async () => {
    const reading = await record(kernel, 'import subprocess, sys\nprint(repr(sys.stdin.read()))\nsubprocess.run(["cat"])\ntry:\n    input()\nexcept EOFError:\n    print("eof")');
    expect(reading.stdout).toBe("''\neof\n");
    expect((await record(kernel, '1 + 1')).results[0]?.bundle['text/plain']).toBe('2');
  });

  it('applies env vars to one execution only', async () => {
    const withVar = await record(kernel, 'import os, subprocess\nprint(os.environ["CODEBOX_T"])\nsubprocess.run("echo $CODEBOX_T", shell=True)\nNone', {
      envVars: { CODEBOX_T: 'set-for-one' },
    });
    expect(withVar.stdout).toBe('set-for-one\nset-for-one\n');
    const after = await record(kernel, 'import os\nprint(os.environ.get("CODEBOX_T"))');
    expect(after.stdout).toBe('None\n');
  });

  it('runs in the context cwd', async () => {
    const other = container.openKernel('python', '/tmp/py-context');
    const cwd = await record(other, 'import os\nprint(os.getcwd())\nopen("made-here.txt", "w").write("x")');
    expect(cwd.stdout).toBe('/tmp/py-context\n');
    expect(container.exec(['stat', '-c', '%U', '/tmp/py-context/made-here.txt']).trim()).toBe('user');
    await other.shutdown();
  });

  it('fails to start in a cwd that does not exist, saying why', async () => {
    const lost = container.openKernel('python', '/no/such/dir');
    await expect(lost.start()).rejects.toMatchObject({ name: 'KernelStartError', message: expect.stringMatching(/chdir: No such file or directory/) });
  });

  it('interrupts on abort, keeps state, and answers the next call in the same kernel', async () => {
    await record(kernel, 'kept = "still here"');
    const interrupted = await record(kernel, 'import time\nwhile True:\n    time.sleep(0.1)', { abortAfterMs: 500 });
    expect(interrupted.errors[0]?.name).toBe('KeyboardInterrupt');
    expect(interrupted.ms).toBeLessThan(2_000);
    const next = await record(kernel, '1 + 1');
    expect(next.results[0]?.bundle['text/plain']).toBe('2');
    expect((await record(kernel, 'kept')).results[0]?.bundle['text/plain']).toBe("'still here'");

    const sleeping = await record(kernel, 'import subprocess\nsubprocess.run(["sleep", "30"])', { abortAfterMs: 500 });
    expect(sleeping.errors[0]?.name).toBe('KeyboardInterrupt');
    expect(sleeping.ms).toBeLessThan(2_000);
    // os.system ignores SIGINT while it waits; the child is interrupted instead.
    const system = await record(kernel, 'import os\nos.system("sleep 30")', { abortAfterMs: 500 });
    expect(system.failure).toBeUndefined();
    expect(system.ms).toBeLessThan(2_000);
    expect((await record(kernel, 'kept')).results[0]?.bundle['text/plain']).toBe("'still here'");
  });

  it('returns a matplotlib figure as a PNG of its size, once, and plt.show() works', async () => {
    const plotted = await record(
      kernel,
      'import matplotlib.pyplot as plt\nfig = plt.figure(figsize=(4, 3), dpi=100)\nplt.plot([1, 3, 2])\nprint("drawn")',
    );
    expect(plotted.errors).toEqual([]);
    const pngs = plotted.results.filter((result) => typeof result.bundle['image/png'] === 'string');
    expect(pngs).toHaveLength(1);
    expect(pngSize(pngs[0]?.bundle['image/png'] as string)).toEqual({ width: 400, height: 300 });
    // Closed after the execution: it does not come back with the next one.
    expect((await record(kernel, '1 + 1')).results.some((result) => 'image/png' in result.bundle)).toBe(false);

    const shown = await record(kernel, 'plt.plot([1, 2])\nplt.show()\nprint("after show")');
    expect(shown.order).toEqual(['result', 'stdout:after show\n']);
    expect(typeof shown.results[0]?.bundle['image/png']).toBe('string');
  });

  it('returns a pandas DataFrame as HTML and text', async () => {
    const frame = await record(kernel, 'import pandas as pd\npd.DataFrame({"name": ["a", "b"], "value": [1, 2]})');
    const main = frame.results.find((result) => result.isMainResult);
    expect(main?.bundle['text/html']).toMatch(/<table[^>]*class="dataframe"/);
    expect(main?.bundle['text/plain']).toMatch(/name\s+value/);
  });

  it('passes every MIME type of IPython display objects', async () => {
    const rich = await record(
      kernel,
      'from IPython.display import HTML, Markdown, Latex, JSON, SVG, Javascript\n' +
        'display(HTML("<b>x</b>"), Markdown("**x**"), Latex("$x$"), JSON({"k": 1}), Javascript("1"))\n' +
        'SVG(\'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\')',
    );
    const types = rich.results.flatMap((result) => Object.keys(result.bundle));
    for (const type of ['text/html', 'text/markdown', 'text/latex', 'application/json', 'application/javascript', 'image/svg+xml']) {
      expect(types).toContain(type);
    }
    expect(rich.results.find((result) => 'application/json' in result.bundle)?.bundle['application/json']).toEqual({ k: 1 });
  });

  it('supports IPython syntax: shell escapes, magics and top-level await', async () => {
    const shell = await record(kernel, '!echo from-shell\nfiles = !echo captured\nprint(files)');
    expect(shell.stdout).toBe("from-shell\n['captured']\n");
    const magic = await record(kernel, '%%capture out\nprint("hidden")');
    expect(magic.stdout).toBe('');
    expect((await record(kernel, 'out.stdout')).results[0]?.bundle['text/plain']).toBe("'hidden\\n'");
    const awaited = await record(kernel, 'import asyncio\nawait asyncio.sleep(0.01)\n"awaited"');
    expect(awaited.results[0]?.bundle['text/plain']).toBe("'awaited'");
  });

  it('ends the cell, not the kernel, on exit() and sys.exit()', async () => {
    await record(kernel, 'survivor = 7');
    const quiet = await record(kernel, 'print("bye")\nexit()');
    expect(quiet.failure).toBeUndefined();
    expect(quiet.errors).toEqual([]);
    const failing = await record(kernel, 'import sys\nsys.exit(3)');
    expect(failing.errors[0]).toMatchObject({ name: 'SystemExit', value: '3' });
    expect((await record(kernel, 'survivor')).results[0]?.bundle['text/plain']).toBe('7');
  });

  it('has what the seeds import', async () => {
    const seeds = await record(kernel, 'import requests, numpy, pandas, matplotlib\nprint(requests.__name__, pandas.__version__ >= "2")');
    expect(seeds.errors).toEqual([]);
    expect(seeds.stdout).toBe('requests True\n');
  });

  it('restarts a kernel that died, with a clear error, and clears state on restart()', async () => {
    await record(kernel, 'doomed = 1');
    const died = await record(kernel, 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)');
    expect(died.failure?.name).toBe('KernelDiedError');
    expect(died.failure?.message).toMatch(/died during this execution.*the next execution starts a fresh kernel/);
    const after = await record(kernel, '1 + 1');
    expect(after.results[0]?.bundle['text/plain']).toBe('2');
    expect((await record(kernel, 'doomed')).errors[0]?.name).toBe('NameError');

    await record(kernel, 'y = 5');
    await kernel.restart();
    expect((await record(kernel, 'y')).errors[0]?.name).toBe('NameError');
  });
});
