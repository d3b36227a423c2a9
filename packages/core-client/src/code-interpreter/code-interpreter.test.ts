import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, NotFoundError, SandboxError, SandboxNotFoundError, TimeoutError } from '../errors.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { ExecutionError, type OutputMessage } from './execution.js';
import { CodeContextLimitError, KernelCrashLoopError, KernelDiedError, KernelError, KernelOutOfMemoryError, KernelStartError } from './kernel-errors.js';
import type { Result } from './result.js';

/** A scripted code interpreter: answers each path with what the test put in `routes`. */
const routes = new Map<string, (request: IncomingMessage, body: string, response: ServerResponse) => void>();
const seen: { path: string; port: string | undefined; body: string }[] = [];
let server: Server;
let sandbox: Sandbox;

const lines = (...objects: unknown[]) => objects.map((object) => `${JSON.stringify(object)}\n`).join('');

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ path: `${request.method} ${request.url}`, port: request.headers['e2b-sandbox-port'] as string | undefined, body });
      const route = routes.get(`${request.method} ${request.url}`);
      if (route) route(request, body, response);
      else response.writeHead(404).end('Context not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sandbox = await Sandbox.create({ debug: true, sandboxUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('runCode', () => {
  it('sends the request to port 49999 and folds every line into the Execution, calling back in order', async () => {
    routes.set('POST /execute', (_request, _body, response) => {
      response.writeHead(200);
      response.end(
        lines(
          { type: 'stdout', text: 'a\n', timestamp: '2026-01-01T00:00:00.000Z' },
          { type: 'keepalive' },
          { type: 'stderr', text: 'warn\n', timestamp: '2026-01-01T00:00:01.000Z' },
          { type: 'result', text: '<Figure>', png: 'iVBOR', extra: { 'application/vnd.x': 1 }, is_main_result: false },
          { type: 'result', text: '2', is_main_result: true },
          { type: 'something_new', x: 1 },
          { type: 'error', name: 'ValueError', value: 'bad', traceback: 'Traceback\nValueError: bad' },
          { type: 'number_of_executions', execution_count: 7 },
          { type: 'end_of_execution' },
        ),
      );
    });
    const events: string[] = [];
    const stdout: OutputMessage[] = [];
    const results: Result[] = [];
    const execution = await sandbox.runCode('x', {
      language: 'python',
      envs: { A: '1' },
      onStdout: (output) => void (stdout.push(output), events.push('stdout')),
      onStderr: () => void events.push('stderr'),
      onResult: (result) => void (results.push(result), events.push('result')),
      onError: () => void events.push('error'),
    });
    expect(seen.at(-1)).toEqual({ path: 'POST /execute', port: '49999', body: JSON.stringify({ code: 'x', language: 'python', env_vars: { A: '1' } }) });
    expect(events).toEqual(['stdout', 'stderr', 'result', 'result', 'error']);
    expect(stdout).toEqual([{ line: 'a\n', timestamp: Date.parse('2026-01-01T00:00:00.000Z') * 1000, error: false }]);
    expect(execution.logs).toEqual({ stdout: ['a\n'], stderr: ['warn\n'] });
    expect(execution.text).toBe('2');
    expect(execution.executionCount).toBe(7);
    expect(execution.error).toMatchObject({ name: 'ValueError', value: 'bad', traceback: 'Traceback\nValueError: bad' });
    const figure = execution.results[0]!;
    expect(figure.isMainResult).toBe(false);
    expect(figure.formats()).toEqual(['png', 'application/vnd.x']);
    expect(figure.extra).toEqual({ 'application/vnd.x': 1 });
    expect(figure.toJSON()).toMatchObject({ text: '<Figure>', png: 'iVBOR' });
  });

  it('refuses both context and language, and maps 404 to NotFoundError', async () => {
    const context = { id: 'c1', language: 'python', cwd: '/home/user' };
    await expect(sandbox.runCode('1', { context, language: 'python' })).rejects.toBeInstanceOf(InvalidArgumentError);
    routes.set('POST /execute', (_request, _body, response) => void response.writeHead(404).end('Context c1 not found'));
    await expect(sandbox.runCode('1', { context })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('times out a long execution with TimeoutError, closing the stream', async () => {
    let closed = false;
    routes.set('POST /execute', (_request, _body, response) => {
      response.writeHead(200);
      response.write(lines({ type: 'stdout', text: 'started\n' }));
      response.on('close', () => (closed = true));
    });
    await expect(sandbox.runCode('loop', { timeoutMs: 200 })).rejects.toBeInstanceOf(TimeoutError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
  });

  it('aborts with the caller\'s signal: rejects with its reason and closes the stream, which interrupts the code', async () => {
    let closed = false;
    routes.set('POST /execute', (_request, _body, response) => {
      response.writeHead(200);
      response.write(lines({ type: 'stdout', text: 'started\n' }));
      response.on('close', () => (closed = true));
    });
    const controller = new AbortController();
    const stdout: string[] = [];
    const running = sandbox.runCode('loop', {
      signal: controller.signal,
      onStdout: (output) => {
        stdout.push(output.line);
        controller.abort(new Error('user stopped it'));
      },
    });
    await expect(running).rejects.toThrow('user stopped it');
    expect(stdout).toEqual(['started\n']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);

    // Already aborted: no request at all.
    const requests = seen.length;
    await expect(sandbox.runCode('x', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toHaveLength(requests);
  });

  describe('when the stream breaks mid-execution', () => {
    const cutAfterFirstLine = (_request: IncomingMessage, _body: string, response: ServerResponse): void => {
      response.writeHead(200);
      response.write(lines({ type: 'stdout', text: 'started\n' }), () => response.destroy());
    };
    afterEach(() => routes.delete('GET /health'));

    it('says the sandbox was killed or expired when its health check no longer answers', async () => {
      routes.set('POST /execute', cutAfterFirstLine);
      // What the gateway answers for a sandbox that is gone.
      routes.set('GET /health', (_request, _body, response) => void response.writeHead(502).end());
      const stdout: string[] = [];
      const running = sandbox.runCode('loop', { onStdout: (output) => void stdout.push(output.line) });
      await expect(running).rejects.toBeInstanceOf(SandboxNotFoundError);
      await expect(running).rejects.toThrow('the sandbox was killed or expired during the execution');
      expect(stdout).toEqual(['started\n']);
      expect(seen.at(-1)?.path).toBe('GET /health');
    });

    it('names the broken stream when the sandbox still runs', async () => {
      routes.set('POST /execute', cutAfterFirstLine);
      routes.set('GET /health', (_request, _body, response) => void response.writeHead(204).end());
      const failure = await sandbox.runCode('loop').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(SandboxError);
      expect(failure).not.toBeInstanceOf(SandboxNotFoundError);
      expect((failure as Error).message).toMatch(/\/execute response stream broke during the execution/);
    });

    it('passes a callback\'s own error through unchanged', async () => {
      routes.set('POST /execute', (_request, _body, response) => {
        response.writeHead(200);
        response.write(lines({ type: 'stdout', text: 'started\n' }));
      });
      const own = new Error('callback failed');
      await expect(
        sandbox.runCode('loop', {
          onStdout: () => {
            throw own;
          },
        }),
      ).rejects.toBe(own);
    });
  });
});

describe('code contexts', () => {
  it('creates, lists, restarts and removes contexts', async () => {
    const context = { id: 'c9', language: 'javascript', cwd: '/tmp' };
    routes.set('POST /contexts', (_request, body, response) => {
      expect(JSON.parse(body)).toEqual({ language: 'javascript', cwd: '/tmp' });
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(context));
    });
    routes.set('GET /contexts', (_request, _body, response) => void response.writeHead(200).end(JSON.stringify([context])));
    routes.set('POST /contexts/c9/restart', (_request, _body, response) => void response.writeHead(200).end('null'));
    routes.set('DELETE /contexts/c9', (_request, _body, response) => void response.writeHead(200).end('null'));
    expect(await sandbox.createCodeContext({ language: 'javascript', cwd: '/tmp' })).toEqual(context);
    expect(await sandbox.listCodeContexts()).toEqual([context]);
    await sandbox.restartCodeContext(context);
    await sandbox.removeCodeContext('c9');
    await expect(sandbox.removeCodeContext('nope')).rejects.toBeInstanceOf(NotFoundError);
    expect(seen.slice(-5).map((request) => [request.path, request.port])).toEqual([
      ['POST /contexts', '49999'],
      ['GET /contexts', '49999'],
      ['POST /contexts/c9/restart', '49999'],
      ['DELETE /contexts/c9', '49999'],
      ['DELETE /contexts/nope', '49999'],
    ]);
  });
});

describe('kernel failures', () => {
  it('hands kernel errors over as typed ExecutionErrors, and code errors as plain ones', async () => {
    const cases = [
      ['KernelDiedError', KernelDiedError],
      ['KernelOutOfMemoryError', KernelOutOfMemoryError],
      ['KernelStartError', KernelStartError],
      ['KernelCrashLoopError', KernelCrashLoopError],
    ] as const;
    for (const [name, ErrorClass] of cases) {
      routes.set('POST /execute', (_request, _body, response) =>
        void response.writeHead(200).end(lines({ type: 'stdout', text: 'partial\n', timestamp: '2026-01-01T00:00:00.000Z' }, { type: 'error', name, value: 'why', traceback: '' }, { type: 'end_of_execution' })),
      );
      const execution = await sandbox.runCode('x');
      expect(execution.error).toBeInstanceOf(ErrorClass);
      expect(execution.error).toBeInstanceOf(ExecutionError);
      expect(execution.error).toMatchObject({ name, value: 'why' });
      expect(execution.logs.stdout).toEqual(['partial\n']);
    }
    expect(new KernelOutOfMemoryError('n', 'v', '')).toBeInstanceOf(KernelDiedError);
    routes.set('POST /execute', (_request, _body, response) =>
      void response.writeHead(200).end(lines({ type: 'error', name: 'ValueError', value: 'bad', traceback: '' }, { type: 'end_of_execution' })),
    );
    expect((await sandbox.runCode('x')).error).not.toBeInstanceOf(KernelError);
  });

  it('maps 429 from /contexts and /execute to CodeContextLimitError', async () => {
    const refuse = (_request: IncomingMessage, _body: string, response: ServerResponse): void =>
      void response.writeHead(429, 'Too Many Code Contexts (limit 16)').end('this sandbox already has its limit of 16 code contexts');
    routes.set('POST /contexts', refuse);
    routes.set('POST /execute', refuse);
    for (const call of [() => sandbox.createCodeContext({ language: 'r' }), () => sandbox.runCode('1', { language: 'r' })]) {
      const error = await call().catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(CodeContextLimitError);
      expect(error).toBeInstanceOf(SandboxError);
      expect((error as Error).message).toMatch(/limit of 16 code contexts/);
    }
  });
});
