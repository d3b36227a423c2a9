// E2B's "JavaScript & TypeScript" example, unchanged but for the import (was: '@e2b/code-interpreter').
import { Sandbox } from '@codebox/core-client'

async function main() {
  const sandbox = await Sandbox.create()

  const execution = await sandbox.runCode(
    `
const https = require('https');

https.get('https://httpbin.org/json', (res) => {
  let data = '';
  res.on('data', (chunk) => { data += chunk; });
  res.on('end', () => { console.log(JSON.parse(data)); });
});
    `,
    { language: 'js' }
  )

  console.log(execution.logs.stdout)

  // Not in the docs: https.get() only starts the request, so the cell above ends before any
  // response (or network error) arrives and its stdout is empty either way. Awaiting the
  // request makes the execution wait for it and report the outcome.
  const awaited = await sandbox.runCode(
    `
const response = await fetch('https://httpbin.org/json');
console.log(await response.json());
    `,
    { language: 'js' }
  )
  console.log(awaited.logs.stdout)
  if (awaited.error) console.log(`${awaited.error.name}: ${awaited.error.value}`)

  await sandbox.kill()
}

main()
