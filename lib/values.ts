// Checks of values the user gives (flags, environment, the credentials Secret) that are made before any call, so a typo
// is an error that says what is wrong instead of an API refusal (or a Pod that never schedules) later.
import { invalid } from './errors.ts';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A Kubernetes label key: an optional DNS-subdomain prefix (≤ 253) and `/`, then a name (≤ 63). Returns a reason, or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix === '' || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `the prefix "${prefix}" must be a DNS subdomain (lower case letters, digits, "-" and ".", at most 253 characters)`;
  }
  if (name === '' || name.length > 63 || !LABEL_NAME.test(name)) {
    return `the name "${name}" must be 1 to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  }
  return undefined;
}

/**
 * `--node-label KEY` or `KEY=true`: the acceleration labels are `KEY: "true"` on every node UK8S labels, and the
 * affinity requires exactly that, so another value would pin Pods to nodes that do not exist.
 */
export function parseNodeLabel(text: string): string {
  const eq = text.indexOf('=');
  const key = eq >= 0 ? text.slice(0, eq) : text;
  const problem = labelKeyProblem(key);
  if (problem) throw invalid(`invalid --node-label "${text}": not a label key: ${problem}`, 'hint: e.g. --node-label node.uk8s.ucloud.cn/image_accel');
  if (eq >= 0 && text.slice(eq + 1) !== 'true') {
    throw invalid(`invalid --node-label "${text}": accelerated nodes carry the label with the value "true", which is what is required`, `hint: --node-label ${key}`);
  }
  return key;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/;
const MOUNT_PATH = /^\/[^\s\p{Cc}]*$/u;

function isIpv6(text: string): boolean {
  // Good enough to tell an address from a typo; URL does the real parsing.
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(':')) return false;
  try {
    return new URL(`http://[${text}]/`).hostname !== '';
  } catch {
    return false;
  }
}

/**
 * The UFS/NFS mount address: an IP address (the UFS mount point in the cluster's VPC), optionally with the exported
 * path (`10.9.0.10:/`, `[fd00::1]:/share`), or a host name with a path (`ufs-xxxx.example:/`).
 */
export function checkNfsAddr(text: string, source = '--nfs-addr'): void {
  const bad = (why: string): never => {
    throw invalid(`invalid NFS address "${text}" (from ${source}): ${why}`, 'hint: the UFS mount point address, e.g. 10.9.0.10 or 10.9.0.10:/');
  };
  let host = text;
  let path: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracket) {
    host = bracket[1] ?? '';
    path = bracket[2];
    if (!isIpv6(host)) bad('not an IPv6 address in brackets');
  } else if (isIpv6(text)) {
    return;
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0) {
      host = text.slice(0, colon);
      path = text.slice(colon + 1);
    }
    if (!IPV4.test(host) && !(path !== undefined && HOSTNAME.test(host))) bad(path === undefined ? 'not an IP address' : 'the host is neither an IP address nor a host name');
  }
  if (path !== undefined && !MOUNT_PATH.test(path)) bad('the path after ":" must be absolute (start with "/") and hold no spaces');
}

/** UCloud subnet IDs: `subnet-` and lower-case letters and digits. */
export function checkSubnetId(text: string, source = '--subnet-id'): void {
  if (!/^subnet-[a-z0-9]{1,32}$/.test(text)) {
    throw invalid(`invalid subnet ID "${text}" (from ${source}): UCloud subnet IDs look like subnet-xxxxxxxx`);
  }
}
