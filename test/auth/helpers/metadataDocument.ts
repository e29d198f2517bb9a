/** A Client ID Metadata Document served the way a client would serve it, for the embedded authorization servers' tests. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { selfSignedCertificate } from '../../../stack/certificate';

/**
 * The library's own fetch refuses loopback addresses (SSRF guard, as it must): servers under test get this
 * plain fetch instead to reach the document on 127.0.0.1.
 */
export const plainFetch: typeof fetch = (url, init) => fetch(url, { ...init, dispatcher: undefined } as RequestInit);

/** An HTTPS server on 127.0.0.1 serving one client metadata document (self-signed, trusted by this process). */
export async function serveMetadataDocument(document: (url: string) => object, options: { delayMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cimd-'));
  // The local stack's certificate (127.0.0.1 and localhost), trusted by this process for the test's fetches.
  const { keyFile, pem: cert } = selfSignedCertificate(dir);
  setDefaultCACertificates([...getCACertificates('default'), cert]);
  let requests = 0;
  let url = '';
  const server: HttpsServer = createHttpsServer({ key: readFileSync(keyFile), cert }, (_req, res) => {
    requests++;
    res.setHeader('content-type', 'application/json');
    setTimeout(() => res.end(JSON.stringify(document(url))), options.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/client.json`;
  return {
    url,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))).finally(() =>
        rmSync(dir, { recursive: true, force: true }),
      ),
  };
}
