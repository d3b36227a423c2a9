// What a signed /files URL costs the runner to match to its sandbox (gateway/signed-file-urls.ts):
// the URL names no sandbox, so each running secure sandbox's signature is computed until one
// matches. Times the real class in-process (no HTTP, no containers) at several sandbox counts,
// for a forged signature (every candidate hashed) and a real one (found on average halfway).
// Run with `node bench/signed-url-lookup.bench.ts` (not CI).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { SignedFileUrls } from '../packages/host-runner/dist/gateway/signed-file-urls.js';
import { fileUrlSignature } from '../packages/host-runner/dist/gateway/file-url-signature.js';
import type { SandboxRecord } from '../packages/host-runner/dist/sandboxes/sandbox-backend.js';
import { percentile } from './stats.ts';

const COUNTS = [10, 100, 1_000, 5_000];
const RUNS = 2_000;

function record(i: number): SandboxRecord {
  return {
    sandboxId: `sbx${i}`,
    tenant: 't',
    templateId: 'base',
    metadata: {},
    allowInternetAccess: false,
    accessToken: randomBytes(24).toString('base64url'),
    startedAt: new Date(),
    expiresAt: new Date(),
    limits: { cpuCount: 1, memoryMiB: 512, diskMiB: 1024, pids: 256 },
    status: 'running',
    agentSocketPath: '/nonexistent',
  };
}

function request(url: string): IncomingMessage {
  return { method: 'GET', url, headers: {}, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
}
const response = { writeHead: () => response, end: () => response } as unknown as ServerResponse;

console.log('sandboxes | forged signature p50 / p95 (ms) | real signature p50 / p95 (ms)');
for (const count of COUNTS) {
  const records = Array.from({ length: count }, (_, i) => record(i));
  let forwarded = 0;
  const urls = new SignedFileUrls({
    candidates: () => records,
    tenantOf: () => 't',
    forward: () => void forwarded++,
    logger: pino({ level: 'silent' }),
    failures: { burst: Number.MAX_SAFE_INTEGER, perSecond: Number.MAX_SAFE_INTEGER },
  });
  const path = '/home/user/report.csv';
  const forged = `/files?path=${encodeURIComponent(path)}&signature=${encodeURIComponent(`v1_${'A'.repeat(43)}`)}`;
  const real = records.map((r) => `/files?path=${encodeURIComponent(path)}&signature=${encodeURIComponent(fileUrlSignature({ operation: 'read', path, user: '', expiration: undefined }, r.accessToken ?? ''))}`);
  const time = (url: () => string): number[] => {
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const target = url();
      const start = performance.now();
      urls.handle(request(target), response);
      ms.push(performance.now() - start);
    }
    return ms;
  };
  time(() => forged); // warm up
  const miss = time(() => forged);
  const hit = time(() => real[Math.floor(Math.random() * count)] ?? forged);
  if (forwarded !== RUNS) throw new Error(`expected ${RUNS} real signatures to be forwarded, got ${forwarded}`);
  const fmt = (ms: number[]) => `${percentile(ms, 50).toFixed(3)} / ${percentile(ms, 95).toFixed(3)}`;
  console.log(`${String(count).padStart(9)} | ${fmt(miss).padStart(31)} | ${fmt(hit).padStart(29)}`);
}
