// E2B's "Python" example, unchanged but for the import (was: '@e2b/code-interpreter').
import { Sandbox } from '@codebox/core-client'

async function main() {
  const sandbox = await Sandbox.create()

  const execution = await sandbox.runCode(
    `
import requests

response = requests.get("https://httpbin.org/json")
print(response.json())
    `,
    { language: 'python' }
  )

  console.log(execution.logs.stdout)
  // Not in the docs: a request that fails (no internet) raises, so its error is here, not in stdout.
  if (execution.error) console.log(`${execution.error.name}: ${execution.error.value}`)

  await sandbox.kill()
}

main()
