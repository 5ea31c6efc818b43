import { UserError } from '../errors.ts';
import type { ScanResult } from './scan.ts';

/**
 * The safety rule of delete and disable: refuse while anything uses a target image, and also when part of the
 * cluster could not be seen, because an unseen Pod is not a safe Pod. `renderUses`/`renderUnseen` come from cmd/.
 */
export class InUseRefusal extends UserError {
  /** The message without "refusing to …:", for use as a warning under --force. */
  readonly reason: string;
  constructor(what: string, reason: string, details: readonly string[]) {
    super('in-use', `refusing to ${what}: ${reason}`, details);
    this.reason = reason;
  }
}

export function inUseRefusal(
  what: string,
  scan: ScanResult,
  render: { uses: () => string; unseen: () => string[] },
): InUseRefusal | undefined {
  if (scan.uses.length > 0) {
    return new InUseRefusal(what, `${scan.uses.length} container(s) use the target image`, [
      render.uses().trimEnd(),
      ...(scan.unseen.length ? ['and the scan could not see:', ...render.unseen()] : []),
      'hint: move these workloads back to the original image first, or pass --force to go ahead anyway: Pods still using it will get IO errors',
    ]);
  }
  if (scan.unseen.length > 0) {
    return new InUseRefusal(what, 'the in-use check could not see everything, and an unseen Pod is not a safe Pod', [
      ...render.unseen(),
      'hint: run it as a user who can list these (cluster-wide list of Pods and workloads), or pass --force if you are sure nothing there uses the image',
    ]);
  }
  return undefined;
}
