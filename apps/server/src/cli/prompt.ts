import { createInterface } from 'node:readline';

interface SecretIo {
  err: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

/**
 * Reads a secret: the first line of stdin when it is piped, or a prompt on a terminal with the typing hidden.
 * Secrets never come from the command line, where they would land in shell history and `ps`.
 */
export async function readSecret(io: SecretIo, question: string): Promise<string> {
  if (!io.stdin.isTTY) {
    let text = '';
    for await (const chunk of io.stdin) text += chunk.toString();
    return text.split(/\r?\n/)[0] ?? '';
  }
  /* v8 ignore start -- needs a real terminal */
  io.err.write(question);
  const rl = createInterface({ input: io.stdin, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  muted._writeToOutput = () => undefined;
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  io.err.write('\n');
  return answer;
  /* v8 ignore stop */
}
