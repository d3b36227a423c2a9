// E2B's "R" example, unchanged but for the import (was: '@e2b/code-interpreter').
import { Sandbox } from '@codebox/core-client'

async function main() {
  const sandbox = await Sandbox.create()

  const execution = await sandbox.runCode(
    `
library(httr)

response <- GET("https://httpbin.org/json")
content <- content(response, "parsed")
print(content)
    `,
    { language: 'r' }
  )

  console.log(execution.logs.stdout)
  // Not in the docs: a request that fails (no internet) stops the cell with an R error, reported here.
  if (execution.error) console.log(`${execution.error.name}: ${execution.error.value}`)

  await sandbox.kill()
}

main()
