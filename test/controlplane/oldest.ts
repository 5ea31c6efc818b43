// `npm run test:oldest`: the end-to-end core on the oldest supported Kubernetes (KUBERNETES_OLDEST in
// test/testbin/versions.env), after the whole suite ran on the newest: the in-use scan over every kind, the guarded
// delete, patch/unpatch on every kind, the helper called by the real apiserver, helm install of the chart, and the
// krew install through that version's kubectl, and the sandbox (which runs its own cluster). The shared cluster of
// the placement tests is not started. Extra arguments are passed to `node --test` (e.g. a single file).
import { spawn } from 'node:child_process';
import { oldestKubernetesVersion } from './testbin.ts';

export const CORE_FILES = [
  'test/e2e/controlplane.test.ts',
  'test/e2e/inuse.test.ts',
  'test/e2e/delete.test.ts',
  'test/e2e/patch.test.ts',
  'test/e2e/helper.test.ts',
  'test/e2e/chart.test.ts',
  'test/e2e/krew.test.ts',
  // `UIMGACC_KUBE_VERSION=… npm run sandbox` works on it too.
  'test/e2e/sandbox.test.ts',
];

const files = process.argv.slice(2);
const version = oldestKubernetesVersion();
process.stderr.write(`# end-to-end core on Kubernetes ${version}\n`);
const child = spawn(
  process.execPath,
  ['--test', '--test-concurrency=4', '--test-timeout=600000', '--test-global-setup=test/controlplane/global-setup.ts', ...(files.length ? files : CORE_FILES)],
  { stdio: 'inherit', env: { ...process.env, UIMGACC_KUBE_VERSION: version, UIMGACC_SHARED_CLUSTER: '0' } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
