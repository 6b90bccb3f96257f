import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APP_ROLE, sharedCluster, type PgCluster } from './support/postgres.js';
import { serviceEnv, startService, testSecrets, type ServiceProcess } from './support/service.js';

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the service's INSERT is blocked on the table lock held by the test. */
async function waitForBlockedInsert(cluster: PgCluster, database: string): Promise<void> {
  await waitFor('the INSERT to wait on the table lock', async () => {
    const { rows } = await cluster.admin<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_stat_activity
        WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO notes%'`,
      [database],
    );
    return Number(rows[0]?.n) === 1;
  });
}

function postNote(svc: ServiceProcess, title: string): Promise<Response> {
  return fetch(`${svc.baseUrl}/api/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title }),
  });
}

describe('the compiled service as a process', function () {
  let cluster: PgCluster;

  before(async function () {
    cluster = await sharedCluster();
  });

  it('refuses to start on bad configuration, naming every bad variable, exit 1', async function () {
    const svc = await startService(
      { PORT: 'eighty', DB_SSL_MODE: 'sometimes', SESSION_SIGNING_KEY: 'short' },
      { waitForListening: false, port: 1 },
    );
    const exit = await svc.exited;
    assert.deepEqual(exit, { code: 1, signal: null });
    const line = svc.logs.find((l) => l.level === 'fatal');
    assert.ok(line !== undefined, `a fatal log line; output:\n${svc.output()}`);
    const variables = (line.issues as { variable: string }[]).map((i) => i.variable);
    assert.deepEqual(variables, [
      'PORT',
      'DB_SSL_MODE',
      'DATABASE_URL, DB_SECRET_ARN',
      'SESSION_SIGNING_KEY',
      'ASSETS_BUCKET',
      'AWS_REGION',
    ]);
    assert.ok(!svc.output().includes('"short"'), 'the bad signing key is not echoed');
  });

  it('on SIGTERM stops accepting, lets the in-flight request finish, closes the pools and exits 0', async function () {
    const database = await cluster.createDatabase('sigterm');
    const svc = await startService(serviceEnv(cluster, database));
    const locker = await cluster.adminClient({ database });
    let inflight: Promise<Response> | undefined;
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE notes IN ACCESS EXCLUSIVE MODE');
      inflight = postNote(svc, 'in flight during shutdown');
      await waitForBlockedInsert(cluster, database);

      svc.child.kill('SIGTERM');
      await svc.waitForLog((l) => l.msg === 'shutting down');
      await waitFor('the listener to stop accepting', async () => {
        try {
          const res = await fetch(`${svc.baseUrl}/healthz`);
          return res.status === 503;
        } catch {
          return true;
        }
      });
      assert.equal(svc.child.exitCode, null, 'still running while a request is in flight');
    } finally {
      await locker.query('COMMIT').catch(() => undefined);
      await locker.end();
    }
    const res = await inflight;
    assert.equal(res.status, 201);
    const note = (await res.json()) as { id: string; title: string };
    assert.equal(note.title, 'in flight during shutdown');
    assert.deepEqual(await svc.exited, { code: 0, signal: null });
    await svc.waitForLog((l) => l.msg === 'stopped');
    const stored = await cluster.admin('SELECT title FROM notes WHERE id = $1', [note.id], { database });
    assert.deepEqual(stored.rows, [{ title: 'in flight during shutdown' }]);
  });

  it('gives up after SHUTDOWN_TIMEOUT_MS when a request never finishes, exit 1', async function () {
    const database = await cluster.createDatabase('sigtermslow');
    const svc = await startService({ ...serviceEnv(cluster, database), SHUTDOWN_TIMEOUT_MS: '300' });
    const locker = await cluster.adminClient({ database });
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE notes IN ACCESS EXCLUSIVE MODE');
      const inflight = postNote(svc, 'never finishes').then(
        (r) => r.status,
        () => 'connection closed',
      );
      await waitForBlockedInsert(cluster, database);
      svc.child.kill('SIGTERM');
      assert.deepEqual(await svc.exited, { code: 1, signal: null });
      await svc.waitForLog((l) => l.msg === 'in-flight requests did not finish in time; closing connections');
      assert.equal(await inflight, 'connection closed');
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
  });

  describe('with credentials from Secrets Manager', function () {
    let fake: Server;
    let endpoint: string;
    const requests: { target: string; secretId: string; authorization: string }[] = [];
    const dbArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-test-AbCdEf';
    const appArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:alicerce/app-XyZ123';
    const signingKey = randomBytes(32).toString('base64url');

    before(async function () {
      const secrets: Record<string, object> = {
        [dbArn]: { username: APP_ROLE, password: cluster.appPassword, engine: 'postgres' },
        [appArn]: { sessionSigningKey: signingKey },
      };
      // Speaks just enough of the Secrets Manager JSON protocol for GetSecretValue.
      fake = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString('utf8')));
        req.on('end', () => {
          const { SecretId } = JSON.parse(body) as { SecretId: string };
          requests.push({
            target: String(req.headers['x-amz-target']),
            secretId: SecretId,
            authorization: String(req.headers.authorization),
          });
          const secret = secrets[SecretId];
          res.setHeader('content-type', 'application/x-amz-json-1.1');
          if (secret === undefined) {
            res.statusCode = 400;
            res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'not found' }));
            return;
          }
          res.end(JSON.stringify({ ARN: SecretId, Name: 'x', SecretString: JSON.stringify(secret), VersionId: 'v1' }));
        });
      });
      await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    });

    after(async function () {
      fake.closeAllConnections();
      await new Promise((resolve) => fake.close(resolve));
    });

    it('loads the database user/password and the signing key from their secrets, and logs neither', async function () {
      const database = await cluster.createDatabase('secrets');
      const env = {
        NODE_ENV: 'production',
        DB_SECRET_ARN: dbArn,
        DB_HOST: '127.0.0.1',
        DB_PORT: String(cluster.primaryPort),
        DB_NAME: database,
        APP_SECRET_ARN: appArn,
        ASSETS_BUCKET: 'test-assets',
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
        AWS_ACCESS_KEY_ID: testSecrets.awsAccessKeyId,
        AWS_SECRET_ACCESS_KEY: testSecrets.awsSecretAccessKey,
        LOG_LEVEL: 'debug',
      };
      const svc = await startService(env);
      try {
        assert.equal((await fetch(`${svc.baseUrl}/readyz`)).status, 200);
        for (const title of ['one', 'two']) assert.equal((await postNote(svc, title)).status, 201);
        const page1 = (await (await fetch(`${svc.baseUrl}/api/notes?limit=1`)).json()) as { nextCursor: string };
        assert.match(page1.nextCursor, /^\d+\./);
        const page2 = await fetch(`${svc.baseUrl}/api/notes?limit=1&cursor=${encodeURIComponent(page1.nextCursor)}`);
        assert.equal(page2.status, 200, 'a cursor signed with the key from the secret is accepted');
        const token = randomBytes(16).toString('hex');
        await fetch(`${svc.baseUrl}/healthz`, { headers: { authorization: `Bearer ${token}` } });

        const ids = new Set(requests.map((r) => r.secretId));
        assert.deepEqual([...ids].sort(), [appArn, dbArn].sort());
        for (const r of requests) {
          assert.equal(r.target, 'secretsmanager.GetSecretValue');
          assert.match(r.authorization, /Credential=AKIA[0-9A-F]+\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request/);
        }
        const output = svc.output();
        assert.ok(output.includes('"credentials":"secretsManager"'), 'start-up line says where credentials came from');
        for (const secret of [cluster.appPassword, signingKey, token, testSecrets.awsSecretAccessKey]) {
          assert.ok(!output.includes(secret), 'no secret in the logs');
        }
      } finally {
        await svc.stop();
      }
      assert.deepEqual(await svc.exited, { code: 0, signal: null });
    });

    it('fails to start with a clear message when a secret is missing, exit 1', async function () {
      const database = await cluster.createDatabase('nosecret');
      const svc = await startService(
        {
          DB_SECRET_ARN: dbArn.replace('AbCdEf', 'Gone00'),
          DB_HOST: '127.0.0.1',
          DB_PORT: String(cluster.primaryPort),
          DB_NAME: database,
          SESSION_SIGNING_KEY: testSecrets.signingKey,
          ASSETS_BUCKET: 'test-assets',
          AWS_REGION: 'eu-west-1',
          AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
          AWS_ACCESS_KEY_ID: testSecrets.awsAccessKeyId,
          AWS_SECRET_ACCESS_KEY: testSecrets.awsSecretAccessKey,
          AWS_MAX_ATTEMPTS: '1',
        },
        { waitForListening: false },
      );
      assert.deepEqual(await svc.exited, { code: 1, signal: null });
      const fatal = svc.logs.find((l) => l.msg === 'start failed');
      assert.ok(fatal !== undefined, svc.output());
      assert.match(JSON.stringify(fatal.err), /ResourceNotFoundException|not found/);
    });
  });
});
