import { execFileSync } from 'node:child_process';
import { parse as parseContentDisposition } from 'content-disposition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox as CodeboxSandbox } from '@codebox/core-client';
import { useRunner } from '../support/use-runner.js';
import { clients, codeboxClient } from './clients.js';

const runner = useRunner();

/** Settles `promise` or fails the test after `ms`: a file call that hangs is the bug. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms: the agent is blocked`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** envd's plain HTTP through the runner, for what the SDKs do not show (status, headers). */
function envdFetch(sandboxId: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${runner().url}${path}`, {
    ...init,
    signal: AbortSignal.timeout(10_000),
    headers: { 'E2b-Sandbox-Id': sandboxId, 'E2b-Sandbox-Port': '49983', ...(init.headers as Record<string, string> | undefined) },
  });
}

/**
 * Throws unless `sandboxId` runs the template image this runner built. Template images are
 * global and `:latest` is retagged by whichever worktree's runner built last, so a sandbox can
 * start with another branch's agent; this makes that race say so instead of failing obscurely.
 */
function expectOwnAgent(sandboxId: string, template: string): void {
  const image = execFileSync('docker', ['inspect', '-f', '{{.Config.Image}}', `codebox-${sandboxId}`], { encoding: 'utf8' }).trim();
  const built = runner()
    .output()
    .split('\n')
    .filter((line) => line.includes('template: ready'))
    .flatMap((line) => line.match(new RegExp(`codebox/${template}:[0-9a-f]+`))?.[0] ?? []);
  if (built.length > 0 && !built.includes(image)) {
    throw new Error(`sandbox runs ${image}, not this runner's ${built.join(', ')}: another worktree retagged ${template}:latest; rerun`);
  }
}

/** The agent still answers /health and runs a command promptly. */
async function stillServes(sandbox: CodeboxSandbox, sandboxId: string): Promise<void> {
  const health = await within(10_000, '/health', envdFetch(sandboxId, '/health'));
  expect(health.status).toBe(204);
  const echo = await within(10_000, 'a bystander command', sandbox.commands.run('echo alive'));
  expect(echo.stdout).toBe('alive\n');
}

/**
 * Finding 5 of issue 8: a FIFO, socket or device named in a file call must not block the
 * agent's only thread (an open() of a FIFO without a writer never returns) or stream without
 * end (/dev/zero). Each is refused with a 400-class invalid-argument error, and the agent keeps
 * serving.
 */
describe.each(clients)('file calls on FIFOs, sockets and devices ($name client)', ({ module }) => {
  const { Sandbox, InvalidArgumentError } = module;
  let sandbox: CodeboxSandbox;
  beforeAll(async () => {
    sandbox = await Sandbox.create('base');
    expectOwnAgent(sandbox.sandboxId, 'base');
    await sandbox.commands.run(
      [
        'mkfifo fifo',
        'ln -s fifo fifo-link',
        'ln -s /dev/zero zero-link',
        // bind() leaves the socket file behind after python exits.
        `python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('/home/user/sock')"`,
        'mkdir -p dir && mkfifo dir/inner-fifo && echo x > dir/plain',
      ].join(' && '),
    );
  });
  afterAll(async () => {
    await sandbox?.kill();
  });

  const readRefused = ['fifo', 'fifo-link', '/home/user/fifo', 'sock', '/dev/zero', '/dev/urandom', 'zero-link', '/dev/null', '/dev/tty'];
  it.each(readRefused)('refuses to read %s and keeps serving', async (path) => {
    const read = within(10_000, `files.read(${path})`, sandbox.files.read(path));
    await expect(read).rejects.toBeInstanceOf(InvalidArgumentError);
    await stillServes(sandbox, sandbox.sandboxId);
  });

  const writeRefused = ['fifo', 'fifo-link', 'sock', '/dev/null', '/dev/zero', 'zero-link'];
  it.each(writeRefused)('refuses to write %s and keeps serving', async (path) => {
    const write = within(10_000, `files.write(${path})`, sandbox.files.write(path, 'data'));
    await expect(write).rejects.toBeInstanceOf(InvalidArgumentError);
    await stillServes(sandbox, sandbox.sandboxId);
  });

  it('refuses a FIFO even when a process holds its other end, and leaves the FIFO alone', async () => {
    // A writer makes a read open succeed at once; the type check must still refuse it.
    const writer = await sandbox.commands.run('sleep 30 > /home/user/fifo', { background: true });
    try {
      await expect(within(10_000, 'read of a FIFO with a writer', sandbox.files.read('fifo'))).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(within(10_000, 'write of a FIFO', sandbox.files.write('fifo', 'x'))).rejects.toBeInstanceOf(InvalidArgumentError);
    } finally {
      await writer.kill();
    }
    const reader = await sandbox.commands.run('cat /home/user/fifo > /home/user/fifo-out', { background: true });
    try {
      await expect(within(10_000, 'write of a FIFO with a reader', sandbox.files.write('fifo', 'x'))).rejects.toBeInstanceOf(InvalidArgumentError);
    } finally {
      await reader.kill();
    }
    expect((await sandbox.commands.run('stat -c %F /home/user/fifo')).stdout).toBe('fifo\n');
    expect((await sandbox.commands.run('cat /home/user/fifo-out || true')).stdout).toBe('');
    await stillServes(sandbox, sandbox.sandboxId);
  });

  it('describes FIFOs and sockets with getInfo and list without opening them', async () => {
    const info = await within(10_000, 'getInfo(fifo)', sandbox.files.getInfo('fifo'));
    expect(info.name).toBe('fifo');
    expect((await within(10_000, 'getInfo(sock)', sandbox.files.getInfo('sock'))).name).toBe('sock');
    expect((await within(10_000, 'getInfo(fifo-link)', sandbox.files.getInfo('fifo-link'))).symlinkTarget).toBe('/home/user/fifo');
    const names = (await within(10_000, 'list(dir)', sandbox.files.list('dir'))).map((entry) => entry.name);
    expect(names).toEqual(['inner-fifo', 'plain']);
    expect(await within(10_000, 'exists(fifo)', sandbox.files.exists('fifo'))).toBe(true);
    await stillServes(sandbox, sandbox.sandboxId);
  });

  it('refuses uploads onto a FIFO in a multi-file write and keeps the regular ones', async () => {
    const write = within(
      10_000,
      'multi-file write',
      sandbox.files.write([
        { path: '/home/user/multi-ok', data: 'fine' },
        { path: '/home/user/fifo', data: 'blocked' },
      ]),
    );
    await expect(write).rejects.toBeInstanceOf(InvalidArgumentError);
    await stillServes(sandbox, sandbox.sandboxId);
  });
});

describe('plain HTTP /files on FIFOs, sockets and devices', () => {
  let sandbox: CodeboxSandbox;
  beforeAll(async () => {
    const { Sandbox } = codeboxClient.module;
    sandbox = await Sandbox.create('base', { secure: false });
    expectOwnAgent(sandbox.sandboxId, 'base');
    await sandbox.commands.run('mkfifo fifo && mkdir -p tree && mkfifo tree/f');
  });
  afterAll(async () => {
    await sandbox?.kill();
  });

  it('answers 400 with envd error body, for GET and for both upload encodings', async () => {
    for (const path of ['fifo', '/dev/zero', '/dev/urandom', '/dev/full']) {
      const get = await within(10_000, `GET ${path}`, envdFetch(sandbox.sandboxId, `/files?path=${encodeURIComponent(path)}&username=user`));
      expect(get.status).toBe(400);
      expect(await get.json()).toMatchObject({ code: 400, message: expect.stringMatching(/not a regular file/) });
    }
    for (const path of ['fifo', '/dev/null']) {
      const raw = await within(
        10_000,
        `POST octet-stream ${path}`,
        envdFetch(sandbox.sandboxId, `/files?path=${encodeURIComponent(path)}&username=user`, {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream' },
          body: 'x'.repeat(100_000),
        }),
      );
      expect(raw.status).toBe(400);
      const form = new FormData();
      form.append('file', new Blob(['x']), path);
      const multipart = await within(10_000, `POST multipart ${path}`, envdFetch(sandbox.sandboxId, `/files?username=user`, { method: 'POST', body: form }));
      expect(multipart.status).toBe(400);
    }
    await stillServes(sandbox, sandbox.sandboxId);
  });

  it('answers multipart bodies that end inside a part with 400 and keeps serving (found by the fuzz stage: the agent died)', async () => {
    const boundary = 'cbx-truncated';
    const part = (filename: string, data: string): string =>
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n${data}`;
    const bodies = [
      // A part whose write is refused (a FIFO, a directory, a path the user may not write), then the body ends mid-part.
      part('fifo', 'x'.repeat(1000)),
      part('/etc/not-yours', 'x'.repeat(1000)),
      part('/home/user', 'x'.repeat(1000)),
      // A part nobody reads (another field name), then the body ends.
      `--${boundary}\r\nContent-Disposition: form-data; name="other"; filename="a"\r\n\r\nxx`,
      // A writable target, then the body ends mid-part.
      part('/home/user/half-written', 'x'.repeat(70_000)),
      // No part at all, only an opening boundary.
      `--${boundary}\r\n`,
    ];
    for (const body of bodies) {
      const res = await within(
        10_000,
        `truncated multipart ${body.slice(0, 120)}`,
        envdFetch(sandbox.sandboxId, '/files?username=user', { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body }),
      );
      expect(res.status, body.slice(0, 120)).toBe(400);
      await stillServes(sandbox, sandbox.sandboxId);
    }
  });

  it('watches a directory holding FIFOs and reports FIFOs created later', async () => {
    const events: string[] = [];
    const handle = await within(10_000, 'watchDir', sandbox.files.watchDir('tree', (event) => void events.push(event.name), { recursive: true }));
    try {
      await sandbox.commands.run('mkfifo /home/user/tree/g');
      const deadline = Date.now() + 10_000;
      while (!events.includes('g') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(events).toContain('g');
    } finally {
      await handle.stop();
    }
    await stillServes(sandbox, sandbox.sandboxId);
  });
});

/**
 * Finding 11 of issue 8: any file name downloads (Content-Disposition per RFC 6266/8187, not a
 * 500), and files that report size 0 but have content (/proc) download whole.
 */
describe('downloads: any file name, and files without a size', () => {
  let sandbox: CodeboxSandbox;
  beforeAll(async () => {
    const { Sandbox } = codeboxClient.module;
    sandbox = await Sandbox.create('base', { secure: false });
    expectOwnAgent(sandbox.sandboxId, 'base');
  });
  afterAll(async () => {
    await sandbox?.kill();
  });

  const names = [
    'plain.txt',
    'café-ümlaut.txt',
    '日本語のファイル.txt',
    '文件 名.csv',
    'emoji-😀-🚀.bin',
    'quote"in"name.txt',
    'semi;colon=equals.txt',
    "single'quote%20percent.txt",
    'back\\slash.txt',
    'tab\tand\u0001ctrl\u007f.txt',
    'ascii-fallback-?*<>.txt',
  ];

  it.each(names)('downloads %j with a Content-Disposition that decodes back to the name', async (name) => {
    const content = `content of ${name}`;
    // Made by a command: a multipart upload cannot carry control characters in its part header.
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    await sandbox.commands.run(
      `mkdir -p /home/user/names && n="$(echo ${b64(name)} | base64 -d)" && echo ${b64(content)} | base64 -d > "/home/user/names/$n"`,
    );
    const response = await envdFetch(sandbox.sandboxId, `/files?path=${encodeURIComponent(`/home/user/names/${name}`)}&username=user`, {
      headers: { 'accept-encoding': 'identity' },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(content);
    const header = response.headers.get('content-disposition') ?? '';
    expect(parseContentDisposition(header)).toEqual({ type: 'attachment', parameters: expect.objectContaining({ filename: name }) });
    // The plain `filename=` fallback is ASCII for clients that ignore `filename*`.
    expect(header).toMatch(/^[\x20-\x7e]*$/);
    for (const { module } of clients) {
      const { Sandbox } = module;
      const connected = await Sandbox.connect(sandbox.sandboxId);
      expect(await connected.files.read(`/home/user/names/${name}`)).toBe(content);
    }
  });

  it.each(['/proc/cpuinfo', '/proc/self/status', '/proc/meminfo', '/proc/version', '/proc/self/mountinfo'])(
    'downloads %s to its end although it reports size 0',
    async (path) => {
      const expected = (await sandbox.commands.run(`cat ${path}`)).stdout;
      expect(expected.length).toBeGreaterThan(0);
      for (const { module } of clients) {
        const connected = await module.Sandbox.connect(sandbox.sandboxId);
        const text = await connected.files.read(path);
        expect(text.length).toBeGreaterThan(0);
        // Most of these change between reads (clock rates, free memory, the reader itself), so
        // only their stable first field is compared; /proc/version does not change.
        if (path === '/proc/version') expect(text).toBe(expected);
        else expect(text.split(/[\s:]/)[0]).toBe(expected.split(/[\s:]/)[0]);
      }
      const gzip = await envdFetch(sandbox.sandboxId, `/files?path=${encodeURIComponent(path)}&username=user`, { headers: { 'accept-encoding': 'gzip' } });
      expect(gzip.status).toBe(200);
      expect((await gzip.text()).length).toBeGreaterThan(0);
    },
  );

  it('still sends exactly st_size bytes of a file that grows while it downloads', async () => {
    await sandbox.commands.run('head -c 1000000 /dev/zero > /home/user/growing');
    const grower = await sandbox.commands.run('while true; do head -c 65536 /dev/zero >> /home/user/growing; sleep 0.01; done', { background: true });
    try {
      const response = await envdFetch(sandbox.sandboxId, '/files?path=/home/user/growing&username=user', {
        headers: { 'accept-encoding': 'identity' },
      });
      const length = Number(response.headers.get('content-length'));
      expect(length).toBeGreaterThanOrEqual(1_000_000);
      expect((await response.arrayBuffer()).byteLength).toBe(length);
    } finally {
      await grower.kill();
    }
  });
});
