/**
 * Mocha root hooks: stop the shared PostgreSQL cluster, the shared redis-server, and any service child
 * processes after the run, whatever the outcome.
 *
 * @packageDocumentation
 */
import { stopSharedCluster } from './postgres.js';
import { stopSharedRedis } from './redis.js';
import { stopAllServices } from './service.js';

/** Root hook plugin picked up by mocha's `--require`. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopAllServices();
    await Promise.all([stopSharedCluster(), stopSharedRedis()]);
  },
};

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.allSettled([stopAllServices(), stopSharedCluster(), stopSharedRedis()]).finally(() =>
      process.exit(130),
    );
  });
}
