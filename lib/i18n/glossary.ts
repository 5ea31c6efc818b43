// UCloud's own terms for image acceleration (its UK8S documentation and the original script's README), one Chinese
// term per English one: every Chinese message that translates an English message using a term uses the same term.
// test/unit/i18n.test.ts checks it; GLOSSARY.md explains each term to translators.
export interface GlossaryTerm {
  /** Matches the English term in an English message (whole words, any case). */
  readonly english: RegExp;
  readonly chinese: string;
}

export const GLOSSARY: readonly GlossaryTerm[] = [
  { english: /\bimage acceleration\b/i, chinese: '镜像加速' },
  { english: /\boriginal images?\b/i, chinese: '原始镜像' },
  { english: /\btarget images?\b/i, chinese: '目标镜像' },
  { english: /\bacceleration plugin\b/i, chinese: '镜像加速插件' },
  { english: /\bclusters?\b/i, chinese: '集群' },
  // Node.js is the runtime, not a Kubernetes node.
  { english: /\bnodes?\b(?!\.js)/i, chinese: '节点' },
  { english: /\bregions?\b/i, chinese: '地域' },
  { english: /\bprojects?\b/i, chinese: '项目' },
  { english: /\bsubnets?\b/i, chinese: '子网' },
  { english: /\bpublic key\b/i, chinese: '公钥' },
  { english: /\bprivate key\b/i, chinese: '私钥' },
  { english: /\bUHub\b/, chinese: 'UHub' },
];
