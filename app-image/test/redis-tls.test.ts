/**
 * How the app reaches a managed Valkey/Redis over TLS, against a real
 * redis-server (Debian `redis-server`, TLS port) and a TLS front on loopback.
 *
 * Sources for the rules these tests hold:
 * - DigitalOcean Managed Valkey presents a Let's Encrypt certificate: "does not require that you download a CA
 *   certificate" (https://docs.digitalocean.com/products/databases/valkey/how-to/connect/); the provider's
 *   `digitalocean_database_ca` (terraform-provider-digitalocean digitalocean/database/datasource_database_ca.go)
 *   returns the cluster's CA for engines that sign with their own (PostgreSQL, MySQL).
 * - Node's `tls.connect` verifies the chain and the host name by default, and sends SNI only when `servername`
 *   is given (https://nodejs.org/api/tls.html#tlsconnectoptions-callback); RFC 6066 section 3 (server_name is a
 *   host name, never an IP address literal).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createServer, rootCertificates, type Server } from 'node:tls';
import type { Redis } from 'ioredis';
import { createRedis, redisTlsOptions } from '../src/redis.js';
import { startRedis, type RedisServer } from './support/redis.js';

/** The first error a connection reports (ioredis retries by itself; the test only needs the reason). */
function firstError(client: Redis): Promise<Error> {
  return new Promise((resolve) => client.once('error', resolve));
}

/** A TLS front on loopback for the plain Redis port, recording the SNI name each client sent. */
async function tlsFront(
  redis: RedisServer,
  key: Buffer,
  cert: Buffer,
): Promise<{ port: number; names: (string | false | null)[]; server: Server }> {
  const names: (string | false | null)[] = [];
  const server = createServer({ key, cert }, (socket) => {
    names.push(socket.servername);
    const upstream = netConnect(redis.port, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, names, server };
}

describe('Redis/Valkey over TLS (rediss://)', function () {
  this.timeout(60_000);
  let redis: RedisServer;
  let dir: string;
  before(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'alicerce-tls-'));
  });
  after(async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the URL host name as SNI (and none for an IP address), keeping the CA file when given', async () => {
    const key = readFileSync(join(dirname(redis.caFile), 'server.key'));
    const cert = readFileSync(redis.caFile);
    const front = await tlsFront(redis, key, cert);
    const client = createRedis(
      { url: `rediss://:${redis.password}@localhost:${front.port}/0`, tls: true, tlsCaFile: redis.caFile },
      'producer',
    );
    try {
      assert.equal(await client.ping(), 'PONG');
      assert.deepEqual(front.names, ['localhost']);
    } finally {
      client.disconnect();
      front.server.close();
    }
    assert.deepEqual(
      redisTlsOptions({ url: 'rediss://default:pw@127.0.0.1:25061', tls: true, tlsCaFile: undefined }),
      {},
    );
    assert.deepEqual(redisTlsOptions({ url: 'rediss://default:pw@[::1]:25061', tls: true, tlsCaFile: undefined }), {});
  });

  it("verifies the server's certificate: without the CA that signed it, the connection is refused", async () => {
    const client = createRedis({ url: redis.tlsUrl(0), tls: true, tlsCaFile: undefined }, 'rateLimit');
    try {
      const err = (await firstError(client)) as NodeJS.ErrnoException;
      assert.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      client.disconnect();
    }
  });

  it('checks the host name: a certificate for another name is refused even from a trusted CA', async () => {
    const keyFile = join(dir, 'other.key');
    const certFile = join(dir, 'other.crt');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=other.test',
        '-addext',
        'subjectAltName=DNS:other.test',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore', timeout: 30_000 },
    );
    const front = await tlsFront(redis, readFileSync(keyFile), readFileSync(certFile));
    const client = createRedis(
      { url: `rediss://:${redis.password}@localhost:${front.port}/0`, tls: true, tlsCaFile: certFile },
      'rateLimit',
    );
    try {
      const err = (await firstError(client)) as NodeJS.ErrnoException;
      assert.equal(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      client.disconnect();
      front.server.close();
    }
  });

  it("trusts the public roots the managed services' certificates chain to, with no CA file", () => {
    // Let's Encrypt (DigitalOcean Valkey) and Amazon Trust Services (ElastiCache): in Node's bundled store,
    // which the image uses (no --use-openssl-ca in the Dockerfile).
    const subjects = rootCertificates.map((pem) => new X509Certificate(pem).subject);
    for (const cn of ['ISRG Root X1', 'ISRG Root X2', 'Amazon Root CA 1']) {
      assert.ok(
        subjects.some((s) => s.split('\n').includes(`CN=${cn}`)),
        cn,
      );
    }
    assert.doesNotMatch(
      readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8'),
      /use-openssl-ca|NODE_TLS_REJECT_UNAUTHORIZED/,
    );
  });
});
