import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { SandboxRecord } from '../sandboxes/sandbox-backend.js';
import { fileUrlSignature } from './file-url-signature.js';
import { SignedFileUrls } from './signed-file-urls.js';

function record(sandboxId: string, tenant: string, accessToken?: string): SandboxRecord {
  return {
    sandboxId,
    tenant,
    templateId: 'base',
    metadata: {},
    allowInternetAccess: false,
    ...(accessToken ? { accessToken } : {}),
    startedAt: new Date(0),
    expiresAt: new Date(0),
    limits: { cpuCount: 1, memoryMiB: 512, diskMiB: 1024, pids: 256 },
    status: 'running',
    agentSocketPath: '/nonexistent',
  };
}

const records = [record('sbxa', 'ta', 'token-a'), record('sbxb', 'tb', 'token-b'), record('sbxopen', 'ta')];

function setup() {
  const forwarded: IncomingMessage[] = [];
  const urls = new SignedFileUrls({
    candidates: (tenant) => records.filter((r) => tenant === undefined || r.tenant === tenant),
    tenantOf: (key) => {
      if (key === 'key-a') return 'ta';
      if (key === 'key-b') return 'tb';
      throw new Error('Invalid API key.');
    },
    forward: (req) => void forwarded.push(req),
    logger: pino({ level: 'silent' }),
    failures: { burst: 2, perSecond: 0.001 },
  });
  const call = (url: string, headers: Record<string, string> = {}, method = 'GET', client = '10.0.0.1') => {
    const answer: { status?: number; body?: { code: number; message: string } } = {};
    const res = {
      writeHead: (status: number) => {
        answer.status = status;
        return res;
      },
      end: (payload: string) => {
        answer.body = JSON.parse(payload) as { code: number; message: string };
        return res;
      },
    } as unknown as ServerResponse;
    const req = { method, url, headers: { ...headers }, socket: { remoteAddress: client } } as unknown as IncomingMessage;
    urls.handle(req, res);
    return { answer, req };
  };
  return { forwarded, call };
}

const signed = (token: string, path = 'a.txt') =>
  `/files?path=${path}&signature=${encodeURIComponent(fileUrlSignature({ operation: 'read', path, user: '', expiration: undefined }, token))}`;

describe('SignedFileUrls', () => {
  it('claims only /files requests that name no sandbox', () => {
    const req = (url: string, headers: Record<string, string> = {}) => ({ url, headers }) as unknown as IncomingMessage;
    expect(SignedFileUrls.claims(req('/files?path=a&signature=x'))).toBe(true);
    expect(SignedFileUrls.claims(req('/files'))).toBe(true);
    expect(SignedFileUrls.claims(req('/files?x', { 'e2b-sandbox-id': 'abc' }))).toBe(false);
    expect(SignedFileUrls.claims(req('/sandboxes'))).toBe(false);
  });

  it('routes a signature to the sandbox whose token made it, on envd\'s port', () => {
    const { forwarded, call } = setup();
    const { req } = call(signed('token-b'), { 'e2b-sandbox-port': '8080' });
    expect(forwarded).toEqual([req]);
    expect(req.headers).toMatchObject({ 'e2b-sandbox-id': 'sbxb', 'e2b-sandbox-port': '49983' });
  });

  it('with an API key, looks only among that tenant\'s sandboxes; a bad key is 401', () => {
    const { forwarded, call } = setup();
    expect(call(signed('token-b'), { 'x-api-key': 'key-a' }).answer).toEqual({ status: 401, body: { code: 401, message: 'invalid signature' } });
    call(signed('token-b'), { 'x-api-key': 'key-b' });
    expect(forwarded).toHaveLength(1);
    expect(call(signed('token-b'), { 'x-api-key': 'nope' }).answer.status).toBe(401);
  });

  it('slows a client whose signatures keep matching nothing, and only that client', () => {
    const { call } = setup();
    const forged = `/files?path=a&signature=v1_${'A'.repeat(43)}`;
    expect(call(forged).answer.status).toBe(401);
    expect(call(`/files?path=a&signature=garbage`).answer.status).toBe(401);
    expect(call(forged).answer).toMatchObject({ status: 429 });
    expect(call(forged, {}, 'GET', '10.0.0.2').answer.status).toBe(401);
  });

  it('answers a URL without a signature as envd, saying that it names no sandbox', () => {
    const { call } = setup();
    expect(call('/files?path=a').answer).toMatchObject({ status: 401, body: { message: expect.stringMatching(/^missing signature query parameter: /) } });
    expect(call('/files?signature=x', {}, 'DELETE').answer.status).toBe(405);
  });
});
