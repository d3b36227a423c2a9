/** The image a rootfs build produces, whichever source builds it. */
export interface RootfsTarget {
  repo: string;
  tag: string;
  labels: Record<string, string>;
}
