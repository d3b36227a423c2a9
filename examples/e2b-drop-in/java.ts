// E2B's "Java" example, unchanged but for the import (was: '@e2b/code-interpreter').
import { Sandbox } from '@codebox/core-client'

async function main() {
  const sandbox = await Sandbox.create()

  const execution = await sandbox.runCode(
    `
import java.net.*;
import java.io.*;

public class Main {
    public static void main(String[] args) throws Exception {
        URL url = new URL("https://httpbin.org/json");
        HttpURLConnection conn = (HttpURLConnection) url.openConnection();
        BufferedReader in = new BufferedReader(new InputStreamReader(conn.getInputStream()));
        String inputLine;
        while ((inputLine = in.readLine()) != null) {
            System.out.println(inputLine);
        }
        in.close();
    }
}
    `,
    { language: 'java' }
  )

  console.log(execution.logs.stdout)
  // Not in the docs: main() throws when the request fails (no internet); the exception is reported here.
  if (execution.error) console.log(`${execution.error.name}: ${execution.error.value}`)

  await sandbox.kill()
}

main()
