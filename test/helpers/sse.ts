/**
 * Reading a raw SSE (or any text) response in a test until what is awaited has arrived. The end of the stream
 * or a deadline fails the test with what was read, instead of spinning on empty reads or hanging the worker.
 */
export type StreamReader = ReadableStreamDefaultReader<Uint8Array>;

export interface ReadUntilOptions {
  /** Text already read from this reader (the returned text continues it). */
  soFar?: string;
  /** @default 10_000 */
  timeoutMs?: number;
  /** Names the awaited text in the error. */
  what?: string;
}

export async function readUntil(
  reader: StreamReader,
  done: (text: string) => boolean,
  options: ReadUntilOptions = {},
): Promise<string> {
  const { soFar = '', timeoutMs = 10_000, what = 'the awaited text' } = options;
  const decoder = new TextDecoder();
  const deadline = Date.now() + timeoutMs;
  let text = soFar;
  while (!done(text)) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, left))),
    );
    const chunk = await Promise.race([reader.read(), expired]).finally(() => clearTimeout(timer));
    if (chunk === 'timeout') {
      await reader.cancel().catch(() => undefined);
      throw new Error(`${what} did not arrive within ${timeoutMs} ms; read so far:\n${tail(text)}`);
    }
    if (chunk.done) throw new Error(`the stream ended before ${what} arrived; read:\n${tail(text)}`);
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text;
}

const tail = (text: string) => (text.length > 2000 ? `…${text.slice(-2000)}` : text);
