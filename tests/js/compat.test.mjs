// The official Qdrant JS client (@qdrant/js-client-rest 1.19.0) against a real
// amber binary: collections, upserts, counts, queries, scroll, retrieve,
// payload indexes, aliases and error answers.
//
// Expectations come from Qdrant's documented behaviour
// (shared/reference/qdrant-api-notes.md, qdrant-openapi.json), never from
// what Amber happens to do. Tests run in order and share one server; the
// 1000-point collection built early is read by the tests after it.

import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, connect, apiError, errorMessage } from './server.mjs';
import { DIM, N_POINTS, TOPICS, dataset, rng, randomVector, normalize, bruteForce } from './fixtures.mjs';

const MAIN = 'text_384';
const NAMED = 'multi_named';
const SCORE_EPS = 1e-4;

const srv = useServer({ name: 'compat' });
const data = dataset();
let client;
let warnings;

before(async () => {
  const server = await srv.ready;
  ({ client, warnings } = await connect(server.url));
});

/** Ids of query results, and a check that scores run best first. */
function ids(points) {
  for (let i = 1; i < points.length; i++) {
    assert.ok(points[i - 1].score >= points[i].score, `scores not descending at ${i}: ${points[i - 1].score} < ${points[i].score}`);
  }
  return points.map((p) => p.id);
}

/** Server scores match the reference scores for the same ids. */
function assertScores(got, want) {
  assert.deepEqual(got.map((p) => p.id), want.map((p) => p.id));
  got.forEach((p, i) => assert.ok(Math.abs(p.score - want[i].score) < SCORE_EPS, `id ${p.id}: score ${p.score}, want ${want[i].score}`));
}

const queryVector = (() => {
  const rand = rng(7);
  return randomVector(rand, DIM, data.centroids[1], 1.2);
})();

test('constructor: version check passes without a warning', async () => {
  assert.deepEqual(warnings, [], 'console.warn during QdrantClient construction');
  const info = await client.versionInfo();
  assert.match(info.version, /^1\.19(\.|$)/);
});

test('createCollection: 384-dim Cosine and a named-vectors collection', async () => {
  assert.equal(await client.createCollection(MAIN, { vectors: { size: DIM, distance: 'Cosine' } }), true);
  assert.equal(
    await client.createCollection(NAMED, {
      vectors: { image: { size: 4, distance: 'Dot' }, text: { size: 8, distance: 'Cosine' } },
    }),
    true,
  );
  const err = await apiError(() => client.createCollection(MAIN, { vectors: { size: DIM, distance: 'Cosine' } }));
  assert.equal(err.status, 409, errorMessage(err));
  assert.match(errorMessage(err), /already exists/);
});

test('getCollections: exactly the collections, sorted by name', async () => {
  assert.deepEqual(await client.getCollections(), { collections: [{ name: NAMED }, { name: MAIN }] });
});

test('collectionExists', async () => {
  assert.deepEqual(await client.collectionExists(MAIN), { exists: true });
  assert.deepEqual(await client.collectionExists('no_such_collection'), { exists: false });
});

test('upsert: 1000 points in batches with wait, the last 100 in the batch form', async () => {
  const listed = data.points.slice(0, 900);
  for (let i = 0; i < listed.length; i += 100) {
    const res = await client.upsert(MAIN, { wait: true, points: listed.slice(i, i + 100) });
    assert.equal(typeof res.operation_id, 'number');
    assert.equal(res.status, 'completed');
  }
  const rest = data.points.slice(900);
  const res = await client.upsert(MAIN, {
    wait: true,
    batch: { ids: rest.map((p) => p.id), vectors: rest.map((p) => p.vector), payloads: rest.map((p) => p.payload) },
  });
  assert.deepEqual(Object.keys(res).sort(), ['operation_id', 'status']);
  assert.equal(res.status, 'completed');
});

test('getCollection: points_count, vector params, status', async () => {
  const info = await client.getCollection(MAIN);
  assert.equal(info.status, 'green');
  assert.equal(info.points_count, N_POINTS);
  assert.equal(info.config.params.vectors.size, DIM);
  assert.equal(info.config.params.vectors.distance, 'Cosine');
  assert.deepEqual(info.payload_schema, {});
  assert.equal(typeof info.segments_count, 'number');

  const named = await client.getCollection(NAMED);
  assert.equal(named.config.params.vectors.image.size, 4);
  assert.equal(named.config.params.vectors.image.distance, 'Dot');
  assert.equal(named.config.params.vectors.text.size, 8);
  assert.equal(named.config.params.vectors.text.distance, 'Cosine');
});

test('count: exact total', async () => {
  assert.deepEqual(await client.count(MAIN, { exact: true }), { count: N_POINTS });
  assert.deepEqual(await client.count(MAIN), { count: N_POINTS });
});

const FILTERS = [
  ['keyword match', { must: [{ key: 'topic', match: { value: 'biology' } }] }, (p) => p.topic === 'biology'],
  ['integer range', { must: [{ key: 'rank', range: { gte: 10, lt: 20 } }] }, (p) => p.rank >= 10 && p.rank < 20],
  ['match any in array', { must: [{ key: 'tags', match: { any: ['group-1'] } }] }, (p) => p.tags.includes('group-1')],
  ['datetime range', { must: [{ key: 'published', range: { gte: '2024-01-10T00:00:00Z', lt: '2024-01-20T00:00:00Z' } }] },
    (p) => p.published >= '2024-01-10T00:00:00Z' && p.published < '2024-01-20T00:00:00Z'],
  ['should and must_not', {
    should: [{ key: 'topic', match: { value: 'physics' } }, { key: 'topic', match: { value: 'geology' } }],
    must_not: [{ key: 'rank', range: { lt: 50 } }],
  }, (p) => (p.topic === 'physics' || p.topic === 'geology') && !(p.rank < 50)],
];

test('count: with filters', async (t) => {
  for (const [name, filter, where] of FILTERS) {
    await t.test(name, async () => {
      const want = data.points.filter((p) => where(p.payload)).length;
      assert.ok(want > 0 && want < N_POINTS, 'fixture: filter should select some but not all points');
      assert.deepEqual(await client.count(MAIN, { filter, exact: true }), { count: want });
    });
  }
});

test('query: by vector returns the stored point first, scores descending, payload on request', async () => {
  const target = data.byId.get(42);
  const res = await client.query(MAIN, { query: target.vector, limit: 10, with_payload: true });
  assert.equal(res.points.length, 10);
  const got = ids(res.points);
  assert.equal(got[0], 42);
  assert.ok(Math.abs(res.points[0].score - 1) < SCORE_EPS, `self score ${res.points[0].score}`);
  for (const p of res.points) {
    assert.deepEqual(p.payload, data.byId.get(p.id).payload);
    assert.equal(typeof p.version, 'number');
    assert.equal(p.vector, undefined, 'with_vector defaults to false');
  }
  const bare = await client.query(MAIN, { query: target.vector, limit: 3 });
  assert.equal(bare.points[0].payload, undefined, 'with_payload defaults to false for query');
});

test('query: exact search matches brute force', async () => {
  const res = await client.query(MAIN, { query: queryVector, limit: 10, params: { exact: true } });
  assertScores(res.points, bruteForce(data.points, queryVector, { limit: 10 }));
});

test('query: by point id excludes that point', async () => {
  const res = await client.query(MAIN, { query: 42, limit: 10, params: { exact: true } });
  const want = bruteForce(data.points, data.byId.get(42).vector, { limit: 10, exclude: [42] });
  assert.ok(!ids(res.points).includes(42));
  assertScores(res.points, want);
});

test('query: with a filter (keyword match and integer range)', async () => {
  const filter = { must: [{ key: 'topic', match: { value: 'physics' } }, { key: 'rank', range: { gte: 20, lte: 60 } }] };
  const where = (p) => p.topic === 'physics' && p.rank >= 20 && p.rank <= 60;
  const res = await client.query(MAIN, { query: queryVector, filter, limit: 10, with_payload: true, params: { exact: true } });
  for (const p of res.points) assert.ok(where(p.payload), `id ${p.id} does not match the filter`);
  assertScores(res.points, bruteForce(data.points, queryVector, { limit: 10, where }));
});

test('query: score_threshold cuts the result list', async () => {
  const top = bruteForce(data.points, queryVector, { limit: 10 });
  // Put the threshold in the widest gap among the top 10, far from any score.
  let k = 1;
  for (let i = 1; i < top.length - 1; i++) if (top[i - 1].score - top[i].score > top[k - 1].score - top[k].score) k = i;
  assert.ok(top[k - 1].score - top[k].score > 10 * SCORE_EPS, 'fixture: scores too close together');
  const threshold = (top[k - 1].score + top[k].score) / 2;
  const res = await client.query(MAIN, { query: queryVector, limit: 10, score_threshold: threshold, params: { exact: true } });
  assertScores(res.points, top.slice(0, k));
  for (const p of res.points) assert.ok(p.score >= threshold);
});

test('query: offset skips the first results', async () => {
  const res = await client.query(MAIN, { query: queryVector, limit: 5, offset: 5, params: { exact: true } });
  assertScores(res.points, bruteForce(data.points, queryVector, { limit: 5, offset: 5 }));
});

test('scroll: pages of 100 through all points by next_page_offset', async () => {
  const seen = new Set();
  let offset;
  let pages = 0;
  do {
    const page = await client.scroll(MAIN, { limit: 100, offset, with_payload: true });
    pages++;
    assert.ok(page.points.length <= 100);
    const pageIds = page.points.map((p) => p.id);
    assert.deepEqual(pageIds, [...pageIds].sort((a, b) => a - b), 'scroll pages are ordered by id');
    for (const p of page.points) {
      assert.ok(!seen.has(p.id), `id ${p.id} returned twice`);
      seen.add(p.id);
      assert.deepEqual(p.payload, data.byId.get(p.id).payload);
    }
    offset = page.next_page_offset;
    assert.ok(pages <= 20, 'scroll does not terminate');
  } while (offset !== null && offset !== undefined);
  assert.equal(seen.size, N_POINTS);
  assert.deepEqual([...seen].sort((a, b) => a - b), data.points.map((p) => p.id));
});

test('retrieve: by ids with vectors; missing ids are skipped', async () => {
  const recs = await client.retrieve(MAIN, { ids: [1, 500, 1000, 123456], with_vector: true });
  recs.sort((a, b) => a.id - b.id);
  assert.deepEqual(recs.map((r) => r.id), [1, 500, 1000]);
  for (const r of recs) {
    const want = data.byId.get(r.id);
    assert.deepEqual(r.payload, want.payload);
    // Cosine vectors are stored normalised.
    const unit = normalize(want.vector);
    assert.equal(r.vector.length, DIM);
    r.vector.forEach((x, i) => assert.ok(Math.abs(x - unit[i]) < 1e-5, `id ${r.id} dim ${i}: ${x} vs ${unit[i]}`));
  }
  const bare = await client.retrieve(MAIN, { ids: [1] });
  assert.equal(bare[0].vector, undefined, 'with_vector defaults to false');
});

test('named vectors: upsert and query with `using`', async () => {
  const pts = [
    { id: 1, vector: { image: [1, 0, 0, 0], text: [1, 0, 0, 0, 0, 0, 0, 0] }, payload: { n: 1 } },
    { id: 2, vector: { image: [0, 1, 0, 0], text: [0, 0, 0, 0, 0, 0, 0, 1] }, payload: { n: 2 } },
    { id: 3, vector: { image: [0, 0, 2, 0], text: [0, 1, 0, 0, 0, 0, 0, 0] }, payload: { n: 3 } },
  ];
  assert.equal((await client.upsert(NAMED, { wait: true, points: pts })).status, 'completed');
  const byImage = await client.query(NAMED, { query: [0, 0.1, 1, 0], using: 'image', limit: 3 });
  assert.deepEqual(ids(byImage.points), [3, 2, 1]);
  assert.ok(Math.abs(byImage.points[0].score - 2) < SCORE_EPS, 'Dot scores are not normalised');
  const byText = await client.query(NAMED, { query: [0, 0, 0, 0, 0, 0, 0, 5], using: 'text', limit: 1 });
  assert.deepEqual(ids(byText.points), [2]);
  const [rec] = await client.retrieve(NAMED, { ids: [3], with_vector: true });
  assert.deepEqual(Object.keys(rec.vector).sort(), ['image', 'text']);
  assert.deepEqual(rec.vector.image, [0, 0, 2, 0]);
});

test('ids: u64 above 2^53 round-trips exactly as BigInt; UUIDs come back lowercase', async () => {
  assert.ok('rawJSON' in JSON, 'this Node lacks JSON.rawJSON: run node with --harmony-json-parse-with-source (Node 20) or use Node >= 22');
  const big = 9007199254740993n; // 2^53 + 1: not representable as a JS number
  const max = 18446744073709551615n; // 2^64 - 1
  const uuid = '550e8400-e29b-41d4-a716-446655440000';
  const upper = 'F9168C5E-CEB2-4FAA-B6BF-329BF39FA1E4';
  assert.equal(await client.createCollection('ids', { vectors: { size: 4, distance: 'Dot' } }), true);
  const res = await client.upsert('ids', {
    wait: true,
    points: [
      { id: big, vector: [1, 0, 0, 0], payload: { kind: 'big' } },
      { id: max, vector: [0, 1, 0, 0], payload: { kind: 'max' } },
      { id: uuid, vector: [0, 0, 1, 0], payload: { kind: 'uuid' } },
      { id: upper, vector: [0, 0, 0, 1], payload: { kind: 'upper' } },
      { id: 7, vector: [0.5, 0.5, 0, 0], payload: { kind: 'small' } },
    ],
  });
  assert.equal(res.status, 'completed');
  assert.deepEqual(await client.count('ids'), { count: 5 });

  const recs = await client.retrieve('ids', { ids: [big, max, uuid, upper.toLowerCase(), 7] });
  const kinds = Object.fromEntries(recs.map((r) => [r.payload.kind, r.id]));
  assert.deepEqual(kinds, { big, max, uuid, upper: upper.toLowerCase(), small: 7 });
  assert.equal(typeof kinds.big, 'bigint');
  assert.equal(typeof kinds.small, 'number');

  const top = await client.query('ids', { query: [1, 0, 0, 0], limit: 1 });
  assert.equal(top.points[0].id, big);
  const { data } = await client.api().getPoint({ collection_name: 'ids', id: big });
  assert.equal(data.result.id, big);
  assert.deepEqual(data.result.payload, { kind: 'big' });
  const notFound = await apiError(() => client.api().getPoint({ collection_name: 'ids', id: 8 }));
  assert.equal(notFound.status, 404);
});

test('payload: setPayload, overwritePayload, deletePayload, clearPayload', async () => {
  assert.equal(await client.createCollection('payloads', { vectors: { size: 4, distance: 'Cosine' } }), true);
  const want = new Map();
  const points = [];
  for (let id = 1; id <= 10; id++) {
    const payload = { n: id, group: id % 2 === 0 ? 'even' : 'odd', keep: 'yes' };
    want.set(id, { ...payload });
    points.push({ id, vector: [id, 1, 0, 0], payload });
  }
  await client.upsert('payloads', { wait: true, points });
  const check = async (label) => {
    const recs = await client.retrieve('payloads', { ids: [...want.keys()], with_payload: true });
    const got = new Map(recs.map((r) => [r.id, r.payload]));
    for (const [id, payload] of want) assert.deepEqual(got.get(id), payload, `${label}: point ${id}`);
  };

  let res = await client.setPayload('payloads', { payload: { color: 'red', n: 100 }, points: [1, 2], wait: true });
  assert.equal(res.status, 'completed');
  for (const id of [1, 2]) Object.assign(want.get(id), { color: 'red', n: 100 });
  await check('setPayload by ids merges keys');

  res = await client.setPayload('payloads', { payload: { flag: true }, filter: { must: [{ key: 'group', match: { value: 'even' } }] }, wait: true });
  assert.equal(res.status, 'completed');
  for (const id of [2, 4, 6, 8, 10]) want.get(id).flag = true;
  await check('setPayload by filter');
  assert.deepEqual(await client.count('payloads', { filter: { must: [{ key: 'flag', match: { value: true } }] } }), { count: 5 });

  res = await client.overwritePayload('payloads', { payload: { only: 'this' }, points: [3], wait: true });
  assert.equal(res.status, 'completed');
  want.set(3, { only: 'this' });
  await check('overwritePayload replaces the whole payload');

  res = await client.deletePayload('payloads', { keys: ['keep', 'flag'], points: [4, 5], wait: true });
  assert.equal(res.status, 'completed');
  for (const id of [4, 5]) {
    delete want.get(id).keep;
    delete want.get(id).flag;
  }
  await check('deletePayload removes the keys');

  res = await client.clearPayload('payloads', { points: [6], wait: true });
  assert.equal(res.status, 'completed');
  want.set(6, {});
  await check('clearPayload leaves an empty payload');
});

test('delete: by ids and by filter', async () => {
  assert.equal(await client.createCollection('deletes', { vectors: { size: 4, distance: 'Euclid' } }), true);
  const points = [];
  for (let id = 1; id <= 10; id++) points.push({ id, vector: [id, 0, 0, 0], payload: { group: id % 2 === 0 ? 'even' : 'odd' } });
  await client.upsert('deletes', { wait: true, points });
  assert.deepEqual(await client.count('deletes'), { count: 10 });

  let res = await client.delete('deletes', { points: [1, 2, 99], wait: true });
  assert.equal(res.status, 'completed');
  assert.deepEqual(await client.count('deletes'), { count: 8 });
  assert.deepEqual(await client.retrieve('deletes', { ids: [1, 2] }), []);

  res = await client.delete('deletes', { filter: { must: [{ key: 'group', match: { value: 'odd' } }] }, wait: true });
  assert.equal(res.status, 'completed');
  assert.deepEqual(await client.count('deletes'), { count: 4 });
  const left = await client.scroll('deletes', { limit: 100 });
  assert.deepEqual(left.points.map((p) => p.id), [4, 6, 8, 10]);
  assert.equal(left.next_page_offset ?? null, null);

  // Euclid scores are distances, nearest first.
  const near = await client.query('deletes', { query: [6.9, 0, 0, 0], limit: 2 });
  assert.deepEqual(near.points.map((p) => p.id), [6, 8]);
  assert.ok(Math.abs(near.points[0].score - 0.9) < SCORE_EPS && Math.abs(near.points[1].score - 1.1) < SCORE_EPS);
});

test('createPayloadIndex: keyword and integer, visible in payload_schema', async () => {
  for (const [field_name, field_schema] of [['topic', 'keyword'], ['rank', 'integer']]) {
    const res = await client.createPayloadIndex(MAIN, { field_name, field_schema, wait: true });
    assert.equal(typeof res.operation_id, 'number');
    assert.equal(res.status, 'completed');
  }
  const { payload_schema } = await client.getCollection(MAIN);
  assert.equal(payload_schema.topic.data_type, 'keyword');
  assert.equal(payload_schema.topic.points, N_POINTS);
  assert.equal(payload_schema.rank.data_type, 'integer');
  assert.equal(payload_schema.rank.points, N_POINTS);
  // An index changes speed, never answers.
  for (const [, filter, where] of FILTERS) {
    assert.deepEqual(await client.count(MAIN, { filter }), { count: data.points.filter((p) => where(p.payload)).length });
  }
});

test('deletePayloadIndex', async () => {
  const res = await client.deletePayloadIndex(MAIN, 'rank', { wait: true });
  assert.equal(res.status, 'completed');
  const { payload_schema } = await client.getCollection(MAIN);
  assert.deepEqual(Object.keys(payload_schema), ['topic']);
});

test('aliases: create, query through, rename, delete', async () => {
  const ok = await client.updateCollectionAliases({ actions: [{ create_alias: { collection_name: MAIN, alias_name: 'articles' } }] });
  assert.equal(ok, true);
  const one = { aliases: [{ alias_name: 'articles', collection_name: MAIN }] };
  assert.deepEqual(await client.getAliases(), one);
  assert.deepEqual(await client.getCollectionAliases(MAIN), one);
  assert.deepEqual(await client.getCollectionAliases(NAMED), { aliases: [] });

  const direct = await client.query(MAIN, { query: queryVector, limit: 5, params: { exact: true } });
  const viaAlias = await client.query('articles', { query: queryVector, limit: 5, params: { exact: true } });
  assert.deepEqual(ids(viaAlias.points), ids(direct.points));
  assert.deepEqual(await client.count('articles'), { count: N_POINTS });

  await client.updateCollectionAliases({ actions: [{ rename_alias: { old_alias_name: 'articles', new_alias_name: 'posts' } }] });
  assert.deepEqual(await client.getAliases(), { aliases: [{ alias_name: 'posts', collection_name: MAIN }] });
  assert.equal((await apiError(() => client.count('articles'))).status, 404);
  assert.deepEqual(await client.count('posts'), { count: N_POINTS });

  await client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: 'posts' } }] });
  assert.deepEqual(await client.getAliases(), { aliases: [] });
  assert.equal((await apiError(() => client.count('posts'))).status, 404);
});

test('errors: wrong vector size is 400 "Vector dimension error"', async () => {
  const err = await apiError(() => client.upsert(MAIN, { wait: true, points: [{ id: 5000, vector: [0.1, 0.2, 0.3] }] }));
  assert.equal(err.status, 400);
  assert.match(errorMessage(err), /Vector dimension error/);
  assert.equal(err.data.result, undefined, 'error envelopes carry no result');
  assert.deepEqual(await client.count(MAIN), { count: N_POINTS }, 'a rejected upsert writes nothing');

  const q = await apiError(() => client.query(MAIN, { query: [1, 2, 3] }));
  assert.equal(q.status, 400);
  assert.match(errorMessage(q), /Vector dimension error/);
});

test('errors: unknown collection is 404', async () => {
  const err = await apiError(() => client.getCollection('no_such_collection'));
  assert.equal(err.status, 404);
  assert.match(errorMessage(err), /^Not found: Collection `no_such_collection` doesn't exist!/);
  assert.equal((await apiError(() => client.query('no_such_collection', { query: [1, 2, 3] }))).status, 404);
  assert.equal((await apiError(() => client.upsert('no_such_collection', { points: [{ id: 1, vector: [1] }] }))).status, 404);
});

test('deleteCollection', async () => {
  assert.equal(await client.deleteCollection(NAMED), true);
  assert.deepEqual(await client.collectionExists(NAMED), { exists: false });
  assert.deepEqual(await client.getCollections(), {
    collections: ['deletes', 'ids', 'payloads', MAIN].map((name) => ({ name })),
  });
  assert.equal(await client.deleteCollection(NAMED), false, 'deleting a missing collection answers false');
  assert.equal((await apiError(() => client.getCollection(NAMED))).status, 404);
});

test('fixture sanity: topics are evenly spread', () => {
  for (const topic of TOPICS) assert.equal(data.points.filter((p) => p.payload.topic === topic).length, N_POINTS / TOPICS.length);
});
