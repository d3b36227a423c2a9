// E2B's "Streaming stdout/stderr" example, unchanged but for the import (was: '@e2b/code-interpreter').
// "hello" arrives a second before "world": each line is delivered while the code still runs.
import { Sandbox } from '@codebox/core-client'

async function main() {
  const sandbox = await Sandbox.create()

  await sandbox.runCode('print("hello"); import time; time.sleep(1); print("world")', {
    onStdout: (data) => {
      console.log(data)
    },
    onStderr: (data) => {
      console.log(data)
    },
  })

  await sandbox.kill()
}

main()
