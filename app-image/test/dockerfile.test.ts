import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { createPools } from '../src/db.js';
import { createLogger } from '../src/logger.js';
import { buildApp } from '../src/server.js';
import { copyParts, dockerignoreMatcher, instructionArgs, parseDockerfile, type Stage } from './support/dockerfile.js';
import { appExtras } from './support/app.js';
import { freePort } from './support/postgres.js';
import { APP_ROOT, testSecrets } from './support/service.js';

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: APP_ROOT, timeout: 120_000, env: { PATH: process.env.PATH ?? '', ...env } }, (err) =>
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1 }),
    );
  });
}

function filesUnder(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel)).flatMap((name) => {
    const r = rel === '' ? name : `${rel}/${name}`;
    return statSync(join(dir, r)).isDirectory() ? filesUnder(dir, r) : [r];
  });
}

function argsOf(stage: Stage, keyword: string): string[][] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => instructionArgs(i.rest));
}

describe('Dockerfile and .dockerignore', function () {
  const dockerfile = readFileSync(join(APP_ROOT, 'Dockerfile'), 'utf8');
  const stages = parseDockerfile(dockerfile);
  const ignored = dockerignoreMatcher(readFileSync(join(APP_ROOT, '.dockerignore'), 'utf8'));
  const final = stages.at(-1) as Stage;

  it('is multi-stage on a pinned node:22 slim or alpine image', function () {
    assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
    for (const s of stages) {
      if (stages.some((o) => o.name === s.image)) continue;
      assert.match(s.image, /^node:22\.\d+\.\d+-(bookworm-slim|alpine[\d.]*)(@sha256:[0-9a-f]{64})?$/);
    }
  });

  it('every COPY source from the context exists and is not excluded by .dockerignore', function () {
    let checked = 0;
    for (const stage of stages) {
      for (const ins of stage.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
        const { flags, sources } = copyParts(ins.rest);
        if (flags.from !== undefined) continue;
        for (const src of sources) {
          assert.ok(!/[*?[]/.test(src), `line ${ins.line}: keep COPY sources literal (${src})`);
          const path = join(APP_ROOT, src);
          assert.ok(existsSync(path), `line ${ins.line}: ${src} does not exist`);
          assert.ok(!ignored(src), `line ${ins.line}: ${src} is excluded by .dockerignore`);
          if (statSync(path).isDirectory()) {
            assert.ok(
              filesUnder(path).some((f) => !ignored(`${src}/${f}`)),
              `${src} is empty once .dockerignore applies`,
            );
          }
          checked += 1;
        }
      }
    }
    assert.ok(checked >= 3);
  });

  it('.dockerignore keeps dependencies, build output, tests and env files out of the context', function () {
    for (const p of [
      'node_modules/pg/package.json',
      'dist/main.js',
      'test/api.test.ts',
      '.env',
      '.env.local',
      'build-test/x.js',
    ]) {
      assert.ok(ignored(p), `${p} must be ignored`);
    }
    for (const p of ['package.json', 'package-lock.json', 'tsconfig.json', 'src/main.ts', 'src/routes/notes.ts']) {
      assert.ok(!ignored(p), `${p} must be in the context`);
    }
  });

  it('the CMD runs the file that `tsc` produces, copied from the build stage', async function () {
    const built = await run(process.execPath, [
      join(APP_ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.json',
    ]);
    assert.equal(built.code, 0, 'npm run build (tsc) succeeds');
    const cmd = argsOf(final, 'CMD').at(-1);
    assert.ok(cmd !== undefined, 'final stage has a CMD');
    assert.equal(cmd[0], 'node');
    const entry = cmd.find((a) => a.endsWith('.js'));
    assert.ok(entry !== undefined, 'CMD names a .js file');

    const workdir = argsOf(final, 'WORKDIR').at(-1)?.[0] ?? '/';
    const entryAbs = posix.resolve(workdir, entry);
    const copy = final.instructions
      .filter((i) => i.keyword === 'COPY')
      .map((i) => copyParts(i.rest))
      .find((c) => c.flags.from !== undefined && entryAbs.startsWith(posix.resolve(workdir, c.dest) + '/'));
    assert.ok(copy !== undefined, `a COPY --from puts ${entryAbs} in place`);
    const buildStage = stages.find((s) => s.name === copy.flags.from);
    assert.ok(buildStage !== undefined, `stage ${copy.flags.from} exists`);
    const buildWorkdir = argsOf(buildStage, 'WORKDIR').at(-1)?.[0] ?? '/';
    const inBuild = posix.join(copy.sources[0] ?? '', posix.relative(posix.resolve(workdir, copy.dest), entryAbs));
    const relToContext = posix.relative(buildWorkdir, inBuild);
    assert.ok(
      argsOf(buildStage, 'RUN').some((r) => r.join(' ').includes('npm run build')),
      'build stage runs npm run build',
    );

    const tsconfig = JSON.parse(readFileSync(join(APP_ROOT, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { outDir: string };
    };
    assert.equal(relToContext.split('/')[0], tsconfig.compilerOptions.outDir);
    assert.ok(existsSync(join(APP_ROOT, relToContext)), `${relToContext} exists after the build`);
  });

  it('the runtime stage installs production dependencies only and runs as a non-root user', function () {
    const runs = argsOf(final, 'RUN').map((r) => r.join(' '));
    assert.ok(
      runs.some((r) => /npm ci\b.*--omit=dev/.test(r)),
      'npm ci --omit=dev',
    );
    const user = argsOf(final, 'USER').at(-1)?.[0];
    assert.ok(user !== undefined, 'final stage sets USER');
    assert.ok(!['root', '0', '0:0', 'root:root'].includes(user), `USER ${user} is not root`);
    assert.deepEqual(argsOf(final, 'EXPOSE'), [['8080']]);
  });

  it('declares no secrets in any layer', function () {
    for (const stage of stages) {
      for (const ins of stage.instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')) {
        assert.doesNotMatch(ins.rest, /SECRET|PASSWORD|TOKEN|SIGNING_KEY|ACCESS_KEY|DATABASE_URL/i, `line ${ins.line}`);
      }
      for (const ins of stage.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
        for (const src of copyParts(ins.rest).sources) assert.doesNotMatch(src, /\.env|\.pem$|\.key$|^\.$/);
      }
    }
  });

  it('has a HEALTHCHECK that uses node itself and passes against a running service', async function () {
    const hc = final.instructions.filter((i) => i.keyword === 'HEALTHCHECK').at(-1);
    assert.ok(hc !== undefined, 'final stage has a HEALTHCHECK');
    const cmdAt = hc.rest.indexOf('CMD');
    assert.ok(cmdAt >= 0);
    const args = instructionArgs(hc.rest.slice(cmdAt + 3));
    assert.equal(args[0], 'node', 'slim images have no curl');
    assert.match(hc.rest.slice(0, cmdAt), /--timeout=\d+s/);

    const logger = createLogger('silent');
    const deadDb = await freePort();
    const pools = createPools(
      {
        writer: { host: '127.0.0.1', port: deadDb, database: 'none' },
        reader: undefined,
        credentials: { kind: 'inline' },
        sslMode: 'require',
        sslCaFile: undefined,
        poolMax: 1,
      },
      {
        writer: { user: 'x', password: testSecrets.signingKey },
        reader: { user: 'x', password: testSecrets.signingKey },
      },
      undefined,
      logger,
    );
    const app = buildApp(
      {
        pools,
        s3: new S3Client({ region: 'us-east-1' }),
        bucket: 'b',
        signingKey: testSecrets.signingKey,
        ...appExtras(),
      },
      logger,
    );
    const port = await freePort();
    await app.listen({ port, host: '127.0.0.1' });
    try {
      assert.deepEqual(await run(process.execPath, args.slice(1), { PORT: String(port) }), { code: 0 });
    } finally {
      await app.close();
      await pools.close();
    }
    assert.deepEqual(
      await run(process.execPath, args.slice(1), { PORT: String(port) }),
      { code: 1 },
      'fails once the service is gone',
    );
  });
});

describe('dockerignore matcher', function () {
  const table: { rules: string; path: string; ignored: boolean }[] = [
    { rules: 'node_modules', path: 'node_modules/a/b.js', ignored: true },
    { rules: '*.log', path: 'npm-debug.log', ignored: true },
    { rules: '*.log', path: 'logs/a.log', ignored: false },
    { rules: '**/*.log', path: 'logs/a.log', ignored: true },
    { rules: '.env.*', path: '.env.production', ignored: true },
    { rules: 'docs\n!docs/keep.md', path: 'docs/keep.md', ignored: false },
    { rules: 'docs\n!docs/keep.md', path: 'docs/drop.md', ignored: true },
    { rules: '/dist/', path: 'dist/main.js', ignored: true },
    { rules: 'src/*.test.ts', path: 'src/main.ts', ignored: false },
  ];
  for (const row of table) {
    it(`${JSON.stringify(row.rules)} ${row.ignored ? 'ignores' : 'keeps'} ${row.path}`, function () {
      assert.equal(dockerignoreMatcher(row.rules)(row.path), row.ignored);
    });
  }
});
