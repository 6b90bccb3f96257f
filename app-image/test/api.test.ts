import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BODY_LIMIT_BYTES } from '../src/server.js';
import { MAX_UPLOAD_BYTES, UPLOAD_URL_TTL_SECONDS } from '../src/routes/uploads.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { freePort, sharedCluster, type PgCluster } from './support/postgres.js';

async function noteCount(cluster: PgCluster, database: string): Promise<number> {
  const { rows } = await cluster.admin<{ n: string }>('SELECT count(*)::text AS n FROM notes', [], { database });
  return Number(rows[0]?.n);
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('API against a real primary and replica', function () {
  let cluster: PgCluster;
  let database: string;
  let t: TestApp;

  before(async function () {
    cluster = await sharedCluster();
    database = await cluster.createDatabase('api');
    t = await buildTestApp(cluster, database);
    await cluster.waitForReplica();
  });

  after(async function () {
    await t?.close();
  });

  describe('health', function () {
    it('GET /healthz answers 200 without touching the database', async function () {
      const deadPort = await freePort();
      const dead = await buildTestApp(cluster, database, { migrate: false, withReplica: false, writerPort: deadPort });
      try {
        const res = await dead.app.inject({ method: 'GET', url: '/healthz' });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), { status: 'ok' });
        const ready = await dead.app.inject({ method: 'GET', url: '/readyz' });
        assert.equal(ready.statusCode, 503, 'the same app is not ready: its database is unreachable');
      } finally {
        await dead.close();
      }
    });

    it('GET /readyz checks the writer (primary) and the reader (replica)', async function () {
      const res = await t.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), {
        status: 'ready',
        writer: { ok: true, inRecovery: false },
        reader: { ok: true, inRecovery: true, sameAsWriter: false },
      });
    });

    it('GET /readyz stays 200 while the replica is down (reads fall back to the writer) and reports the replica down', async function () {
      await cluster.stopReplica();
      try {
        const res = await t.app.inject({ method: 'GET', url: '/readyz' });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), {
          status: 'ready',
          writer: { ok: true, inRecovery: false },
          reader: { ok: false, sameAsWriter: false },
        });
      } finally {
        await cluster.startReplica();
      }
      await waitUntil('the replica reported up again', async () => {
        const res = await t.app.inject({ method: 'GET', url: '/readyz' });
        return res.statusCode === 200 && res.json().reader.ok === true;
      });
      // Reads return to the replica once its retry delay has passed (the tests after this one read from it).
      await waitUntil('reads back on the replica', async () => {
        const { rows } = await t.pools.reader.query<{ port: number }>('SELECT inet_server_port() AS port');
        return rows[0]?.port === cluster.replicaPort;
      });
    });
  });

  describe('notes', function () {
    it('POST /api/notes writes to the primary and answers 201 with the note', async function () {
      const before = await noteCount(cluster, database);
      const res = await t.app.inject({ method: 'POST', url: '/api/notes', payload: { title: 'first', body: 'hello' } });
      assert.equal(res.statusCode, 201);
      const note = res.json();
      assert.match(note.id, /^[1-9]\d*$/);
      assert.equal(note.title, 'first');
      assert.equal(note.body, 'hello');
      assert.ok(!Number.isNaN(Date.parse(note.createdAt)));
      assert.equal(res.headers.location, `/api/notes/${note.id}`);
      assert.equal(await noteCount(cluster, database), before + 1);
    });

    it('reads are served by the replica: a note is invisible while replay is paused', async function () {
      await cluster.admin('SELECT pg_wal_replay_pause()', [], { server: 'replica' });
      let id: string;
      try {
        const created = await t.app.inject({ method: 'POST', url: '/api/notes', payload: { title: 'lagging' } });
        assert.equal(created.statusCode, 201);
        id = created.json().id;
        const onPrimary = await cluster.admin('SELECT 1 FROM notes WHERE id = $1', [id], { database });
        assert.equal(onPrimary.rowCount, 1, 'the write is on the primary');
        const read = await t.app.inject({ method: 'GET', url: `/api/notes/${id}` });
        assert.equal(read.statusCode, 404, 'the read went to the replica, which has not replayed it yet');
      } finally {
        await cluster.admin('SELECT pg_wal_replay_resume()', [], { server: 'replica' });
      }
      await cluster.waitForReplica();
      const read = await t.app.inject({ method: 'GET', url: `/api/notes/${id}` });
      assert.equal(read.statusCode, 200);
      assert.equal(read.json().title, 'lagging');
    });

    it('the reader pool is connected to a server in recovery, the writer pool is not', async function () {
      const reader = await t.pools.reader.query('SELECT pg_is_in_recovery() AS r, inet_server_port() AS port');
      const writer = await t.pools.writer.query('SELECT pg_is_in_recovery() AS r, inet_server_port() AS port');
      assert.deepEqual(reader.rows[0], { r: true, port: cluster.replicaPort });
      assert.deepEqual(writer.rows[0], { r: false, port: cluster.primaryPort });
    });

    it('GET /api/notes lists newest first, honours limit, and pages with a signed cursor', async function () {
      for (let i = 0; i < 5; i++) {
        const res = await t.app.inject({ method: 'POST', url: '/api/notes', payload: { title: `page ${i}` } });
        assert.equal(res.statusCode, 201);
      }
      await cluster.waitForReplica();
      const total = await noteCount(cluster, database);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const qs: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
        const res = await t.app.inject({ method: 'GET', url: `/api/notes${qs}` });
        assert.equal(res.statusCode, 200);
        const body = res.json() as { items: { id: string }[]; nextCursor: string | null };
        assert.ok(body.items.length <= 2);
        seen.push(...body.items.map((n) => n.id));
        cursor = body.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 100);
      assert.equal(seen.length, total);
      const sorted = [...seen].sort((a, b) => Number(b) - Number(a));
      assert.deepEqual(seen, sorted, 'newest first, no duplicates across pages');
      assert.equal(new Set(seen).size, seen.length);
      const defaults = await t.app.inject({ method: 'GET', url: '/api/notes' });
      assert.equal(defaults.json().items.length, Math.min(total, 20));
    });

    it('GET /api/notes/:id answers 404 for a missing note and 400 for a malformed id', async function () {
      const missing = await t.app.inject({ method: 'GET', url: '/api/notes/999999999' });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error, 'Not Found');
      assert.match(missing.json().message, /not found/);
      for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999999']) {
        const res = await t.app.inject({ method: 'GET', url: `/api/notes/${id}` });
        assert.equal(res.statusCode, 400, `id ${id}`);
        assert.equal(res.json().error, 'Bad Request');
      }
    });

    const badQueries = ['limit=0', 'limit=101', 'limit=ten', 'limit=-1', 'cursor=forged', 'sort=title'];
    for (const qs of badQueries) {
      it(`GET /api/notes?${qs} answers 400`, async function () {
        const res = await t.app.inject({ method: 'GET', url: `/api/notes?${qs}` });
        assert.equal(res.statusCode, 400);
        assert.equal(typeof res.json().message, 'string');
      });
    }

    it('a forged cursor (valid shape, wrong signature) is refused', async function () {
      const res = await t.app.inject({ method: 'GET', url: `/api/notes?cursor=5.${'A'.repeat(22)}` });
      assert.equal(res.statusCode, 400);
      assert.match(res.json().message, /cursor/);
    });
  });

  describe('invalid input gets 4xx with a message and writes nothing', function () {
    const cases: { name: string; status: number; payload: string; contentType?: string; message: RegExp }[] = [
      { name: 'malformed JSON', status: 400, payload: '{"title": "x"', message: /JSON/i },
      { name: 'empty body', status: 400, payload: '', message: /empty/i },
      { name: 'a JSON array', status: 400, payload: '[]', message: /object/ },
      { name: 'missing title', status: 400, payload: '{"body":"b"}', message: /title/ },
      { name: 'empty title', status: 400, payload: '{"title":""}', message: /title/ },
      { name: 'blank title', status: 400, payload: '{"title":"   "}', message: /title/ },
      { name: 'numeric title', status: 400, payload: '{"title":42}', message: /title/ },
      { name: 'title too long', status: 400, payload: JSON.stringify({ title: 'x'.repeat(201) }), message: /title/ },
      {
        name: 'body too long',
        status: 400,
        payload: JSON.stringify({ title: 't', body: 'x'.repeat(10001) }),
        message: /body/,
      },
      { name: 'unknown field', status: 400, payload: '{"title":"t","id":1}', message: /additional/ },
      {
        name: `request body over ${BODY_LIMIT_BYTES} bytes`,
        status: 413,
        payload: JSON.stringify({ title: 't', body: 'x'.repeat(BODY_LIMIT_BYTES) }),
        message: /too large/i,
      },
      {
        name: 'not JSON at all',
        status: 415,
        payload: 'title=x',
        contentType: 'application/x-www-form-urlencoded',
        message: /Unsupported/i,
      },
    ];
    for (const c of cases) {
      it(`${c.name}: ${c.status}`, async function () {
        const before = await noteCount(cluster, database);
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/notes',
          payload: c.payload,
          headers: { 'content-type': c.contentType ?? 'application/json' },
        });
        assert.equal(res.statusCode, c.status);
        assert.match(res.headers['content-type'] ?? '', /application\/json/);
        const body = res.json();
        assert.equal(body.statusCode, c.status);
        assert.match(body.message, c.message);
        assert.equal(typeof body.requestId, 'string');
        assert.equal(await noteCount(cluster, database), before, 'no row written');
      });
    }
  });

  describe('uploads', function () {
    it('POST /api/uploads returns a presigned path-style PUT URL for the custom endpoint', async function () {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/uploads',
        payload: { filename: '../My Photo (1).png', contentType: 'image/png', size: 1234 },
      });
      assert.equal(res.statusCode, 201);
      const ticket = res.json();
      assert.match(ticket.key, /^uploads\/[0-9a-f-]{36}\/My_Photo_1_.png$/);
      assert.equal(ticket.method, 'PUT');
      assert.deepEqual(ticket.headers, { 'content-type': 'image/png', 'content-length': '1234' });
      const url = new URL(ticket.url);
      assert.equal(url.origin, 'http://127.0.0.1:9000');
      assert.equal(url.pathname, `/test-assets/${ticket.key}`);
      assert.equal(url.searchParams.get('X-Amz-Expires'), String(UPLOAD_URL_TTL_SECONDS));
      assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'content-length;content-type;host');
      assert.match(url.searchParams.get('X-Amz-Credential') ?? '', /\/us-east-1\/s3\/aws4_request$/);
      assert.match(url.searchParams.get('X-Amz-Signature') ?? '', /^[0-9a-f]{64}$/);
    });

    const bad = [
      { name: 'missing size', payload: { filename: 'a.txt', contentType: 'text/plain' } },
      { name: 'size as a string', payload: { filename: 'a.txt', contentType: 'text/plain', size: '10' } },
      {
        name: 'size over the limit',
        payload: { filename: 'a.txt', contentType: 'text/plain', size: MAX_UPLOAD_BYTES + 1 },
      },
      { name: 'bad content type', payload: { filename: 'a.txt', contentType: 'text', size: 10 } },
      { name: 'empty filename', payload: { filename: '', contentType: 'text/plain', size: 10 } },
    ];
    for (const c of bad) {
      it(`POST /api/uploads with ${c.name}: 400`, async function () {
        const res = await t.app.inject({ method: 'POST', url: '/api/uploads', payload: c.payload });
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().error, 'Bad Request');
      });
    }
  });

  describe('request ids and logs', function () {
    it('honours an incoming x-request-id and returns it', async function () {
      const id = `req-${randomBytes(6).toString('hex')}`;
      const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': id } });
      assert.equal(res.headers['x-request-id'], id);
      const line = t
        .logText()
        .split('\n')
        .find((l) => l.includes(id));
      assert.ok(line !== undefined, 'the request id is in the logs');
      assert.equal(JSON.parse(line).requestId, id);
    });

    it('generates a request id when none (or a malformed one) is sent', async function () {
      const none = await t.app.inject({ method: 'GET', url: '/healthz' });
      assert.match(String(none.headers['x-request-id']), /^[0-9a-f-]{36}$/);
      const bad = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'a b\nc' } });
      assert.match(String(bad.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    });

    it('never logs the Authorization header or the database password', async function () {
      const token = randomBytes(16).toString('hex');
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/notes',
        payload: '{bad',
        headers: { authorization: `Bearer ${token}`, cookie: `session=${token}`, 'content-type': 'application/json' },
      });
      assert.equal(res.statusCode, 400);
      const logs = t.logText();
      assert.ok(logs.length > 0);
      assert.ok(!logs.includes(token), 'token not logged');
      assert.ok(!logs.includes(cluster.appPassword), 'password not logged');
      for (const line of logs.trim().split('\n')) JSON.parse(line);
    });

    it('unknown routes answer a JSON 404', async function () {
      const res = await t.app.inject({ method: 'GET', url: '/nope?x=1' });
      assert.equal(res.statusCode, 404);
      assert.deepEqual(Object.keys(res.json()).sort(), ['error', 'message', 'requestId', 'statusCode']);
      assert.equal(res.json().message, 'route GET /nope not found');
    });
  });

  describe('reader fallback and TLS modes', function () {
    it('without a replica, reads go to the writer', async function () {
      const solo = await buildTestApp(cluster, database, { withReplica: false, migrate: false });
      try {
        assert.equal(solo.pools.reader, solo.pools.writer);
        const ready = await solo.app.inject({ method: 'GET', url: '/readyz' });
        assert.equal(ready.statusCode, 200);
        assert.deepEqual(ready.json().reader, { ok: true, inRecovery: false, sameAsWriter: true });
        const created = await solo.app.inject({ method: 'POST', url: '/api/notes', payload: { title: 'solo' } });
        const read = await solo.app.inject({ method: 'GET', url: `/api/notes/${created.json().id}` });
        assert.equal(read.statusCode, 200, 'read-your-writes holds on the writer');
      } finally {
        await solo.close();
      }
    });

    it('connections use TLS (require mode)', async function () {
      const { rows } = await t.pools.writer.query<{ ssl: boolean }>(
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      );
      assert.deepEqual(rows, [{ ssl: true }]);
    });

    it('DB_SSL_MODE=disable is refused by a server that requires TLS', async function () {
      const plain = await buildTestApp(cluster, database, { sslMode: 'disable', withReplica: false, migrate: false });
      try {
        await assert.rejects(plain.pools.writer.query('SELECT 1'), /no encryption/);
      } finally {
        await plain.close();
      }
    });

    it('verify-full succeeds with the server CA and fails without it', async function () {
      const ca = readFileSync(cluster.caFile, 'utf8');
      const verified = await buildTestApp(cluster, database, {
        sslMode: 'verify-full',
        ca,
        withReplica: false,
        migrate: false,
      });
      const unverified = await buildTestApp(cluster, database, {
        sslMode: 'verify-full',
        withReplica: false,
        migrate: false,
      });
      try {
        const { rows } = await verified.pools.writer.query<{ one: number }>('SELECT 1 AS one');
        assert.deepEqual(rows, [{ one: 1 }]);
        await assert.rejects(unverified.pools.writer.query('SELECT 1'), /self-signed|self signed/);
      } finally {
        await verified.close();
        await unverified.close();
      }
    });
  });
});
