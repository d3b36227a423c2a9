// Test support (host side): a container of the kernels' dev image (see kernel-dev-image.ts),
// and `Kernel` objects that drive real Python, R and Java kernels inside it through
// `kernel-harness.ts`. The container gets the production hardening (only
// SETUID/SETGID/SETPCAP/KILL, no-new-privileges) and the current bridge programs, sandbox-exec
// helper and harness mounted read-only.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildSandboxExec } from './agent-fixture.js';
import type { ExecuteOutcome, ExecuteRequest, ExecutionSink, Kernel, KernelLanguage } from '../interpreter/kernel.js';
import type { HarnessReply, HarnessRequest } from './kernel-harness.js';
import { DEV_IMAGE_LABEL, kernelImage } from './kernel-dev-image.js';


const packageDir = fileURLToPath(new URL('../../', import.meta.url));
export interface KernelContainer {
  readonly name: string;
  /** A kernel inside the container; `cwd` must exist there (see `exec`). */
  openKernel(language: KernelLanguage, cwd?: string): RemoteKernel;
  /** `count` Python kernels forked from one zygote (as the agent runs them), sharing one harness. */
  openForkedPythonKernels(count: number, cwd?: string): RemoteKernel[];
  /** Runs a command in the container (test setup), as the sandbox user unless told otherwise. */
  exec(args: readonly string[], user?: string): string;
  close(): void;
}

export async function startKernelContainer(): Promise<KernelContainer> {
  const image = kernelImage();
  const work = mkdtempSync(join(tmpdir(), 'codebox-kernels-test-'));
  chmodSync(work, 0o755);
  const kernelsDir = join(work, 'kernels');
  for (const language of ['python', 'r', 'java']) cpSync(join(packageDir, 'kernels', language), join(kernelsDir, language), { recursive: true });
  const helperDir = join(work, 'helper');
  mkdirSync(helperDir);
  const helper = buildSandboxExec(helperDir);
  const harness = join(work, 'harness', 'harness.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./kernel-harness.ts', import.meta.url))],
    outfile: harness,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    banner: { js: "import { createRequire as __cbCreateRequire } from 'node:module'; const require = __cbCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });

  const name = `codebox-kernels-test-${randomBytes(6).toString('hex')}`;
  execFileSync('docker', [
    'run', '-d', '--name', name, '--label', DEV_IMAGE_LABEL,
    '--cap-drop', 'ALL', '--cap-add', 'SETUID', '--cap-add', 'SETGID', '--cap-add', 'SETPCAP', '--cap-add', 'KILL',
    '--security-opt', 'no-new-privileges', '--network', 'none', '--init', '--pids-limit', '512', '--memory', '1536m',
    '-v', `${kernelsDir}:/opt/codebox/kernels:ro`,
    '-v', `${helper}:/opt/codebox/sandbox-exec:ro`,
    '-v', `${join(work, 'harness')}:/opt/codebox-test:ro`,
    '--entrypoint', 'sleep', image, 'infinity',
  ], { stdio: 'ignore' });

  const harnesses: Harness[] = [];
  return {
    name,
    openKernel(language, cwd = '/home/user') {
      const harness = new Harness(name, language, cwd, false);
      harnesses.push(harness);
      return new RemoteKernel(harness, language);
    },
    openForkedPythonKernels(count, cwd = '/home/user') {
      const harness = new Harness(name, 'python', cwd, true);
      harnesses.push(harness);
      return Array.from({ length: count }, (_, index) => new RemoteKernel(harness, 'python', index));
    },
    exec(args, user = '1000') {
      return execFileSync('docker', ['exec', '--user', user, name, ...args], { encoding: 'utf8' });
    },
    close() {
      for (const harness of harnesses) harness.dispose();
      execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
      rmSync(work, { recursive: true, force: true });
    },
  };
}

type Pending = { readonly sink?: ExecutionSink; readonly resolve: (reply: HarnessReply) => void; readonly reject: (error: Error) => void };

/** One harness process in the container; several kernels may share it (forked Python kernels share its zygote). */
class Harness {
  private readonly process: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(container: string, language: KernelLanguage, cwd: string, fork: boolean) {
    this.process = spawn('docker', ['exec', '-i', container, '/opt/codebox/bin/node', '/opt/codebox-test/harness.mjs', language, cwd, ...(fork ? ['fork'] : [])]);
    this.process.stderr.on('data', (chunk: Buffer) => process.stderr.write(`[${language} harness] ${chunk.toString()}`));
    createInterface({ input: this.process.stdout, crlfDelay: Infinity }).on('line', (line) => this.onReply(JSON.parse(line) as HarnessReply));
    this.process.once('exit', (code) => {
      for (const pending of this.pending.values()) pending.reject(new Error(`kernel harness exited with ${code}`));
      this.pending.clear();
    });
  }

  newId(): number {
    return this.nextId++;
  }

  call(request: HarnessRequest, sink?: ExecutionSink): Promise<HarnessReply> {
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { ...(sink ? { sink } : {}), resolve, reject });
      this.send(request);
    });
  }

  send(request: HarnessRequest): void {
    this.process.stdin.write(`${JSON.stringify(request)}\n`);
  }

  dispose(): void {
    this.process.kill('SIGKILL');
  }

  private onReply(reply: HarnessReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    switch (reply.kind) {
      case 'stdout':
      case 'stderr':
        pending.sink?.[reply.kind](reply.text);
        break;
      case 'result':
        pending.sink?.result(reply.bundle, reply.isMainResult);
        break;
      case 'error':
        pending.sink?.error({ name: reply.name, value: reply.value, traceback: reply.traceback });
        break;
      case 'done':
        this.pending.delete(reply.id);
        pending.resolve(reply);
        break;
      case 'failed':
        this.pending.delete(reply.id);
        pending.reject(Object.assign(new Error(reply.message), { name: reply.errorName }));
        break;
    }
  }
}

/** A kernel in the container, behind the harness; implements the same `Kernel` contract. */
export class RemoteKernel implements Kernel {
  constructor(
    private readonly harness: Harness,
    readonly language: KernelLanguage,
    /** Which of the harness's kernels this is. */
    private readonly index = 0,
  ) {}

  async start(): Promise<void> {
    await this.harness.call({ op: 'start', id: this.harness.newId(), kernel: this.index });
  }

  async restart(): Promise<void> {
    await this.harness.call({ op: 'restart', id: this.harness.newId(), kernel: this.index });
  }

  async shutdown(): Promise<void> {
    await this.harness.call({ op: 'shutdown', id: this.harness.newId(), kernel: this.index });
  }

  /** Resident memory of the kernel's process (the bridge), in KiB. */
  async memoryKiB(): Promise<number> {
    const reply = await this.harness.call({ op: 'memory', id: this.harness.newId(), kernel: this.index });
    return reply.kind === 'done' ? (reply.rssKiB ?? Number.NaN) : Number.NaN;
  }

  /** Stops the kernel if idle, as the interpreter does under memory pressure; whether it did. */
  async evict(why: string): Promise<boolean> {
    const reply = await this.harness.call({ op: 'evict', id: this.harness.newId(), kernel: this.index, why });
    return reply.kind === 'done' && reply.executionCount === 1;
  }

  /** The kernel's bridge process id (inside the container), while it runs. */
  async pid(): Promise<number | undefined> {
    const reply = await this.harness.call({ op: 'memory', id: this.harness.newId(), kernel: this.index });
    return reply.kind === 'done' ? reply.pid : undefined;
  }

  async execute(request: ExecuteRequest, sink: ExecutionSink): Promise<ExecuteOutcome> {
    const id = this.harness.newId();
    const onAbort = (): void => this.harness.send({ op: 'abort', id, kernel: this.index });
    request.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const reply = await this.harness.call({ op: 'execute', id, kernel: this.index, code: request.code, envVars: { ...request.envVars } }, sink);
      return { executionCount: reply.kind === 'done' ? (reply.executionCount ?? 0) : 0 };
    } finally {
      request.signal.removeEventListener('abort', onAbort);
    }
  }
}
