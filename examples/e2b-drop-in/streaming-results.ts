// E2B's "Streaming Execution Results" example, unchanged but for the import (was: '@e2b/code-interpreter').
import { Sandbox } from '@codebox/core-client'

async function main() {
  const sandbox = await Sandbox.create()

  await sandbox.runCode('x = 1', {
    onResult: (result) => {
      console.log(result)
    },
  })

  // Not in the docs: \`x = 1\` is an assignment, which has no result, so onResult is not called
  // above (as in E2B). Here a cell with two results: what display() shows, then the last expression.
  await sandbox.runCode('from IPython.display import Markdown, display\ndisplay(Markdown(f"**x** is {x}"))\nx + 1', {
    onResult: (result) => {
      console.log(result)
    },
  })

  await sandbox.kill()
}

main()
