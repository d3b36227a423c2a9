// Lets a child `node --experimental-transform-types --import <this file> entry.ts` run this
// repository's TypeScript sources unbuilt: their relative imports name `.js` files that exist
// only after `tsc`, so such imports are resolved to the `.ts` source beside them. Node runs
// resolve hooks on a separate thread; only the main thread registers them.
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register(import.meta.url);

export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const url = new URL(specifier, context.parentURL);
    if (!existsSync(fileURLToPath(url))) return next(`${url.href.slice(0, -'.js'.length)}.ts`, context);
  }
  return next(specifier, context);
}
