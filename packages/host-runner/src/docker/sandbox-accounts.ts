import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import * as tar from 'tar-stream';
import { SANDBOX_USER } from '@codebox/protocol';
import { TemplateAccountsError } from './errors.js';

/** The template's own account files, as built into its image. */
export interface AccountFiles {
  readonly passwd: string;
  readonly group: string;
}

/** What the runner reads out of a template image once: its account files and its system CA bundle. */
export interface TemplateFiles extends AccountFiles {
  /** `/etc/ssl/certs/ca-certificates.crt` (Debian's bundle path), when the image has one. */
  readonly caBundle: string | undefined;
}

/** Where Debian-family images keep the system CA bundle, and where each sandbox gets its own (docker/sandbox-egress-ca.ts). */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** Host paths of one sandbox's account files, bind-mounted read-only over /etc/passwd and /etc/group. */
export interface SandboxAccountPaths {
  readonly passwd: string;
  readonly group: string;
}

/**
 * The template's passwd/group with `user` (and its group) renumbered to the sandbox's host
 * uid/gid. Everything else stays as the template has it, so file owners keep their names and
 * `whoami`, `id -un`, `$HOME` (from passwd) answer `user` and `/home/user` as the SDKs expect.
 */
export function renumberSandboxUser(files: AccountFiles, uid: number, gid: number): AccountFiles {
  let userSeen = false;
  const passwd = mapLines(files.passwd, (fields) => {
    if (fields[0] !== SANDBOX_USER || fields.length < 7) return fields;
    userSeen = true;
    return [fields[0], fields[1] ?? 'x', String(uid), String(gid), ...fields.slice(4)];
  });
  if (!userSeen) throw new TemplateAccountsError('(template)', `its /etc/passwd has no '${SANDBOX_USER}' entry`);
  let groupSeen = false;
  let group = mapLines(files.group, (fields) => {
    if (fields[0] !== SANDBOX_USER || fields.length < 4) return fields;
    groupSeen = true;
    return [fields[0], fields[1] ?? 'x', String(gid), ...fields.slice(3)];
  });
  if (!groupSeen) group = `${group}${group === '' || group.endsWith('\n') ? '' : '\n'}${SANDBOX_USER}:x:${gid}:\n`;
  return { passwd, group };
}

function mapLines(text: string, map: (fields: string[]) => string[]): string {
  return text
    .split('\n')
    .map((line) => (line === '' || line.startsWith('#') ? line : map(line.split(':')).join(':')))
    .join('\n');
}

/** Writes a sandbox's renumbered account files into `<sandboxDir>/etc/` (root-owned, world-readable like /etc). */
export async function writeSandboxAccounts(sandboxDir: string, files: AccountFiles): Promise<SandboxAccountPaths> {
  const dir = join(sandboxDir, 'etc');
  await mkdir(dir, { mode: 0o755 });
  const paths = { passwd: join(dir, 'passwd'), group: join(dir, 'group') };
  await writeFile(paths.passwd, files.passwd, { mode: 0o644, flag: 'wx' });
  await writeFile(paths.group, files.group, { mode: 0o644, flag: 'wx' });
  return paths;
}

/**
 * Reads /etc/passwd, /etc/group and the system CA bundle out of template images, once per image id (images never
 * change, so the cache never goes stale). Docker can only copy files out of a container, so a
 * created-never-started container is made and removed for it.
 */
export class TemplateAccounts {
  private readonly byImageId = new Map<string, Promise<TemplateFiles>>();

  constructor(
    private readonly docker: Dockerode,
    /** Labels probe containers as this runner's, so a runner killed mid-probe collects them at its next start. */
    private readonly runnerName?: string,
  ) {}

  async of(image: string): Promise<TemplateFiles> {
    const imageId = (await this.docker.getImage(image).inspect()).Id;
    let files = this.byImageId.get(imageId);
    if (!files) {
      files = this.read(imageId, image);
      this.byImageId.set(imageId, files);
      // A failure (dockerd hiccup) must not stick to the image for the runner's lifetime.
      files.catch(() => this.byImageId.delete(imageId));
    }
    return files;
  }

  private async read(imageId: string, image: string): Promise<TemplateFiles> {
    const container = await this.docker.createContainer({
      name: `codebox-accounts-${randomBytes(6).toString('hex')}`,
      Image: imageId,
      Entrypoint: [],
      Cmd: ['/nonexistent'],
      Labels: { [ACCOUNTS_PROBE_LABEL]: image, ...(this.runnerName ? { 'codebox.runner': this.runnerName } : {}) },
      NetworkDisabled: true,
      HostConfig: { NetworkMode: 'none', AutoRemove: false },
    });
    try {
      const [passwd, group, caBundle] = await Promise.all([
        fileFromContainer(container, '/etc/passwd'),
        fileFromContainer(container, '/etc/group'),
        fileFromContainer(container, SYSTEM_CA_BUNDLE),
      ]);
      if (passwd === undefined) throw new TemplateAccountsError(image, 'the image has no /etc/passwd');
      return { passwd, group: group ?? '', caBundle };
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }
}

/** Marks the short-lived containers passwd/group are copied out of. */
export const ACCOUNTS_PROBE_LABEL = 'codebox.accounts-probe';

/** Bounds what is read: account files are small, a huge one is not an account file. */
const MAX_ACCOUNT_FILE_BYTES = 4 * 1024 * 1024;

async function fileFromContainer(container: Dockerode.Container, path: string): Promise<string | undefined> {
  let archive: Readable;
  try {
    archive = (await container.getArchive({ path })) as unknown as Readable;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
  return new Promise<string | undefined>((resolve, reject) => {
    const extract = tar.extract();
    let content: string | undefined;
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (data: unknown) => {
        const chunk = data as Buffer;
        size += chunk.length;
        if (size <= MAX_ACCOUNT_FILE_BYTES) chunks.push(chunk);
      });
      stream.on('end', () => {
        if (header.type === 'file' && content === undefined) {
          if (size > MAX_ACCOUNT_FILE_BYTES) {
            reject(new Error(`${path} is larger than ${MAX_ACCOUNT_FILE_BYTES} bytes`));
          } else {
            content = Buffer.concat(chunks).toString('utf8');
          }
        }
        next();
      });
      stream.resume();
    });
    extract.on('finish', () => resolve(content));
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
}
