/**
 * An HTTP proxy in front of a real catalog that forwards everything, but for chosen commits
 * waits until the catalog has answered (so the commit happened) and then loses the answer:
 * either the client connection is destroyed or a 502 is returned instead.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type LossMode = 'reset' | '502';

export class LossyProxy {
  /** One entry per upcoming commit (POST .../tables/<name>): lose its response or pass it. */
  plan: (LossMode | 'pass')[] = [];
  readonly commits: { path: string; upstreamStatus: number; lost: LossMode | undefined }[] = [];
  private server: Server | undefined;

  constructor(private readonly upstream: string) {}

  async start(): Promise<string> {
    const target = new URL(this.upstream);
    this.server = createServer((req, res) => {
      const isCommit = req.method === 'POST' && /\/namespaces\/[^/]+\/tables\/[^/]+$/.test(req.url ?? '');
      const fate = isCommit ? (this.plan.shift() ?? 'pass') : 'pass';
      const up = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (upRes) => {
          const chunks: Buffer[] = [];
          upRes.on('data', (c: Buffer) => chunks.push(c));
          upRes.on('end', () => {
            if (isCommit) this.commits.push({ path: req.url ?? '', upstreamStatus: upRes.statusCode ?? 0, lost: fate === 'pass' ? undefined : fate });
            if (fate === 'reset') return void req.socket.destroy();
            if (fate === '502') {
              res.writeHead(502, { 'Content-Type': 'text/html' });
              return void res.end('<html><body>502 Bad Gateway</body></html>');
            }
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(Buffer.concat(chunks));
          });
        },
      );
      up.on('error', () => req.socket.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}
