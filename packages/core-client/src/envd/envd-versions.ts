import { compareVersions } from 'compare-versions';

/**
 * Agent (envd) versions at which features appear. The runner advertises a version in
 * create/connect responses; the client only uses what that version has, as `e2b` does.
 */
export const ENVD_FEATURES = {
  recursiveWatch: '0.1.4',
  stdinFlag: '0.3.0',
  defaultUser: '0.4.0',
  closeStdin: '0.5.2',
  octetStreamUpload: '0.5.7',
  fileMetadata: '0.6.2',
  watchEntryInfo: '0.6.3',
  watchNetworkMounts: '0.6.4',
} as const;

export type EnvdFeature = keyof typeof ENVD_FEATURES;

/** Version `e2b`'s debug mode assumes for an agent it has not asked. */
export const ENVD_DEBUG_VERSION = '99.99.99';

export function envdSupports(envdVersion: string, feature: EnvdFeature): boolean {
  return compareVersions(envdVersion, ENVD_FEATURES[feature]) >= 0;
}
