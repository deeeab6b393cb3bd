/** The MySQL / MariaDB connection pool every cloud-sync MySQL function takes. */
import { createPool, type Connection, type Pool, type PoolOptions } from 'mysql2/promise';

/** What a query helper needs: a pool, or one connection of it inside a transaction. */
export type Queryable = Pick<Connection, 'execute' | 'query'>;

/**
 * A pool for `url` such as mysql://root@127.0.0.1:3306/test. Connects lazily (first query).
 * `options` override the defaults below, e.g. connectionLimit.
 */
export function createMysqlPool(url: string, options: Omit<PoolOptions, 'uri'> = {}): Pool {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`createMysqlPool: not a URL: "${url}" (expected mysql://user[:password]@host:port/database)`);
  }
  if (parsed.protocol !== 'mysql:') throw new Error(`createMysqlPool: "${parsed.protocol}" is not mysql: in ${parsed.origin}`);
  if (parsed.pathname.length <= 1) throw new Error(`createMysqlPool: the URL names no database (mysql://host:port/DATABASE)`);
  const pool = createPool({
    uri: url,
    connectionLimit: 10,
    waitForConnections: true,
    enableKeepAlive: true,
    charset: 'utf8mb4',
    // Only used for JS Date parameters; stored times are read with UNIX_TIMESTAMP, zone-free.
    timezone: 'Z',
    ...options,
  });
  // A connection that drops while no query is running (MySQL cut, restarted) emits 'error'; the
  // pool's own listener is `once`, so a second emission would crash the process. The query in
  // flight, if any, still gets its error, and the pool drops the connection.
  pool.pool.on('connection', (conn) => conn.on('error', () => {}));
  return pool;
}

/** mysql2 errors carry the server's symbolic code (ER_DUP_ENTRY, ER_NO_REFERENCED_ROW_2, ...). */
export function isMysqlError(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** The server could not be reached or the connection broke: no statement of it is at fault. */
export function isConnectionError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'POOL_CLOSED'].includes(code)
  );
}
