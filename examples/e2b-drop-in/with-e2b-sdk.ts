// Preloaded with `node --import ./with-e2b-sdk.ts program.ts`: resolves the programs' one import,
// '@codebox/core-client', to the official '@e2b/code-interpreter' instead. The programs run
// byte for byte as they are, so the only difference between the two runs is the SDK — exactly
// the one-line change a user makes by hand.
import { registerHooks } from 'node:module'

registerHooks({
  resolve(specifier, context, nextResolve) {
    return nextResolve(specifier === '@codebox/core-client' ? '@e2b/code-interpreter' : specifier, context)
  },
})
