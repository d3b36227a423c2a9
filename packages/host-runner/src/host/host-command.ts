import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { HostCommandError } from './errors.js';

export interface HostCommandOptions {
  /** Every output line goes here at debug level, so long builds show progress. */
  logger?: Logger;
}

/** Keeps the tail of a stream so errors can quote it without holding megabytes of output. */
const TAIL_LINES = 40;

/**
 * Runs a host program (mkfs, mount, iptables, debootstrap) without a shell, so arguments are
 * never re-parsed. Resolves with stdout; rejects with HostCommandError carrying stderr.
 */
export function runHostCommand(file: string, args: readonly string[], options: HostCommandOptions = {}): Promise<string> {
  const command = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: string[] = [];
    const stderrTail: string[] = [];
    const log = options.logger?.child({ command: file });
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout.push(line);
      log?.debug(line);
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > TAIL_LINES) stderrTail.shift();
      log?.debug({ stream: 'stderr' }, line);
    });
    child.on('error', (err) => reject(new HostCommandError(command, null, err.message)));
    child.on('close', (code) => {
      if (code === 0) resolve(stdout.join('\n'));
      else {
        const tail = stderrTail.length > 0 ? stderrTail : stdout.slice(-TAIL_LINES);
        reject(new HostCommandError(command, code, tail.join('\n')));
      }
    });
  });
}
