// Test support: what the sandbox user (uid 1000) must read or run in a host test, staged where
// it can. A fresh clone may sit in a 0700 directory (`git clone . "$(mktemp -d)"`), and then uid
// 1000 reaches nothing of the checkout: not dist/kernels, and not Node when it comes from the
// checkout's own .tools/ (scripts/ensure-node.sh). So tests never point uid 1000 into the checkout.
import { chmodSync, copyFileSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_GID, TEST_UID } from './agent-fixture.js';

const builtKernels = fileURLToPath(new URL('../../dist/kernels', import.meta.url));

export interface SandboxUserFiles extends Disposable {
  /** A world-readable directory of the test's own (0755, owned by the test), removed by close(). */
  readonly dir: string;
  /** A copy of the built kernels (dist/kernels, about 100 KB). */
  readonly kernelsDir: string;
  /** A Node binary uid 1000 can run: this process's own when it can reach it, else a link or copy of it. */
  readonly nodePath: string;
  close(): void;
}

/**
 * Whether `uid`/`gid` can reach `path` (search every directory above it) and has `access` on it
 * (bits of r=4, w=2, x=1), by the mode bits as the kernel checks them for an unprivileged user.
 */
export function reachableBy(path: string, uid: number, gid: number, access: number): boolean {
  const allowed = (target: string, want: number): boolean => {
    const { mode, uid: owner, gid: group } = statSync(target);
    const bits = owner === uid ? (mode >> 6) & 7 : group === gid ? (mode >> 3) & 7 : mode & 7;
    return (bits & want) === want;
  };
  const real = realpathSync(path);
  for (let dir = dirname(real); ; dir = dirname(dir)) {
    if (!allowed(dir, 1)) return false;
    if (dir === dirname(dir)) break;
  }
  return allowed(real, access);
}

/** Stages the built kernels and Node for the sandbox user in a temp dir of the test's own. */
export function stageForSandboxUser(): SandboxUserFiles {
  const dir = mkdtempSync(join(tmpdir(), 'codebox-sandbox-user-'));
  const close = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    // mkdtemp makes 0700; uid 1000 must traverse it.
    chmodSync(dir, 0o755);
    if (!existsSync(join(builtKernels, 'javascript', 'bridge.mjs'))) throw new Error(`${builtKernels} is missing: build the agent package first`);
    const kernelsDir = join(dir, 'kernels');
    cpSync(builtKernels, kernelsDir, { recursive: true });
    // Readable whatever umask the checkout was made with.
    for (const entry of readdirSync(kernelsDir, { recursive: true, withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name);
      chmodSync(path, entry.isDirectory() || (statSync(path).mode & 0o100) !== 0 ? 0o755 : 0o644);
    }
    chmodSync(kernelsDir, 0o755);
    let nodePath = process.execPath;
    if (!reachableBy(nodePath, TEST_UID, TEST_GID, 5)) {
      mkdirSync(join(dir, 'bin'));
      nodePath = join(dir, 'bin', 'node');
      // A hard link costs nothing but shares the mode, so only when the binary itself is
      // executable by others (the usual case: only a directory above it is closed); else a copy.
      try {
        if ((statSync(process.execPath).mode & 0o005) !== 0o005) throw new Error('not executable by others');
        linkSync(process.execPath, nodePath);
      } catch {
        copyFileSync(process.execPath, nodePath);
        chmodSync(nodePath, 0o755);
      }
    }
    return { dir, kernelsDir, nodePath, close, [Symbol.dispose]: close };
  } catch (error) {
    close();
    throw error;
  }
}
