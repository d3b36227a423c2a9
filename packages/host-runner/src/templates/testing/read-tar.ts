import * as tar from 'tar-stream';

export interface TarEntry {
  name: string;
  type: string;
  mode: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
  linkname: string | undefined;
  body: Buffer;
}

/** Test support: every entry of a tar stream, in order, with its header fields and bytes. */
export async function readTar(stream: NodeJS.ReadableStream): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      body.on('end', () => {
        entries.push({
          name: header.name,
          type: header.type ?? 'file',
          mode: header.mode,
          uid: header.uid,
          gid: header.gid,
          linkname: header.linkname ?? undefined,
          body: Buffer.concat(chunks),
        });
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
    stream.on('error', reject);
  });
  stream.pipe(extract as unknown as NodeJS.WritableStream);
  await done;
  return entries;
}
