// Deterministic test data for the compatibility suite, and a brute-force
// reference search to compare the server's answers with.
//
// Vectors are clustered by topic (a topic centroid plus noise), so that
// filters and nearest neighbours interact the way they do on real data.
// Everything derives from a fixed seed: a failure reproduces exactly.

export const DIM = 384;
export const N_POINTS = 1000;
export const TOPICS = ['astronomy', 'biology', 'chemistry', 'geology', 'physics'];

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand) {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A random vector with 6 significant decimals (keeps request bodies small). */
export function randomVector(rand, dim = DIM, around = null, spread = 1) {
  const v = new Array(dim);
  for (let i = 0; i < dim; i++) {
    const x = (around ? around[i] : 0) + spread * gaussian(rand);
    v[i] = Number(x.toFixed(6));
  }
  return v;
}

export function norm(v) {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

export function normalize(v) {
  const n = norm(v);
  return v.map((x) => x / n);
}

export function cosine(a, b) {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot / (norm(a) * norm(b));
}

export function dot(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** RFC 3339 UTC timestamp without fractional seconds. */
export function rfc3339(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const EPOCH = Date.UTC(2024, 0, 1);

/** The payload of point `id` (ids run 1..N_POINTS). */
export function payloadFor(id) {
  const topic = TOPICS[id % TOPICS.length];
  return {
    title: `Point ${id}`,
    topic,
    rank: (id * 37) % 100,
    tags: [topic, `group-${id % 3}`],
    published: rfc3339(EPOCH + id * 3_600_000),
  };
}

/**
 * The main data set: points 1..N_POINTS of dimension DIM.
 * Returns {points: [{id, vector, payload}], byId: Map}.
 */
export function dataset(seed = 20261125) {
  const rand = rng(seed);
  const centroids = TOPICS.map(() => randomVector(rand, DIM, null, 1));
  const points = [];
  for (let id = 1; id <= N_POINTS; id++) {
    const payload = payloadFor(id);
    const vector = randomVector(rand, DIM, centroids[TOPICS.indexOf(payload.topic)], 1.2);
    points.push({ id, vector, payload });
  }
  return { points, byId: new Map(points.map((p) => [p.id, p])), centroids };
}

/**
 * Exact Cosine search over `points`: [{id, score}] best first, after dropping
 * points that fail `where` and the ids in `exclude`.
 */
export function bruteForce(points, query, { limit = 10, offset = 0, where = () => true, exclude = [] } = {}) {
  const skip = new Set(exclude);
  return points
    .filter((p) => !skip.has(p.id) && where(p.payload))
    .map((p) => ({ id: p.id, score: cosine(p.vector, query) }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(offset, offset + limit);
}
