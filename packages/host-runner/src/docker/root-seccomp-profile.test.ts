import { describe, expect, it } from 'vitest';
import { MOBY_DEFAULT_SECCOMP_PROFILE } from './docker-default-seccomp.js';
import { rootModeSeccompProfile } from './root-seccomp-profile.js';

describe('rootModeSeccompProfile', () => {
  it("is Docker's default with unshare and mount allowed, and nothing else changed", () => {
    const profile = JSON.parse(rootModeSeccompProfile()) as typeof MOBY_DEFAULT_SECCOMP_PROFILE & { syscalls: { names: string[]; action: string }[] };
    expect(profile.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(profile.syscalls.slice(0, -1)).toEqual(JSON.parse(JSON.stringify(MOBY_DEFAULT_SECCOMP_PROFILE.syscalls)));
    expect(profile.syscalls.at(-1)).toMatchObject({ names: ['unshare', 'mount'], action: 'SCMP_ACT_ALLOW' });
    // Docker's default allows neither without CAP_SYS_ADMIN, which sandboxes never have.
    const unconditional = MOBY_DEFAULT_SECCOMP_PROFILE.syscalls.filter(
      (rule) => rule.action === 'SCMP_ACT_ALLOW' && Object.keys(rule.includes ?? {}).length === 0,
    );
    expect(unconditional.some((rule) => (rule.names as readonly string[]).includes('unshare'))).toBe(false);
    expect(unconditional.some((rule) => (rule.names as readonly string[]).includes('mount'))).toBe(false);
  });
});
