// Checks of values the user gives (flags, environment, the credentials Secret) that are made before any call, so a typo
// is an error that says what is wrong instead of an API refusal (or a Pod that never schedules) later.
import { invalid } from './errors.ts';
import { t } from './i18n/index.ts';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A Kubernetes label key: an optional DNS-subdomain prefix (≤ 253) and `/`, then a name (≤ 63). Returns a reason, or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix === '' || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return t('cli.labelKey.prefix', { prefix });
  }
  if (name === '' || name.length > 63 || !LABEL_NAME.test(name)) {
    return t('cli.labelKey.name', { name });
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
  if (problem) throw invalid(t('cli.nodeLabel.notKey', { text, problem }), t('cli.nodeLabel.notKeyHint'));
  if (eq >= 0 && text.slice(eq + 1) !== 'true') {
    throw invalid(t('cli.nodeLabel.notTrue', { text }), t('cli.nodeLabel.hint', { key }));
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
    throw invalid(t('cli.nfs.invalid', { text, source, why }), t('cli.nfs.hint'));
  };
  let host = text;
  let path: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracket) {
    host = bracket[1] ?? '';
    path = bracket[2];
    if (!isIpv6(host)) bad(t('cli.nfs.notIpv6'));
  } else if (isIpv6(text)) {
    return;
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0) {
      host = text.slice(0, colon);
      path = text.slice(colon + 1);
    }
    if (!IPV4.test(host) && !(path !== undefined && HOSTNAME.test(host))) bad(path === undefined ? t('cli.nfs.notIp') : t('cli.nfs.badHost'));
  }
  if (path !== undefined && !MOUNT_PATH.test(path)) bad(t('cli.nfs.badPath'));
}

/** UCloud subnet IDs: `subnet-` and lower-case letters and digits. */
export function checkSubnetId(text: string, source = '--subnet-id'): void {
  if (!/^subnet-[a-z0-9]{1,32}$/.test(text)) {
    throw invalid(t('cli.subnet.invalid', { text, source }));
  }
}
