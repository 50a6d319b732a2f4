/** All of stdin, read asynchronously (a synchronous read of a pipe whose bytes have not come yet fails: EAGAIN). */
export async function readStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
