/**
 * Debian policy for package names (lowercase letters, digits, `+`, `-`, `.`; at least two
 * characters, starting alphanumeric). Names end up as debootstrap arguments and in a shell RUN
 * line, so anything else is refused rather than quoted.
 */
const DEBIAN_PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

export function isDebianPackageName(name: string): boolean {
  return DEBIAN_PACKAGE_NAME.test(name);
}
