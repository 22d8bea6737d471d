/** One free-port helper for every test that starts a server (catalogs, daemons' /metrics, Trino). */
import { createServer } from 'node:net';

/** A loopback port nothing listens on right now (the caller's server binds it later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
