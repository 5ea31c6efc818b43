// Used with `node --test --test-global-setup=test/controlplane/global-setup.ts`: one control plane for the whole run.
// Test files run in child processes; they find it through the JSON file named in UIMGACC_CONTROLPLANE, which the
// children inherit because it is set before the runner spawns them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from './controlplane.ts';

let plane: ControlPlane | undefined;

export async function globalSetup(): Promise<void> {
  plane = await startControlPlane();
  const { stop: _stop, ...info } = plane;
  const file = join(plane.dir, 'info.json');
  writeFileSync(file, JSON.stringify(info));
  process.env['UIMGACC_CONTROLPLANE'] = file;
  process.stderr.write(`# control plane ${plane.version} ready at ${plane.server} in ${plane.startMs}ms\n`);
}

export async function globalTeardown(): Promise<void> {
  await plane?.stop();
}
