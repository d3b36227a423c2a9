import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Where root runners claim sandbox uids (packages/host-runner/src/docker/docker-backend.ts). */
const UID_CLAIMS_DIR = '/run/codebox/sandbox-uids';

export interface LeakCheckOptions {
  runnerName: string;
  dataDir: string;
  /** Sandboxes that are meant to exist still: their container, mount, loop device, files and claim are not leaks. */
  live?: Iterable<string>;
  /**
   * Every sandbox id the test saw (created, or found half-made): a uid claim holding one of them
   * that is not live is a leak. Claims are shared by every runner on the host, so only ids known
   * to be this runner's are judged.
   */
  known?: Iterable<string>;
  /**
   * Whether the runner is stopped: then its network and iptables/ip6tables chains must be gone
   * too, unless sandboxes are live (the chains stay while sandboxes sit on the bridge).
   */
  runnerStopped?: boolean;
  /** Files in the data dir the test itself put there (paths relative to it). */
  ignoreFiles?: Iterable<string>;
}

/**
 * Everything a runner leaves behind that it should not have, as readable lines ([] = clean):
 * containers with its label, mounts under its data dir, loop devices backed by files in it, uid
 * claims of its sandboxes, its iptables/ip6tables chains and network, and files in its data dir.
 */
export function findLeaks(options: LeakCheckOptions): string[] {
  const live = new Set(options.live ?? []);
  const known = new Set([...(options.known ?? []), ...live]);
  const dataDir = options.dataDir.replace(/\/+$/, '');
  const inLiveSandbox = (path: string): boolean =>
    [...live].some((id) => path === join(dataDir, 'sandboxes', id) || path.startsWith(`${join(dataDir, 'sandboxes', id)}/`));
  const leaks: string[] = [];

  for (const line of run('docker', ['ps', '-a', '--filter', `label=codebox.runner=${options.runnerName}`, '--format', '{{.ID}} {{.Names}} {{.State}} {{.Label "codebox.sandbox-id"}}'])) {
    const [, name, state, sandboxId] = line.split(' ');
    if (sandboxId && live.has(sandboxId) && state === 'running') continue;
    leaks.push(`container ${name} (${state}) of runner ${options.runnerName}`);
    if (sandboxId) known.add(sandboxId);
  }

  for (const point of mountPoints()) {
    if (point.startsWith(`${dataDir}/`) && !inLiveSandbox(point)) leaks.push(`mount ${point}`);
  }

  for (const line of run('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE'])) {
    const [device, ...rest] = line.trim().split(/\s+/);
    const backing = rest.join(' ').replace(/ \(deleted\)$/, '');
    if (backing.startsWith(`${dataDir}/`) && !inLiveSandbox(backing)) leaks.push(`loop device ${device} backed by ${rest.join(' ')}`);
  }

  const ignored = new Set(options.ignoreFiles ?? []);
  for (const path of filesUnder(dataDir)) {
    const relative = path.slice(dataDir.length + 1);
    if (ignored.has(relative) || inLiveSandbox(path) || isRunnerStateFile(relative)) continue;
    leaks.push(`file ${path}`);
    const id = /^sandboxes\/([a-z0-9]{20})(\/|$)/.exec(relative)?.[1];
    if (id) known.add(id);
  }

  if (existsSync(UID_CLAIMS_DIR)) {
    for (const name of readdirSync(UID_CLAIMS_DIR)) {
      const holder = readFileSync(join(UID_CLAIMS_DIR, name), 'utf8').trim();
      if (known.has(holder) && !live.has(holder)) leaks.push(`uid claim ${join(UID_CLAIMS_DIR, name)} held by gone sandbox ${holder}`);
    }
  }

  // A sandbox's egress policy chain (CODEBOX-S<sandbox hash>-<runner hash>) lives exactly as long as the sandbox.
  const runnerHash = createHash('sha256').update(options.runnerName).digest('hex').slice(0, 8);
  const liveChains = new Set([...live].map((id) => `CODEBOX-S${createHash('sha256').update(id).digest('hex').slice(0, 8)}-${runnerHash}`));
  for (const line of run('iptables', ['-w', '-S'])) {
    const chain = /^-N (CODEBOX-S[0-9a-f]{8}-(\w+))$/.exec(line);
    if (chain?.[2] === runnerHash && !liveChains.has(chain[1] ?? '') && !(options.runnerStopped && live.size === 0)) leaks.push(`iptables chain ${chain[1]} of a gone sandbox`);
  }

  if (options.runnerStopped && live.size === 0) {
    const h = runnerHash;
    for (const tool of ['iptables', 'ip6tables']) {
      for (const line of run(tool, ['-w', '-S'])) {
        const chain = /^-N (CODEBOX-\w+-(\w+))$/.exec(line);
        if (chain?.[2] === h) leaks.push(`${tool} chain ${chain[1]}`);
      }
    }
    if (run('docker', ['network', 'ls', '--filter', `name=^codebox-${options.runnerName}$`, '--format', '{{.Name}}']).length > 0) {
      leaks.push(`docker network codebox-${options.runnerName}`);
    }
  }
  return leaks;
}

/** What a runner keeps in its data dir by design, live sandboxes or not. */
function isRunnerStateFile(relative: string): boolean {
  return relative === 'templates.lock' || relative === 'templates' || relative === 'dev-api-key' || relative === 'lost+found' || relative.startsWith('templates/');
}

function run(command: string, args: string[]): string[] {
  return execFileSync(command, args, { encoding: 'utf8' }).split('\n').filter((line) => line.trim() !== '');
}

function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((field): field is string => field !== undefined)
    .map((field) => field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
}

/** Every file and directory below `dir` except directories that hold something (those show through their content). */
function filesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(path);
    } catch {
      return;
    }
    for (const name of entries) {
      const child = join(path, name);
      let isDir = false;
      try {
        isDir = statSync(child).isDirectory();
      } catch {
        // vanished meanwhile
      }
      if (isDir && readdirSync(child).length > 0) walk(child);
      else if (!(isDir && name === 'sandboxes' && path === dir)) found.push(child);
    }
  };
  walk(dir);
  return found;
}
