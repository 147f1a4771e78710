/**
 * The Redis connection of the job queue, from a `redis://` / `rediss://` URL (user, password,
 * host, port, `/db`; TLS with rediss). Connecting waits for the server to answer, so a wrong
 * address or password is one clear error at start, not a silent retry loop; after that ioredis
 * reconnects by itself (workers ride out a Redis restart). The password never appears in a
 * message.
 */
import { Redis } from "ioredis";
import { errorMessage, NetworkError, UsageError } from "../util/errors.js";
import { redactUrl, scrub, urlSecrets } from "../util/redact.js";

/** The scheme check and redacted form of a queue URL. */
export function parseRedisUrl(url: string): { location: string; secrets: string[] } {
  if (!/^rediss?:\/\//i.test(url)) {
    throw new UsageError(
      `--queue takes a redis:// or rediss:// URL, not ${JSON.stringify(redactUrl(url))}`,
    );
  }
  return { location: redactUrl(url), secrets: urlSecrets(url) };
}

/** Connect to Redis (see the module comment); resolves once the server answers. */
export async function connectRedis(url: string, timeoutMs = 10_000): Promise<Redis> {
  const { location, secrets } = parseRedisUrl(url);
  // maxRetriesPerRequest null: BullMQ workers block on Redis and must not give up on a command.
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  let lastError: Error | undefined;
  redis.on("error", (err: Error) => {
    lastError = err;
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(lastError ?? new Error(`no answer in ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      redis.connect().then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (err: Error) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  } catch (err) {
    redis.disconnect();
    // The reason (a refused password, a refused connection) comes as an error event; the
    // promise may only say that the connection closed.
    const reason =
      lastError && lastError !== err ? `${errorMessage(lastError)}` : errorMessage(err);
    const message = scrub(reason, secrets);
    // foreign-error-text: Redis answers a refused login with WRONGPASS / NOAUTH replies only
    if (/WRONGPASS|NOAUTH|invalid password|invalid username/i.test(message)) {
      throw new UsageError(
        `Redis at ${location} refused the credentials: ${message}`,
        "credentials_refused",
      );
    }
    throw new NetworkError(`cannot reach Redis at ${location}: ${message}`, "network_unreachable");
  }
  return redis;
}
