/**
 * The unit layer's stand-in for the Codebox runner and its agent (the unit project has no Docker):
 * a real HTTP server on loopback speaking the control-plane REST contract and, on the same port,
 * envd's Connect-RPC (via connect-node), `/files` and `/health`, over a temporary directory.
 *
 * What it is for: (1) recording every request, so unit tests can check what the client sends
 * (headers, paths, bodies) and e2b-wire-parity.test.ts can compare it with what the official SDK
 * sends; (2) answers a real runner cannot be made to give on demand (`failNext`: 400/429/500 with
 * a chosen message, a missing template, a sandbox that vanished); (3) just enough of each RPC for
 * the client's own code (decoding, streaming, error mapping, deadlines) to run end to end.
 *
 * What it must not become: a second agent. Behaviour that belongs to the agent (process table,
 * stdin, connect, signals, inotify events, users, limits) is tested against a real runner in the
 * integration layer (e.g. src/commands/commands.integration.test.ts,
 * src/filesystem/filesystem.integration.test.ts, test/conformance/). Add an RPC here only when a
 * unit test needs its wire or an error a real runner cannot produce on demand.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { Readable } from 'node:stream';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Filesystem, Process, filesystemPb, processPb } from '@codebox/protocol';
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';

export const API_KEY = 'e2b_0123456789abcdef';
export const ACCESS_TOKEN = 'token-abc';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body?: unknown;
}

interface FakeSandbox {
  id: string;
  template: string;
  timeout: number;
  metadata: Record<string, string>;
  envVars: Record<string, string>;
  allowInternet: boolean;
  secure: boolean;
}

export class FakeRunner {
  readonly requests: RecordedRequest[] = [];
  /** What create/connect report as `domain` (null: as a runner from before user ports). */
  domain: string | null = null;
  readonly sandboxes = new Map<string, FakeSandbox>();
  /** Children of Process.Start, killed on stop (a client deadline leaves them running). */
  private readonly children = new Set<ChildProcessWithoutNullStreams>();
  root = '';
  url = '';
  /** Set to make the next control-plane request fail with this status and message. */
  failNext: { status: number; message: string } | undefined;
  private server: Server | undefined;
  private nextId = 1;

  async start(): Promise<void> {
    this.root = await fs.mkdtemp(nodePath.join(tmpdir(), 'codebox-fake-runner-'));
    const connect = connectNodeAdapter({ routes: (router) => this.routes(router) });
    this.server = createServer((req, res) => {
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      void this.handle(req, res, connect).catch((err: unknown) => {
        res.writeHead(500).end(JSON.stringify({ code: 500, message: String(err) }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    await fs.rm(this.root, { recursive: true, force: true });
  }

  /** Requests the gateway received (those naming a sandbox). */
  gatewayRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.headers['e2b-sandbox-id'] !== undefined);
  }

  private resolve(path: string): string {
    const rel = path.startsWith('/') ? path : nodePath.join('/home/user', path);
    return nodePath.join(this.root, rel);
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    connect: (req: IncomingMessage, res: ServerResponse) => void,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.headers['e2b-sandbox-id'] !== undefined) {
      const sandbox = this.sandboxes.get(String(req.headers['e2b-sandbox-id']));
      if (!sandbox) return json(res, 502, { message: 'The sandbox was not found', code: 502 });
      if (sandbox.secure && req.headers['x-access-token'] !== ACCESS_TOKEN) {
        return json(res, 401, { message: 'missing or wrong access token', code: 401 });
      }
      if (url.pathname === '/health') return void res.writeHead(204).end();
      if (url.pathname === '/files') return this.files(req, res, url);
      return connect(req, res);
    }
    if (req.headers['x-api-key'] !== API_KEY) return json(res, 401, { code: 401, message: 'Invalid API key' });
    if (this.failNext) {
      const { status, message } = this.failNext;
      this.failNext = undefined;
      return json(res, status, { code: status, message });
    }
    const body = await readJson(req);
    this.requests[this.requests.length - 1]!.body = body;
    // `e2b` 2.51 uses the /v2 paths for create and connect; both forms are served.
    const path = req.method === 'POST' ? url.pathname.replace(/^\/v2\/sandboxes/, '/sandboxes') : url.pathname;
    const m = /^\/sandboxes\/([a-z0-9]+)(\/timeout|\/connect|\/network)?$/.exec(path);
    if (req.method === 'POST' && path === '/sandboxes') {
      const b = body as Record<string, unknown>;
      if (b.templateID === 'missing') return json(res, 404, { code: 404, message: 'template missing not found' });
      const id = `sbx${String(this.nextId++).padStart(17, '0')}`;
      this.sandboxes.set(id, {
        id,
        template: String(b.templateID),
        timeout: Number(b.timeout),
        metadata: (b.metadata as Record<string, string>) ?? {},
        envVars: (b.envVars as Record<string, string>) ?? {},
        allowInternet: b.allow_internet_access !== false,
        secure: b.secure !== false,
      });
      return json(res, 201, this.sandboxBody(this.sandboxes.get(id)!));
    }
    if (req.method === 'GET' && url.pathname === '/v2/sandboxes') {
      const all = [...this.sandboxes.values()].map((s) => this.detail(s));
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const start = Number(url.searchParams.get('nextToken') ?? 0);
      const page = all.slice(start, start + limit);
      const headers: Record<string, string> = {};
      if (start + limit < all.length) headers['x-next-token'] = String(start + limit);
      return json(res, 200, page, headers);
    }
    if (m) {
      const sandbox = this.sandboxes.get(m[1]!);
      if (!sandbox) return json(res, 404, { code: 404, message: `sandbox ${m[1]} not found` });
      if (req.method === 'DELETE' && !m[2]) {
        this.sandboxes.delete(sandbox.id);
        return void res.writeHead(204).end();
      }
      if (req.method === 'GET' && !m[2]) return json(res, 200, this.detail(sandbox));
      if (req.method === 'POST' && m[2] === '/timeout') {
        sandbox.timeout = Number((body as { timeout: number }).timeout);
        return void res.writeHead(204).end();
      }
      if (req.method === 'POST' && m[2] === '/connect') return json(res, 200, this.sandboxBody(sandbox));
      if (req.method === 'PUT' && m[2] === '/network') {
        res.writeHead(204).end();
        return;
      }
    }
    return json(res, 404, { code: 404, message: `no route ${req.method} ${url.pathname}` });
  }

  private sandboxBody(s: FakeSandbox) {
    return {
      templateID: s.template,
      sandboxID: s.id,
      clientID: 'fake',
      envdVersion: '0.5.7',
      ...(s.secure ? { envdAccessToken: ACCESS_TOKEN } : {}),
      domain: this.domain,
    };
  }

  private detail(s: FakeSandbox) {
    return {
      templateID: s.template,
      sandboxID: s.id,
      clientID: 'fake',
      startedAt: '2026-01-01T00:00:00Z',
      endAt: new Date(Date.parse('2026-01-01T00:00:00Z') + s.timeout * 1000).toISOString(),
      cpuCount: 1,
      memoryMB: 512,
      diskSizeMB: 1024,
      metadata: s.metadata,
      state: 'running',
      envdVersion: '0.5.7',
      allowInternetAccess: s.allowInternet,
    };
  }

  private async files(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.searchParams.get('path');
    if (req.method === 'GET') {
      if (!path) return json(res, 400, { code: 400, message: 'path is required' });
      try {
        const data = await fs.readFile(this.resolve(path));
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
        return void res.end(data);
      } catch {
        return json(res, 404, { code: 404, message: `path ${path} does not exist` });
      }
    }
    const written: Array<{ path: string; name: string; type: 'file' }> = [];
    const save = async (target: string, data: Uint8Array) => {
      const abs = this.resolve(target);
      await fs.mkdir(nodePath.dirname(abs), { recursive: true });
      await fs.writeFile(abs, data);
      written.push({ path: target, name: nodePath.basename(target), type: 'file' });
    };
    const request = new Request('http://fake/files', {
      method: 'POST',
      headers: req.headers as Record<string, string>,
      body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
      duplex: 'half',
    } as RequestInit);
    if (req.headers['content-type']?.startsWith('multipart/form-data')) {
      const form = await request.formData();
      for (const part of form.getAll('file')) {
        if (typeof part === 'string') continue;
        await save(path && form.getAll('file').length === 1 ? path : part.name, new Uint8Array(await part.arrayBuffer()));
      }
    } else {
      if (!path) return json(res, 400, { code: 400, message: 'path is required for octet-stream uploads' });
      await save(path, new Uint8Array(await request.arrayBuffer()));
    }
    return json(res, 200, written);
  }

  private async entry(path: string): Promise<filesystemPb.EntryInfo> {
    const abs = this.resolve(path);
    const st = await fs.lstat(abs).catch(() => {
      throw new ConnectError(`path ${path} does not exist`, Code.NotFound);
    });
    return create(filesystemPb.EntryInfoSchema, {
      name: nodePath.basename(path),
      path,
      type: st.isDirectory() ? filesystemPb.FileType.DIRECTORY : filesystemPb.FileType.FILE,
      size: BigInt(st.size),
      mode: st.mode & 0o777,
      permissions: '-rw-r--r--',
      owner: 'user',
      group: 'user',
      modifiedTime: timestampFromDate(st.mtime),
    });
  }

  private routes(router: ConnectRouter): void {
    const self = this;
    router.service(Filesystem, {
      async stat(req) {
        return { entry: await self.entry(req.path) };
      },
      async makeDir(req) {
        const abs = self.resolve(req.path);
        if (await fs.stat(abs).catch(() => undefined)) throw new ConnectError('already exists', Code.AlreadyExists);
        await fs.mkdir(abs, { recursive: true });
        return { entry: await self.entry(req.path) };
      },
      async move(req) {
        await self.entry(req.source);
        await fs.rename(self.resolve(req.source), self.resolve(req.destination));
        return { entry: await self.entry(req.destination) };
      },
      async remove(req) {
        await self.entry(req.path);
        await fs.rm(self.resolve(req.path), { recursive: true, force: true });
        return {};
      },
      async listDir(req) {
        const names = await fs.readdir(self.resolve(req.path)).catch(() => {
          throw new ConnectError(`directory ${req.path} does not exist`, Code.NotFound);
        });
        return { entries: await Promise.all(names.sort().map((n) => self.entry(nodePath.posix.join(req.path, n)))) };
      },
      // Opens the stream and holds it until the client stops it; no events (they are the agent's).
      async *watchDir(req, ctx) {
        await self.entry(req.path);
        yield { event: { case: 'start', value: {} } };
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      },
    });
    // Start only: the client's run, streaming and deadline code needs a process's output and end;
    // list/connect/stdin/signals are the agent's process table (commands.integration.test.ts).
    router.service(Process, {
      async *start(req, ctx) {
        const config = req.process ?? create(processPb.ProcessConfigSchema, { cmd: '/bin/true' });
        const child = spawn(config.cmd, config.args, { cwd: config.cwd || self.root, env: { ...process.env, ...config.envs } });
        child.stdin.end();
        self.children.add(child);
        const queue: processPb.ProcessEvent[] = [];
        let wake: (() => void) | undefined;
        const push = (event: processPb.ProcessEvent) => {
          queue.push(event);
          wake?.();
        };
        // A PTY start gets its output as `pty` data, both streams in one, as from a terminal (no real one here).
        const data = (output: 'stdout' | 'stderr') => (b: Buffer) =>
          push(create(processPb.ProcessEventSchema, { event: { case: 'data', value: { output: { case: req.pty ? 'pty' : output, value: b } } } }));
        child.stdout.on('data', data('stdout'));
        child.stderr.on('data', data('stderr'));
        child.on('close', (code) => {
          self.children.delete(child);
          push(create(processPb.ProcessEventSchema, { event: { case: 'end', value: { exitCode: code ?? -1, exited: code !== null, status: `exit status ${code}` } } }));
        });
        yield { event: create(processPb.ProcessEventSchema, { event: { case: 'start', value: { pid: child.pid ?? 0 } } }) };
        while (!ctx.signal.aborted) {
          const e = queue.shift();
          if (e) {
            yield { event: e };
            if (e.event.case === 'end') return;
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            ctx.signal.addEventListener('abort', () => resolve(), { once: true });
          });
        }
      },
    });
  }
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  return text ? JSON.parse(text) : undefined;
}
