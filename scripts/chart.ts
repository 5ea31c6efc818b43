// Packages charts/uimgacc into out/charts/uimgacc-<version>.tgz with helm, version and appVersion set to the package
// version: the chart's default image tag is then the tag `npm run image` gives the image. Run by `npm run package`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { helmBinary } from '../test/controlplane/testbin.ts';
import { packageVersion } from './image.ts';

const ROOT = resolve(import.meta.dirname, '..');
export const CHART_DIR = join(ROOT, 'out', 'charts');

/** helm from test/testbin/build.sh's cache, else the one on PATH. */
function helm(): string {
  try {
    return helmBinary();
  } catch {
    return 'helm';
  }
}

export function packageChart(out = CHART_DIR): string {
  const version = packageVersion();
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(out)) if (/^uimgacc-.*\.tgz$/.test(f)) rmSync(join(out, f));
  execFileSync(helm(), ['package', join(ROOT, 'charts', 'uimgacc'), '--destination', out, '--version', version, '--app-version', version], { stdio: ['ignore', 'ignore', 'inherit'] });
  const file = join(out, `uimgacc-${version}.tgz`);
  if (!existsSync(file)) throw new Error(`helm package did not write ${file}`);
  return file;
}

if (import.meta.main) console.log(packageChart());
