import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback mock of GitHub's artifact service as @actions/artifact v2+ talks to it: the Twirp
// ArtifactService (CreateArtifact → a signed upload URL, FinalizeArtifact) at ACTIONS_RESULTS_URL,
// and the Azure block-blob upload behind that URL (Put Block, Put Block List).

export interface MockArtifactService {
  resultsUrl: string;
  /** ACTIONS_RUNTIME_TOKEN: a JWT whose `scp` names the run and job backend IDs. */
  runtimeToken: string;
  created: Array<{ name: string; workflowRunBackendId: string }>;
  finalized: Array<{ name: string; size: string; hash?: string }>;
  /** The blob the client committed (the zip), once Put Block List arrived. */
  blob(): Buffer | undefined;
  close(): Promise<void>;
}

const read = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

export async function startMockArtifactService(): Promise<MockArtifactService> {
  const runId = '11111111-2222-3333-4444-555555555555';
  const jobId = '66666666-7777-8888-9999-000000000000';
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const runtimeToken = `${b64({ alg: 'none' })}.${b64({ scp: `Actions.GenericRead Actions.Results:${runId}:${jobId}` })}.x`;
  const created: MockArtifactService['created'] = [];
  const finalized: MockArtifactService['finalized'] = [];
  const blocks = new Map<string, Buffer>();
  let committed: Buffer | undefined;
  let base = '';

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const body = await read(req);
    const twirp = '/twirp/github.actions.results.api.v1.ArtifactService/';
    if (req.method === 'POST' && url.pathname === `${twirp}CreateArtifact`) {
      const msg = JSON.parse(body.toString('utf8'));
      created.push({
        name: msg.name,
        workflowRunBackendId: msg.workflowRunBackendId ?? msg.workflow_run_backend_id,
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(
        JSON.stringify({
          ok: true,
          signedUploadUrl: `${base}/blob/${encodeURIComponent(msg.name)}?sig=mock`,
        }),
      );
    }
    if (req.method === 'POST' && url.pathname === `${twirp}FinalizeArtifact`) {
      const msg = JSON.parse(body.toString('utf8'));
      finalized.push({ name: msg.name, size: String(msg.size), hash: msg.hash });
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ ok: true, artifactId: '42' }));
    }
    if (req.method === 'PUT' && url.pathname.startsWith('/blob/')) {
      const headers = {
        'x-ms-request-id': 'mock',
        'x-ms-version': '2025-01-05',
        etag: '"mock"',
        'last-modified': new Date().toUTCString(),
      };
      if (url.searchParams.get('comp') === 'block') {
        blocks.set(url.searchParams.get('blockid') ?? '', body);
        return void res.writeHead(201, headers).end();
      }
      if (url.searchParams.get('comp') === 'blocklist') {
        const ids = [...body.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)</g)].map(
          (m) => m[1] ?? '',
        );
        committed = Buffer.concat(ids.map((id) => blocks.get(id) ?? Buffer.alloc(0)));
        return void res.writeHead(201, headers).end();
      }
      committed = body; // a single Put Blob
      return void res.writeHead(201, headers).end();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    resultsUrl: base,
    runtimeToken,
    created,
    finalized,
    blob: () => committed,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export const sha256Hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');
