// API keys through the official Qdrant JS client: a server started with
// --api-key and --read-only-api-key. Expected answers follow Qdrant
// (shared/reference/qdrant-api-notes.md section 7): no key or a wrong key is
// 401, a read-only key on a write is 403, and /, /healthz, /livez, /readyz
// need no key.

import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, connect, apiError, errorMessage } from './server.mjs';

const ADMIN_KEY = 'admin-key-for-tests';
const READ_KEY = 'read-only-key-for-tests';

const srv = useServer({ name: 'auth', args: ['--api-key', ADMIN_KEY, '--read-only-api-key', READ_KEY] });
const clients = {};

/** The HTTP status of a plain fetch, body drained. */
async function status(url, init) {
  const res = await fetch(url, init);
  await res.arrayBuffer();
  return res.status;
}

/** Warnings other than the client's note that the key travels over plain http. */
const versionWarnings = (warnings) => warnings.filter((w) => !/unsecure connection/.test(w));

before(async () => {
  const server = await srv.ready;
  for (const [name, apiKey] of [['admin', ADMIN_KEY], ['reader', READ_KEY], ['anonymous', undefined], ['wrong', 'not-a-key']]) {
    clients[name] = await connect(server.url, apiKey === undefined ? {} : { apiKey });
  }
});

test('version check needs no key', () => {
  for (const [name, { warnings }] of Object.entries(clients)) {
    assert.deepEqual(versionWarnings(warnings), [], `client ${name}`);
  }
});

test('admin key: full access', async () => {
  const { client } = clients.admin;
  assert.equal(await client.createCollection('secured', { vectors: { size: 4, distance: 'Dot' } }), true);
  const res = await client.upsert('secured', { wait: true, points: [{ id: 1, vector: [1, 0, 0, 0], payload: { a: 1 } }] });
  assert.equal(res.status, 'completed');
});

test('read-only key: reads work', async () => {
  const { client } = clients.reader;
  assert.deepEqual(await client.getCollections(), { collections: [{ name: 'secured' }] });
  assert.deepEqual(await client.count('secured'), { count: 1 });
  const res = await client.query('secured', { query: [1, 0, 0, 0], limit: 1 });
  assert.deepEqual(res.points.map((p) => p.id), [1]);
});

test('read-only key: writes are 403', async () => {
  const { client } = clients.reader;
  const create = await apiError(() => client.createCollection('forbidden', { vectors: { size: 4, distance: 'Dot' } }));
  assert.equal(create.status, 403);
  assert.match(errorMessage(create), /Forbidden/);
  const upsert = await apiError(() => client.upsert('secured', { wait: true, points: [{ id: 2, vector: [0, 1, 0, 0] }] }));
  assert.equal(upsert.status, 403);
  assert.equal((await apiError(() => client.deleteCollection('secured'))).status, 403);
  assert.deepEqual(await clients.admin.client.count('secured'), { count: 1 }, 'nothing was written');
  assert.deepEqual(await clients.admin.client.collectionExists('forbidden'), { exists: false });
});

test('no key: 401', async () => {
  const err = await apiError(() => clients.anonymous.client.getCollections());
  assert.equal(err.status, 401);
  assert.match(errorMessage(err), /Must provide an API key or an Authorization bearer token/);
});

test('wrong key: 401', async () => {
  const err = await apiError(() => clients.wrong.client.getCollections());
  assert.equal(err.status, 401);
  assert.match(errorMessage(err), /Invalid API key or JWT/);
});

test('Authorization: Bearer is accepted like api-key', async () => {
  const url = `${srv.server.url}/collections`;
  assert.equal(await status(url, { headers: { authorization: `Bearer ${READ_KEY}` } }), 200);
  assert.equal(await status(url, { headers: { authorization: `Bearer ${ADMIN_KEY}x` } }), 401);
  assert.equal(await status(url), 401);
});

test('probes need no key', async () => {
  for (const path of ['/', '/healthz', '/livez', '/readyz']) {
    assert.equal(await status(srv.server.url + path), 200, path);
  }
});
