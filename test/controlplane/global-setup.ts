// Used with `node --test --test-global-setup=test/controlplane/global-setup.ts`: one control plane (apiserver + etcd)
// and one cluster (plus scheduler, controller manager and kwok) for the whole run, started side by side. Test files
// run in child processes; they find them through the JSON files named in UIMGACC_CONTROLPLANE and UIMGACC_CLUSTER,
// which the children inherit because they are set before the runner spawns them. UIMGACC_SHARED_CLUSTER=0 skips the
// cluster (runs that need no placement, such as the end-to-end core on the oldest version).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from './controlplane.ts';
import { CLUSTER_OPTIONS } from './shared.ts';

const planes: ControlPlane[] = [];

async function start(envName: string, label: string, options: Parameters<typeof startControlPlane>[0]): Promise<void> {
  const plane = await startControlPlane(options);
  planes.push(plane);
  const { stop: _stop, ...info } = plane;
  const file = join(plane.dir, 'info.json');
  writeFileSync(file, JSON.stringify(info));
  process.env[envName] = file;
  process.stderr.write(`# ${label} ${plane.version} ready at ${plane.server} in ${plane.startMs}ms\n`);
}

export async function globalSetup(): Promise<void> {
  const starts = [start('UIMGACC_CONTROLPLANE', 'control plane', {})];
  if (process.env['UIMGACC_SHARED_CLUSTER'] !== '0') starts.push(start('UIMGACC_CLUSTER', 'cluster (scheduler, controller manager, kwok)', CLUSTER_OPTIONS));
  const results = await Promise.allSettled(starts);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await globalTeardown();
    throw failed.reason;
  }
}

export async function globalTeardown(): Promise<void> {
  await Promise.all(planes.map((p) => p.stop()));
}
