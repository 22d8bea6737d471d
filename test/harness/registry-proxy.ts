/**
 * The stack's Schema Registry behind TLS and authentication, the way production puts one behind
 * nginx or an API gateway: an HTTPS reverse proxy (Node's https, certificates from makePki) that
 * forwards to the plain-HTTP registry only requests carrying the right HTTP Basic credentials or
 * bearer token. Two listeners: TLS (server certificate only) and mutual TLS (a client certificate
 * signed by the test CA is required).
 */
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pki } from './secured-broker.js';

export const REGISTRY_USER = { username: 'floe-reader', password: 'registry-pass-6d2f' } as const;
export const REGISTRY_TOKEN = 'registry-token-b81e4c';

export interface RegistryProxy {
  /** https URL of the TLS listener (same path as the upstream URL). */
  tls: string;
  /** https URL of the mutual-TLS listener. */
  mtls: string;
  /** Requests refused with 401. */
  refused: number;
  close(): Promise<void>;
}

export async function startRegistryProxy(upstreamUrl: string, pki: Pki): Promise<RegistryProxy> {
  const upstream = new URL(upstreamUrl);
  const basic = `Basic ${Buffer.from(`${REGISTRY_USER.username}:${REGISTRY_USER.password}`).toString('base64')}`;
  const state = { refused: 0 };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const auth = req.headers.authorization;
    if (auth !== basic && auth !== `Bearer ${REGISTRY_TOKEN}`) {
      state.refused++;
      res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"', 'content-type': 'application/json' }).end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }));
      return;
    }
    const headers = { ...req.headers, host: upstream.host };
    delete headers.authorization;
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', (err) => res.writeHead(502).end(err.message));
    req.pipe(out);
  };
  const key = readFileSync(join(pki.dir, 'server.key'), 'utf8');
  const cert = readFileSync(join(pki.dir, 'server.pem'), 'utf8');
  const ca = readFileSync(pki.ca, 'utf8');
  const servers: Server[] = [createServer({ key, cert }, handle), createServer({ key, cert, ca, requestCert: true, rejectUnauthorized: true }, handle)];
  const ports = await Promise.all(
    servers.map((s) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)))),
  );
  const url = (port: number) => `https://127.0.0.1:${port}${upstream.pathname.replace(/\/$/, '')}`;
  return {
    tls: url(ports[0]!),
    mtls: url(ports[1]!),
    get refused() {
      return state.refused;
    },
    close: async () => {
      await Promise.all(servers.map((s) => new Promise((r) => {
          s.close(r);
          s.closeAllConnections();
        })));
    },
  };
}
