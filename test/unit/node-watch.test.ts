// lib/nodes.ts NodeWatcher against a fake apiserver that speaks the list/watch protocol: label-selected lists, a
// watch resumed from the list's resourceVersion, bookmarks, 410 Gone forcing a relist, and a list that hangs.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeAccess } from '../../lib/kube/access.ts';
import { fakeKubeAccess } from '../helpers/fake-kube.ts';
import { NodeWatcher } from '../../lib/nodes.ts';
import type { NodeInfo } from '../../lib/affinity.ts';

const L = 'node.uk8s.ucloud.cn/image_accel';
const OLD = 'node.uk8s.ucloud.cn/uimgacc';

interface FakeNode {
  metadata: { name: string; labels: Record<string, string>; resourceVersion: string };
  status: { conditions: { type: string; status: string }[] };
}

let server: Server;
let kube: KubeAccess;
let rv = 100;
let nodes = new Map<string, FakeNode>();
let watchers: { selector: string; res: ServerResponse; since: number }[] = [];
const requests: string[] = [];
/** Lists hang (never answered) while set. */
let hangLists = false;
/** Watches from a resourceVersion below this get an ERROR 410 event (compacted). */
let compactedBelow = 0;

function node(name: string, labels: Record<string, string>, ready = true): FakeNode {
  return { metadata: { name, labels, resourceVersion: String(++rv) }, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } };
}

function matches(n: FakeNode, selector: string): boolean {
  const [k, v] = selector.split('=');
  return n.metadata.labels[k ?? ''] === v;
}

/** Changes a node and tells every watch, as the apiserver does for a label-selected watch (DELETED when it stops matching). */
function change(next: FakeNode | undefined, name: string): void {
  const before = nodes.get(name);
  if (next) nodes.set(name, next);
  else nodes.delete(name);
  for (const w of watchers) {
    const was = before !== undefined && matches(before, w.selector);
    const is = next !== undefined && matches(next, w.selector);
    const type = is ? (was ? 'MODIFIED' : 'ADDED') : was ? 'DELETED' : undefined;
    if (type) w.res.write(JSON.stringify({ type, object: next ?? { ...before, metadata: { ...before?.metadata, resourceVersion: String(++rv) } } }) + '\n');
  }
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const selector = url.searchParams.get('labelSelector') ?? '';
  const watch = url.searchParams.get('watch') === '1';
  requests.push(`${watch ? 'WATCH' : 'LIST'} ${selector}`);
  if (!watch) {
    if (hangLists) return; // never answered
    const items = [...nodes.values()].filter((n) => matches(n, selector));
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'NodeList', metadata: { resourceVersion: String(rv) }, items }));
    return;
  }
  const since = Number(url.searchParams.get('resourceVersion'));
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  if (since < compactedBelow) {
    res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } }) + '\n');
    return;
  }
  res.write(JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(rv) } } }) + '\n');
  const w = { selector, res, since };
  watchers.push(w);
  req.on('close', () => (watchers = watchers.filter((x) => x !== w)));
}

before(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  kube = fakeKubeAccess(server);
});

after(() => {
  for (const w of watchers) w.res.end();
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

beforeEach(() => {
  nodes = new Map([
    ['a', node('a', { [L]: 'true' })],
    ['b', node('b', { [OLD]: 'true' }, false)],
    ['c', node('c', {})],
  ]);
  watchers = [];
  requests.length = 0;
  hangLists = false;
  compactedBelow = 0;
});

/** Starts a watcher over both spellings; `seen()` is the latest set reported. */
function watcher(over: Partial<ConstructorParameters<typeof NodeWatcher>[0]> = {}): { w: NodeWatcher; seen: () => NodeInfo[] | undefined; errors: unknown[] } {
  let last: NodeInfo[] | undefined;
  const errors: unknown[] = [];
  const w = new NodeWatcher({ kube, selectors: [`${L}=true`, `${OLD}=true`], onChange: (n) => (last = [...n]), onError: (_s, e) => errors.push(e), retryDelayMs: 20, ...over });
  w.start();
  return { w, seen: () => last, errors };
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 500) assert.fail(`${what}: never; requests ${requests.join(', ')}`);
    await delay(10);
  }
}

const names = (n: NodeInfo[] | undefined): string[] => (n ?? []).map((x) => x.name).sort();

test('one list per label selector, then watches: labelled nodes only, Ready or not, changes followed', async () => {
  const { w, seen } = watcher();
  try {
    await until('first report', () => seen() !== undefined);
    assert.deepEqual(names(seen()), ['a', 'b'], 'the unlabelled node is never fetched');
    assert.equal(seen()?.find((n) => n.name === 'b')?.ready, false);
    await until('both watching', () => watchers.length === 2);
    change(node('d', { [OLD]: 'true' }), 'd');
    await until('d added', () => names(seen()).includes('d'));
    // The label removed: the label-selected watch says DELETED.
    change(node('a', {}), 'a');
    await until('a gone', () => !names(seen()).includes('a'));
    assert.deepEqual(names(seen()), ['b', 'd']);
    assert.deepEqual(requests.filter((r) => r.startsWith('LIST')).sort(), [`LIST ${L}=true`, `LIST ${OLD}=true`], 'no relist for changes');
    assert.deepEqual([w.stats.lists, w.stats.relists], [2, 0]);
  } finally {
    w.stop();
  }
});

test('410 Gone (resourceVersion compacted) relists, then watches again', async () => {
  compactedBelow = Number.MAX_SAFE_INTEGER;
  const { w, seen } = watcher();
  try {
    await until('relisted', () => w.stats.relists >= 2);
    compactedBelow = 0;
    // (The fake does not replay events to a watch that starts later, as the apiserver would: wait for both.)
    await until('watching again', () => watchers.length === 2);
    change(node('e', { [L]: 'true' }), 'e');
    await until('watching again and e seen', () => names(seen()).includes('e'));
    assert.ok(requests.filter((r) => r === `LIST ${L}=true`).length >= 2, requests.join(', '));
  } finally {
    w.stop();
  }
});

test('a hung list is abandoned after the request timeout and retried; nothing is reported until the nodes are read', async () => {
  hangLists = true;
  const { w, seen, errors } = watcher({ requestTimeoutMs: 50 });
  try {
    await until('the timeout reported', () => errors.length > 0);
    const cause = (errors[0] as { cause?: unknown }).cause;
    assert.match(`${String(errors[0])} ${String(cause)}`, /timeout|abort/i);
    assert.equal(seen(), undefined);
    assert.equal(w.synced, false);
    hangLists = false;
    await until('read once the apiserver answers', () => seen() !== undefined);
    assert.deepEqual(names(seen()), ['a', 'b']);
  } finally {
    w.stop();
  }
});
