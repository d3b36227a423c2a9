import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { API_KEY_PATTERN } from '@codebox/protocol';
import { generateApiKey } from './api-keys.js';

const DEV_KEY_FILE = 'dev-api-key';

/**
 * The development key used when the operator configured none. It is kept in the data
 * directory (mode 0600) so a restarted runner accepts the same key and its re-adopted
 * sandboxes stay reachable by their owner.
 */
export async function loadOrCreateDevApiKey(dataDir: string): Promise<string> {
  const path = join(dataDir, DEV_KEY_FILE);
  try {
    const existing = (await readFile(path, 'utf8')).trim();
    if (API_KEY_PATTERN.test(existing)) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = generateApiKey();
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(path, `${key}\n`, { mode: 0o600 });
  return key;
}
