import { readFileSync } from 'node:fs';
import { PermissionDeniedError, UnauthenticatedError } from '../errors.js';

export interface SandboxUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/**
 * Users and groups from passwd/group files. Read at every lookup (the files are tiny) so a
 * template that adds users after the agent started is seen without a restart.
 */
export class UserDirectory {
  constructor(
    private readonly passwdPath = '/etc/passwd',
    private readonly groupPath = '/etc/group',
    /** Root mode: the agent runs in the sandbox's user namespace, where uid 0 is an unprivileged host uid. */
    private readonly rootAccess = false,
  ) {}

  /** The caller's user; root is refused unless the sandbox runs in root mode. */
  resolve(name: string): SandboxUser {
    const user = this.users().find((candidate) => candidate.name === name);
    if (!user) throw new UnauthenticatedError(`user '${name}' does not exist in this sandbox; use 'user'`);
    if (user.uid === 0 && !this.rootAccess) {
      throw new PermissionDeniedError(
        `user '${name}' is root: root access is off for this sandbox (the runner's CODEBOX_ROOT_ACCESS, the template's codebox.root-access label, or the runsc (gVisor) runtime, which has no root mode); run as 'user' (omit the user option)`,
      );
    }
    return user;
  }

  userName(uid: number): string {
    return this.users().find((user) => user.uid === uid)?.name ?? String(uid);
  }

  groupName(gid: number): string {
    for (const fields of readColonFile(this.groupPath)) {
      if (Number(fields[2]) === gid && fields[0]) return fields[0];
    }
    return String(gid);
  }

  private users(): SandboxUser[] {
    return readColonFile(this.passwdPath).flatMap((fields) => {
      const [name, , uid, gid, , home] = fields;
      if (!name || uid === undefined || gid === undefined || home === undefined) return [];
      return [{ name, uid: Number(uid), gid: Number(gid), home }];
    });
  }
}

function readColonFile(path: string): string[][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(':'));
}
