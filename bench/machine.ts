/** The machine a run measured, and the code it measured: recorded with every report. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import type Docker from 'dockerode';
import type { BenchReport, Machine, Runtime } from './report-schema.ts';

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function describeMachine(docker: Docker, runtimes: readonly Runtime[], loadAtStart: readonly number[]): Promise<Machine> {
  const [version, info] = await Promise.all([docker.version(), docker.info() as Promise<{ Driver?: string; Runtimes?: Record<string, unknown> }>]);
  const round = (xs: readonly number[]): number[] => xs.map((x) => Math.round(x * 100) / 100);
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    os: osName(),
    docker: version.Version,
    storageDriver: info.Driver ?? 'unknown',
    runtimes,
    dockerRuntimes: Object.keys(info.Runtimes ?? {}).sort(),
    node: process.version,
    loadAverage: { start: round(loadAtStart), end: round(loadavg()) },
  };
}

export function gitState(root: string): BenchReport['git'] {
  const git = (...args: string[]): string => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
  try {
    return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no') !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}
