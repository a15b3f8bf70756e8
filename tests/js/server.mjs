// Starts real amber binaries for the JS compatibility suite and connects the
// official Qdrant JS client to them.
//
// The binary is $AMBER_BIN, or else bin/amber at the repository root (two
// folders up from this file). scripts/test.sh builds it and sets AMBER_BIN.
// Each server gets a free port on 127.0.0.1 and its own temporary folder (data
// and log), removed when the test file's process exits, unless a test failed:
// then the folder is kept and the tail of the log is printed to stderr.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { QdrantClient } from '@qdrant/js-client-rest';

export const AMBER_BIN = process.env.AMBER_BIN || fileURLToPath(new URL('../../bin/amber', import.meta.url));

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const LOG_TAIL_LINES = 80;

const started = new Set();

// On exit, kill whatever still runs. If a test in this file failed, print the
// tail of each server's log and keep its folder (data and full log) for a
// look; otherwise remove the folders. This runs in the 'exit' event, so
// everything here is synchronous.
process.on('exit', (code) => {
  for (const s of started) {
    if (s.running()) s.child.kill('SIGKILL');
    if (code !== 0) {
      process.stderr.write(`\n--- amber ${s.name} (${s.url}), full log and data kept in ${s.root}\n${s.logTail()}\n---\n`);
    } else {
      rmSync(s.root, { recursive: true, force: true });
    }
  }
});

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `amber serve` and resolves once GET /readyz answers 200.
 *
 * @param {object} [opts]
 * @param {string} [opts.name]  label used in log output
 * @param {string[]} [opts.args]  extra flags, e.g. ['--api-key', 'k']
 * @param {string} [opts.logLevel]  default $AMBER_LOG_LEVEL or 'info'
 * @returns {Promise<AmberServer>}
 */
export async function startServer({ name = 'server', args = [], logLevel = process.env.AMBER_LOG_LEVEL || 'info' } = {}) {
  if (!existsSync(AMBER_BIN)) {
    throw new Error(
      `amber binary not found at ${AMBER_BIN}: build it with \`go build -o bin/amber ./cmd/amber\` ` +
        'from the repository root, or set AMBER_BIN (scripts/test.sh does both)',
    );
  }
  const root = mkdtempSync(join(tmpdir(), 'amber-js-'));
  const dataDir = join(root, 'data');
  const port = await freePort();
  const server = new AmberServer({
    name,
    root,
    dataDir,
    port,
    argv: ['serve', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir, '--log-level', logLevel, ...args],
  });
  started.add(server);
  server.spawn();
  await server.waitReady();
  return server;
}

/**
 * Registers before/after hooks in the calling test file that start one server
 * for the whole file and stop it at the end. Returns a handle: `server` is
 * set once the server is ready, and `ready` resolves with it. Node 20 starts
 * all top-level before hooks at once, so a hook that needs the server must
 * `await handle.ready` rather than rely on hook order.
 */
export function useServer(opts = {}) {
  const handle = { server: null };
  let resolve;
  let reject;
  handle.ready = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  handle.ready.catch(() => {}); // reported by the hook below
  before(async () => {
    try {
      handle.server = await startServer(opts);
      resolve(handle.server);
    } catch (err) {
      reject(err);
      throw err;
    }
  });
  after(async () => {
    if (!handle.server) return;
    const exit = await handle.server.stop();
    if (exit.code !== 0) {
      throw new Error(`amber ${handle.server.name} did not exit cleanly on SIGTERM: ${JSON.stringify(exit)}\n${handle.server.logTail()}`);
    }
  });
  return handle;
}

export class AmberServer {
  constructor({ name, root, dataDir, port, argv }) {
    this.name = name;
    this.root = root;
    this.dataDir = dataDir;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.argv = argv;
    this.logFile = join(root, 'amber.log');
    this.child = null;
    this.exit = null; // {code, signal} once the process has exited
    this.exited = null; // promise resolved on exit
  }

  spawn() {
    const fd = openSync(this.logFile, 'a');
    try {
      this.child = spawn(AMBER_BIN, this.argv, { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    this.exit = null;
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.child.on('error', (err) => {
        this.exit = { code: null, signal: null, error: err };
        resolve(this.exit);
      });
    });
  }

  running() {
    return this.child !== null && this.exit === null;
  }

  async waitReady() {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (!this.running()) {
        throw new Error(`amber ${this.name} exited before it was ready (${JSON.stringify(this.exit)}):\n${this.logTail()}`);
      }
      try {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
        last = `GET /readyz answered ${res.status}`;
      } catch (err) {
        last = String(err?.cause?.code ?? err);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`amber ${this.name} not ready after ${READY_TIMEOUT_MS} ms (${last}):\n${this.logTail()}`);
  }

  /** SIGTERM, then SIGKILL after 10 s. Resolves with {code, signal}. */
  async stop() {
    if (!this.running()) return this.exit;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  logTail(lines = LOG_TAIL_LINES) {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch (err) {
      return `(no log: ${err.message})`;
    }
  }
}

/**
 * Builds a QdrantClient the way an application would (checkCompatibility on)
 * and waits until the constructor's background version check has finished.
 * Resolves with the client and every console.warn message printed meanwhile.
 *
 * The check is a GET / whose outcome is only visible as a console.warn, so we
 * watch the global fetch for that request and read its body ourselves; after
 * that only in-memory work is left, which a short timer lets finish.
 */
export async function connect(url, params = {}) {
  const warnings = [];
  const origWarn = console.warn;
  const origFetch = globalThis.fetch;
  let rootSeen;
  const rootDone = new Promise((resolve) => {
    rootSeen = resolve;
  });
  const rootURL = new URL('/', url).href;
  globalThis.fetch = async (input, init) => {
    const target = typeof input === 'string' ? input : input.url;
    if (target !== rootURL) return origFetch(input, init);
    try {
      const res = await origFetch(input, init);
      const body = await res.arrayBuffer();
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    } finally {
      rootSeen();
    }
  };
  console.warn = (...args) => warnings.push(args.map(String).join(' '));
  try {
    const client = new QdrantClient({ url, checkCompatibility: true, ...params });
    let timer;
    const giveUp = new Promise((resolve) => {
      timer = setTimeout(resolve, 10_000);
    });
    await Promise.race([rootDone, giveUp]);
    clearTimeout(timer);
    await new Promise((resolve) => setTimeout(resolve, 25));
    return { client, warnings };
  } finally {
    globalThis.fetch = origFetch;
    console.warn = origWarn;
  }
}

/**
 * Runs fn, which must reject with the client's ApiError, and returns that
 * error. ApiError (from @qdrant/openapi-typescript-fetch) is not exported by
 * the client, which throws an anonymous subclass of it; so it is recognised
 * by a class named ApiError in its prototype chain and a numeric status. The
 * parsed response body is in `data`.
 */
export async function apiError(fn) {
  try {
    await fn();
  } catch (err) {
    if (!isApiError(err)) {
      throw new Error(`expected an ApiError, got ${err?.constructor?.name}: ${err?.message}`, { cause: err });
    }
    return err;
  }
  throw new Error('expected the call to reject with an ApiError, but it resolved');
}

function isApiError(err) {
  if (typeof err?.status !== 'number') return false;
  for (let p = Object.getPrototypeOf(err); p; p = Object.getPrototypeOf(p)) {
    if (p.constructor?.name === 'ApiError') return true;
  }
  return false;
}

/** The error message inside a Qdrant error envelope, or the raw text body. */
export function errorMessage(err) {
  const data = err.data;
  if (typeof data === 'string') return data;
  return data?.status?.error ?? JSON.stringify(data);
}
