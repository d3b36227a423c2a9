// Python kernels forked from the preloaded parent (kernels/python/zygote.py) as the agent runs
// them, inside the dev image: they must behave as directly started kernels do (same user, cwd,
// environment, output, own process group) while sharing the parent's imports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKernelContainer, type KernelContainer, type RemoteKernel } from '../../testing/kernel-container.js';
import { record } from '../../testing/recording-sink.js';

/** Cells whose whole output a forked kernel must give exactly as a directly started one. */
const SAME_OUTPUT_CELLS = [
  'import os, sys\nprint(os.getuid(), os.getgid(), os.getcwd(), sys.path[0] == "", sys.argv[0].endswith("bridge.py"))\nsorted(os.environ.items())',
  'import pandas as pd\npd.DataFrame({"a": [1, 2], "b": [0.5, 1.5]})',
  'import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.title("t")\nplt.show()',
  'def boom():\n    return 1 / 0\nboom()',
  'print("out"); import sys; print("err", file=sys.stderr); !echo shell',
];

describe('python kernels forked from the zygote', () => {
  let container: KernelContainer;
  let forked: RemoteKernel[];
  let direct: RemoteKernel;

  beforeAll(async () => {
    container = await startKernelContainer();
    container.exec(['mkdir', '-p', '/tmp/forked']);
    forked = container.openForkedPythonKernels(3, '/tmp/forked');
    direct = container.openKernel('python', '/tmp/forked');
    await Promise.all([forked[0]?.start(), direct.start()]);
  });

  afterAll(() => container?.close());

  it('forks the first kernel with IPython only; a second kernel loads the data stack, and the first (unused) is forked again to share it', async () => {
    const kernel = forked[0] as RemoteKernel;
    const first = await kernel.pid();
    // Before a second kernel is asked for, the parent has not loaded pandas (its extension modules are not mapped).
    expect(container.exec(['sh', '-c', `grep -c pandas /proc/$(cut -d' ' -f4 /proc/${first}/stat)/maps || true`]).trim()).toBe('0');
    await (forked[1] as RemoteKernel).start();
    await expect.poll(() => kernel.pid(), { timeout: 60_000 }).not.toBe(first);
    const loaded = 'import sys\nprint("pandas" in sys.modules, "matplotlib_inline.backend_inline" in sys.modules)';
    expect((await record(kernel, loaded)).stdout).toBe('True False\n');
    // The directly started kernel imports nothing it was not asked for (and now counts as many cells).
    expect((await record(direct, loaded)).stdout).toBe('False False\n');
  });

  it('gives exactly the output a directly started kernel gives, as the same user in its own process group', async () => {
    const [kernel] = forked as [RemoteKernel];
    for (const code of SAME_OUTPUT_CELLS) {
      const [fromFork, fromDirect] = [await record(kernel, code), await record(direct, code)];
      const comparable = (recording: typeof fromFork) => ({ ...recording, ms: 0, stdoutChunks: [], outcome: undefined });
      expect(comparable(fromFork), code).toEqual(comparable(fromDirect));
    }
    const identity = await record(kernel, 'import os\nprint(os.getuid(), os.getpid() == os.getpgid(0) == os.getsid(0), os.getcwd())');
    expect(identity.stdout).toBe('1000 True /tmp/forked\n');
  });

  it('keeps each context’s variables and random state its own', async () => {
    const [a, b] = forked as [RemoteKernel, RemoteKernel];
    await record(a, 'import numpy as np\nmine = "a"');
    await record(b, 'import numpy as np\nmine = "b"');
    expect((await record(a, 'mine')).results[0]?.bundle['text/plain']).toBe("'a'");
    expect((await record(b, 'mine')).results[0]?.bundle['text/plain']).toBe("'b'");
    const draws = await Promise.all([a, b].map(async (kernel) => (await record(kernel, 'print(np.random.rand())')).stdout));
    expect(draws[0]).not.toBe(draws[1]);
    expect(await a.pid()).not.toBe(await b.pid());
  });

  it('interrupts the running cell and keeps the state', async () => {
    const kernel = forked[1] as RemoteKernel;
    await record(kernel, 'kept = 7');
    const interrupted = await record(kernel, 'import subprocess, time\nsubprocess.run(["sleep", "30"])', { abortAfterMs: 500 });
    expect(interrupted.errors[0]?.name).toBe('KeyboardInterrupt');
    expect((await record(kernel, 'kept')).results[0]?.bundle['text/plain']).toBe('7');
  });

  it('restarts into a fresh fork without the old state', async () => {
    const kernel = forked[1] as RemoteKernel;
    const before = await kernel.pid();
    await kernel.restart();
    expect((await record(kernel, 'kept')).errors[0]?.name).toBe('NameError');
    expect(await kernel.pid()).not.toBe(before);
  });

  it('tells the next execution after an eviction that its state is gone, then forks a fresh kernel', async () => {
    const kernel = forked[1] as RemoteKernel;
    await record(kernel, 'kept = 8');
    expect(await kernel.evict('the test asked')).toBe(true);
    const told = await record(kernel, 'kept');
    expect(told.failure?.name).toBe('KernelEvictedError');
    expect(told.failure?.message).toMatch(/stopped while idle to free memory: the test asked\. Its state is lost .* this code did not run/);
    expect((await record(kernel, 'kept')).errors[0]?.name).toBe('NameError');
  });

  it('reports a forked kernel killed by the OOM killer as out of memory, then forks a fresh one', async () => {
    const kernel = forked[2] as RemoteKernel;
    await record(kernel, 'hog = []');
    const killed = await record(kernel, 'while True:\n    hog.append(b"x" * (64 << 20))');
    expect(killed.failure?.name).toBe('KernelOutOfMemoryError');
    expect((await record(kernel, 'print("again")')).stdout).toBe('again\n');
    // The other forks and their parent survived.
    expect((await record(forked[0] as RemoteKernel, 'print("alive")')).stdout).toBe('alive\n');
  });

  it('reports the forks dead when their parent dies, and forks from a new parent on the next call', async () => {
    const kernel = forked[0] as RemoteKernel;
    const pid = await kernel.pid();
    const parent = container.exec(['sh', '-c', `cut -d' ' -f4 /proc/${pid}/stat`]).trim();
    container.exec(['kill', '-9', parent]);
    // A fork dies with its parent, but not in the same instant: a cell sent before it is gone would still run.
    await expect.poll(() => container.exec(['sh', '-c', `test -e /proc/${pid} && echo alive || echo gone`]).trim()).toBe('gone');
    const told = await record(kernel, 'print("state?")');
    expect(told.failure?.name).toBe('KernelDiedError');
    expect(told.failure?.message).toMatch(/killed by SIGKILL/);
    expect((await record(kernel, 'print("again")')).stdout).toBe('again\n');
    const newParent = container.exec(['sh', '-c', `cut -d' ' -f4 /proc/${await kernel.pid()}/stat`]).trim();
    expect(newParent).not.toBe(parent);
  });
});
