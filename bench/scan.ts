// In-use scan at cluster scale: `delete IMAGE --dry-run` and `who-uses -A` against
// `kubectl get pods,deploy,sts,ds,rs,rc,job,cronjob -A -o json` on the same data in the same run, with peak RSS.
// Usage: node bench/scan.ts [N ...]   (default 1000 5000 10000; needs `npm run build` and the test binaries)
import { writeFileSync, mkdirSync } from 'node:fs';
import { startControlPlane } from '../test/controlplane/controlplane.ts';
import { startSimulator } from '../test/simulator/server.ts';
import { createAll, measureScanCommands, scanTable, uk8sconfigMap, type ScanRow } from './lib.ts';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const NS = 100;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const TARGET = 'uhub.service.ucloud.cn/bench/app:v1-acc';
const cp = await startControlPlane();
const sim = await startSimulator({
  accounts: [{ publicKey: 'bench-pub', privateKey: 'bench-priv' }],
  clusters: [{ clusterId: 'uk8s-bench0001', region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [{ OriginalImage: 'uhub.service.ucloud.cn/bench/app:v1', TargetImage: TARGET }] }],
});
const env = {
  ...process.env,
  KUBECONFIG: cp.kubeconfigPath,
  UCLOUD_PUBLIC_KEY: 'bench-pub',
  UCLOUD_PRIVATE_KEY: 'bench-priv',
  UCLOUD_API_BASE_URL: sim.url,
  UCLOUD_UK8S_CLUSTER_ID: 'uk8s-bench0001',
  UCLOUD_REGION: 'cn-bj2',
};
const rows: ScanRow[] = [];
try {
  await createAll(cp, [uk8sconfigMap('uk8s-bench0001'), ...Array.from({ length: NS }, (_, i) => ({ path: '/api/v1/namespaces', body: { metadata: { name: `bench-${i}` } } }))]);
  let pods = 0;
  let workloads = 0;
  for (const n of sizes.length ? sizes : [1000, 5000, 10000]) {
    const items: { path: string; body: object }[] = [];
    for (; pods < n; pods++) {
      // One Pod in ten uses the target image; the rest use look-alikes that must not match.
      const image = pods % 10 === 0 ? TARGET : `uhub.service.ucloud.cn/bench/app:v1-acc-${pods % 7}`;
      items.push({ path: `/api/v1/namespaces/bench-${pods % NS}/pods`, body: { metadata: { name: `p-${pods}`, labels: { app: `a${pods % 50}` } }, spec: { containers: [{ name: 'main', image, env: [{ name: 'X', value: 'y'.repeat(200) }] }] } } });
    }
    for (; workloads < Math.floor(n / 5); workloads++) {
      items.push({
        path: `/apis/apps/v1/namespaces/bench-${workloads % NS}/deployments`,
        body: { metadata: { name: `d-${workloads}` }, spec: { replicas: 0, selector: { matchLabels: { app: `d${workloads}` } }, template: { metadata: { labels: { app: `d${workloads}` } }, spec: { containers: [{ name: 'main', image: workloads % 10 === 0 ? TARGET : 'busybox:1' }] } } } },
      });
    }
    const seeded = Date.now();
    await createAll(cp, items);
    process.stderr.write(`seeded ${n} Pods and ${workloads} Deployments in ${((Date.now() - seeded) / 1000).toFixed(1)}s\n`);
    rows.push(...(await measureScanCommands(env, TARGET, n, RUNS, (row) => process.stderr.write(`${JSON.stringify(row)}\n`))));
  }
} finally {
  await sim.close();
  await cp.stop();
}
process.stdout.write(scanTable(rows));
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/scan.json', JSON.stringify(rows, null, 2) + '\n');
