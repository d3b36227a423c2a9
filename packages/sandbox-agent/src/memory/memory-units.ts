export const MiB = 1024 * 1024;

/** `140 MiB`: whole MiB, as people read memory. */
export function mib(bytes: number): string {
  return `${Math.round(bytes / MiB)} MiB`;
}
