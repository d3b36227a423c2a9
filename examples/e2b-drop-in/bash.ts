// E2B's "Bash" example, unchanged but for the import (was: '@e2b/code-interpreter').
import { Sandbox } from '@codebox/core-client'

async function main() {
  const sandbox = await Sandbox.create()

  const execution = await sandbox.runCode(
    `
curl -s https://httpbin.org/json
    `,
    { language: 'bash' }
  )

  console.log(execution.logs.stdout)
  // Not in the docs: \`curl -s\` prints nothing when it fails; its exit status is the execution's
  // error (6: could not resolve the host, as without internet).
  if (execution.error) console.log(`${execution.error.name}: ${execution.error.value}`)

  await sandbox.kill()
}

main()
