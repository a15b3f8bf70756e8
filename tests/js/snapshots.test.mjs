// Collection and full snapshots through the official Qdrant JS client
// (@qdrant/js-client-rest 1.19.0) against a real amber binary: create, list,
// download, recover from a URL, a file and an upload, checksums, delete.
//
// Expectations come from Qdrant's documented behaviour
// (shared/reference/qdrant-api-notes.md §3, §8) and the deviations Amber
// documents on purpose (docs/snapshots.md). Tests run in order and share one
// server and the snapshot taken in the second test.

import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { useServer, connect, apiError, errorMessage } from './server.mjs';
import { rng, randomVector } from './fixtures.mjs';

const SRC = 'snap_src';
const FROM_URL = 'snap_from_url';
const FROM_FILE = 'snap_from_file';
const FROM_UPLOAD = 'snap_from_upload';
const DIM = 16;
const N = 200;
const KNOWN_ID = 42;

const srv = useServer({ name: 'snapshots' });
let server;
let client;
let snap; // SnapshotDescription of the snapshot taken from SRC with 200 points

const points = (() => {
  const rand = rng(11);
  const out = [];
  for (let id = 1; id <= N; id++) {
    out.push({
      id,
      vector: randomVector(rand, DIM),
      payload: { n: id, group: `g${id % 7}`, even: id % 2 === 0, nested: { tags: [`t${id % 3}`, 'all'], score: id / 8 } },
    });
  }
  return out;
})();
const byId = new Map(points.map((p) => [p.id, p]));

before(async () => {
  server = await srv.ready;
  ({ client } = await connect(server.url));
});

const snapshotURL = (collection, name) => `${server.url}/collections/${collection}/snapshots/${name}`;
const names = (list) => list.map((s) => s.name).sort();

/** GET the snapshot file: its bytes and headers. */
async function download(collection, name) {
  const res = await fetch(snapshotURL(collection, name));
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes };
}

/** The point KNOWN_ID of collection, with payload and vector. */
async function knownPoint(collection) {
  const recs = await client.retrieve(collection, { ids: [KNOWN_ID], with_payload: true, with_vector: true });
  assert.equal(recs.length, 1, `${collection}: point ${KNOWN_ID} missing`);
  return recs[0];
}

/** collection holds exactly the 200 source points, with their payloads. */
async function assertHoldsSource(collection) {
  assert.deepEqual(await client.count(collection, { exact: true }), { count: N }, `${collection}: count`);
  const rec = await knownPoint(collection);
  assert.deepEqual(rec.payload, byId.get(KNOWN_ID).payload, `${collection}: payload of point ${KNOWN_ID}`);
  const src = await knownPoint(SRC);
  assert.deepEqual(rec.vector, src.vector, `${collection}: vector of point ${KNOWN_ID}`);
}

test('setup: a collection of 200 points with payloads', async () => {
  assert.equal(await client.createCollection(SRC, { vectors: { size: DIM, distance: 'Dot' } }), true);
  for (let i = 0; i < N; i += 100) {
    const res = await client.upsert(SRC, { wait: true, points: points.slice(i, i + 100) });
    assert.equal(res.status, 'completed');
  }
  assert.deepEqual(await client.count(SRC), { count: N });
});

test('createSnapshot: name, size and checksum', async () => {
  snap = await client.createSnapshot(SRC, { wait: true });
  assert.ok(snap, 'createSnapshot returned no description');
  assert.ok(snap.name.startsWith(`${SRC}-`), `name ${snap.name} starts with the collection name`);
  assert.ok(snap.name.endsWith('.snapshot'), `name ${snap.name} ends with .snapshot`);
  assert.equal(typeof snap.size, 'number');
  assert.ok(snap.size > 0, `size ${snap.size}`);
  assert.match(snap.checksum, /^[0-9a-f]{64}$/);
  assert.match(snap.creation_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
});

test('listSnapshots: contains it', async () => {
  const list = await client.listSnapshots(SRC);
  const entry = list.find((s) => s.name === snap.name);
  assert.ok(entry, `${snap.name} not in ${JSON.stringify(names(list))}`);
  assert.equal(entry.size, snap.size);
  assert.equal(entry.checksum, snap.checksum);
});

test('download: Content-Length is the size, SHA-256 is the checksum', async () => {
  const { status, headers, bytes } = await download(SRC, snap.name);
  assert.equal(status, 200);
  assert.equal(headers.get('content-length'), String(snap.size));
  assert.equal(bytes.length, snap.size);
  assert.equal(createHash('sha256').update(bytes).digest('hex'), snap.checksum);
});

test('recoverSnapshot: from its HTTP URL into a new collection', async () => {
  assert.deepEqual(await client.collectionExists(FROM_URL), { exists: false });
  const ok = await client.recoverSnapshot(FROM_URL, { location: snapshotURL(SRC, snap.name), checksum: snap.checksum });
  assert.equal(ok, true);
  await assertHoldsSource(FROM_URL);
  const info = await client.getCollection(FROM_URL);
  assert.equal(info.config.params.vectors.size, DIM);
  assert.equal(info.config.params.vectors.distance, 'Dot');
});

test('recoverSnapshot: in place, priority snapshot, replaces what changed since', async () => {
  await client.delete(SRC, { wait: true, points: points.slice(0, 50).map((p) => p.id) });
  await client.upsert(SRC, { wait: true, points: [{ id: 10_000, vector: new Array(DIM).fill(1), payload: { late: true } }] });
  await client.setPayload(SRC, { wait: true, points: [KNOWN_ID], payload: { n: -1, changed: true } });
  assert.deepEqual(await client.count(SRC), { count: N - 50 + 1 });

  const ok = await client.recoverSnapshot(SRC, { location: snapshotURL(SRC, snap.name), priority: 'snapshot' });
  assert.equal(ok, true);
  assert.deepEqual(await client.count(SRC), { count: N });
  assert.deepEqual(await client.retrieve(SRC, { ids: [10_000] }), [], 'a point written after the snapshot is gone');
  const recs = await client.retrieve(SRC, { ids: [1, 50, KNOWN_ID] });
  assert.deepEqual(
    recs.sort((a, b) => a.id - b.id).map((r) => [r.id, r.payload]),
    [1, KNOWN_ID, 50].map((id) => [id, byId.get(id).payload]),
  );
});

test('recoverSnapshot: a wrong checksum is 400 and changes nothing', async () => {
  const wrong = snap.checksum.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  const err = await apiError(() =>
    client.recoverSnapshot(SRC, { location: snapshotURL(SRC, snap.name), priority: 'snapshot', checksum: wrong }),
  );
  assert.equal(err.status, 400, errorMessage(err));
  assert.match(errorMessage(err), /^Checksum mismatch/);
  assert.ok(errorMessage(err).includes(wrong), `message names the checksum given: ${errorMessage(err)}`);
  await assertHoldsSource(SRC);

  const fresh = await apiError(() => client.recoverSnapshot('snap_never', { location: snapshotURL(SRC, snap.name), checksum: wrong }));
  assert.equal(fresh.status, 400);
  assert.deepEqual(await client.collectionExists('snap_never'), { exists: false }, 'a failed recovery creates no collection');
});

test('recoverSnapshot: file:// outside the snapshots folder is 403', async () => {
  const err = await apiError(() => client.recoverSnapshot(FROM_FILE, { location: 'file:///etc/passwd' }));
  assert.equal(err.status, 403, errorMessage(err));
  assert.match(errorMessage(err), /^Forbidden: Snapshot file path must be inside the snapshots directory/);
  assert.deepEqual(await client.collectionExists(FROM_FILE), { exists: false });
});

test('recoverSnapshot: file:// inside the snapshots folder works', async () => {
  const location = pathToFileURL(join(server.dataDir, 'snapshots', SRC, snap.name)).href;
  assert.equal(await client.recoverSnapshot(FROM_FILE, { location }), true);
  await assertHoldsSource(FROM_FILE);
});

test('upload: multipart field `snapshot` recovers into a third collection', async () => {
  const { bytes } = await download(SRC, snap.name);
  const form = new FormData();
  form.append('snapshot', new Blob([bytes]), snap.name);
  const res = await fetch(`${server.url}/collections/${FROM_UPLOAD}/snapshots/upload?priority=snapshot`, { method: 'POST', body: form });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.status, 'ok');
  assert.equal(body.result, true);
  await assertHoldsSource(FROM_UPLOAD);
});

test('deleteSnapshot: true, then gone from the list and the download', async () => {
  assert.equal(await client.deleteSnapshot(SRC, snap.name), true);
  assert.ok(!names(await client.listSnapshots(SRC)).includes(snap.name), 'still listed after delete');
  assert.equal((await download(SRC, snap.name)).status, 404);
  const again = await apiError(() => client.deleteSnapshot(SRC, snap.name));
  assert.equal(again.status, 404);
});

test('two snapshots back to back get distinct names, both listed', async () => {
  const [a, b] = [await client.createSnapshot(SRC), await client.createSnapshot(SRC)];
  assert.notEqual(a.name, b.name);
  const listed = names(await client.listSnapshots(SRC));
  assert.ok(listed.includes(a.name) && listed.includes(b.name), `${a.name} and ${b.name} in ${JSON.stringify(listed)}`);
  for (const s of [a, b]) {
    const { bytes } = await download(SRC, s.name);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), s.checksum, `${s.name}: content matches its checksum`);
  }
});

test('full snapshots: create, list, delete; collection snapshots stay listed', async () => {
  const collections = [SRC, FROM_URL, FROM_FILE, FROM_UPLOAD];
  const before = Object.fromEntries(await Promise.all(collections.map(async (c) => [c, names(await client.listSnapshots(c))])));
  assert.ok(before[SRC].length >= 2);

  const full = await client.createFullSnapshot({ wait: true });
  assert.ok(full.name.endsWith('.snapshot'), full.name);
  assert.ok(full.size > 0);
  assert.match(full.checksum, /^[0-9a-f]{64}$/);
  const listedFull = await client.listFullSnapshots();
  assert.ok(names(listedFull).includes(full.name), `${full.name} in ${JSON.stringify(names(listedFull))}`);

  for (const c of collections) {
    assert.deepEqual(names(await client.listSnapshots(c)), before[c], `${c}: collection snapshots after a full snapshot`);
  }

  const res = await fetch(`${server.url}/snapshots/${full.name}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(res.status, 200);
  assert.equal(createHash('sha256').update(bytes).digest('hex'), full.checksum);

  assert.equal(await client.deleteFullSnapshot(full.name), true);
  assert.ok(!names(await client.listFullSnapshots()).includes(full.name), 'full snapshot still listed after delete');
  for (const c of collections) {
    assert.deepEqual(names(await client.listSnapshots(c)), before[c], `${c}: collection snapshots after deleting the full snapshot`);
  }
});
