import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidReferenceError,
  canonicalImage,
  defaultTargetImage,
  familiarImage,
  imageKey,
  parseImageReference,
  repositoryName,
  sameImage,
  sameImageString,
  tryParseImageReference,
} from '../../lib/image/reference.ts';
import type { ImageReference } from '../../lib/image/reference.ts';
import { useLanguage } from '../../lib/i18n/index.ts';

const F64 = 'f'.repeat(64);
const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;
const SHA512 = `sha512:${'f'.repeat(128)}`;
const UHUB = 'uhub.service.ucloud.cn';

interface ValidCase {
  readonly input: string;
  readonly domain: string;
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
  /** FamiliarString; defaults to the input when omitted. */
  readonly familiar?: string;
  readonly canonical: string;
  /** The familiar form does not parse back (a bare 64-hex name reads as an image ID, as in docker). */
  readonly familiarIsAmbiguous?: boolean;
}

// Expectations follow distribution/reference's ParseNormalizedNamed (reference_test.go / normalize_test.go cases,
// normalised), plus UHub and docker.io short names as users type them.
const valid: readonly ValidCase[] = [
  // docker.io short names
  { input: 'nginx', domain: 'docker.io', path: 'library/nginx', canonical: 'docker.io/library/nginx:latest' },
  { input: 'nginx:1.25', domain: 'docker.io', path: 'library/nginx', tag: '1.25', canonical: 'docker.io/library/nginx:1.25' },
  { input: 'library/nginx', domain: 'docker.io', path: 'library/nginx', familiar: 'nginx', canonical: 'docker.io/library/nginx:latest' },
  { input: 'docker.io/nginx', domain: 'docker.io', path: 'library/nginx', familiar: 'nginx', canonical: 'docker.io/library/nginx:latest' },
  { input: 'docker.io/library/nginx:latest', domain: 'docker.io', path: 'library/nginx', tag: 'latest', familiar: 'nginx:latest', canonical: 'docker.io/library/nginx:latest' },
  { input: 'index.docker.io/nginx', domain: 'docker.io', path: 'library/nginx', familiar: 'nginx', canonical: 'docker.io/library/nginx:latest' },
  { input: 'index.docker.io/library/debian', domain: 'docker.io', path: 'library/debian', familiar: 'debian', canonical: 'docker.io/library/debian:latest' },
  { input: 'index.docker.io/fooo/bar', domain: 'docker.io', path: 'fooo/bar', familiar: 'fooo/bar', canonical: 'docker.io/fooo/bar:latest' },
  { input: 'dmcgowan/myapp', domain: 'docker.io', path: 'dmcgowan/myapp', canonical: 'docker.io/dmcgowan/myapp:latest' },
  { input: 'docker.io/library/foo/bar', domain: 'docker.io', path: 'library/foo/bar', familiar: 'library/foo/bar', canonical: 'docker.io/library/foo/bar:latest' },
  { input: 'store/foo/bar', domain: 'docker.io', path: 'store/foo/bar', canonical: 'docker.io/store/foo/bar:latest' },
  { input: 'other/library', domain: 'docker.io', path: 'other/library', canonical: 'docker.io/other/library:latest' },
  { input: 'ubuntu-12.04-base', domain: 'docker.io', path: 'library/ubuntu-12.04-base', canonical: 'docker.io/library/ubuntu-12.04-base:latest' },
  { input: 'docker.io', domain: 'docker.io', path: 'library/docker.io', canonical: 'docker.io/library/docker.io:latest' },
  { input: 'test_com', domain: 'docker.io', path: 'library/test_com', canonical: 'docker.io/library/test_com:latest' },
  { input: 'test_com/foo', domain: 'docker.io', path: 'test_com/foo', canonical: 'docker.io/test_com/foo:latest' },
  { input: 'docker/migrator', domain: 'docker.io', path: 'docker/migrator', canonical: 'docker.io/docker/migrator:latest' },
  // A single component is never a registry, even when it looks like one (distribution's FIXME).
  { input: 'test.com:tag', domain: 'docker.io', path: 'library/test.com', tag: 'tag', canonical: 'docker.io/library/test.com:tag' },
  { input: 'test.com:5000', domain: 'docker.io', path: 'library/test.com', tag: '5000', canonical: 'docker.io/library/test.com:5000' },
  { input: 'localhost', domain: 'docker.io', path: 'library/localhost', canonical: 'docker.io/library/localhost:latest' },
  { input: 'localhost:5000', domain: 'docker.io', path: 'library/localhost', tag: '5000', canonical: 'docker.io/library/localhost:5000' },
  { input: 'foo_bar.com:8080', domain: 'docker.io', path: 'library/foo_bar.com', tag: '8080', canonical: 'docker.io/library/foo_bar.com:8080' },
  { input: 'foo/foo_bar.com:8080', domain: 'docker.io', path: 'foo/foo_bar.com', tag: '8080', canonical: 'docker.io/foo/foo_bar.com:8080' },
  { input: '192.168.1.1', domain: 'docker.io', path: 'library/192.168.1.1', canonical: 'docker.io/library/192.168.1.1:latest' },
  { input: '192.168.1.1:tag', domain: 'docker.io', path: 'library/192.168.1.1', tag: 'tag', canonical: 'docker.io/library/192.168.1.1:tag' },
  { input: '192.168.0.1:80', domain: 'docker.io', path: 'library/192.168.0.1', tag: '80', canonical: 'docker.io/library/192.168.0.1:80' },
  { input: 'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', domain: 'docker.io', path: 'library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', canonical: 'docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest' },
  { input: `docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a`, domain: 'docker.io', path: 'library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', familiar: '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', familiarIsAmbiguous: true, canonical: 'docker.io/library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a:latest' },
  { input: 'dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9', domain: 'docker.io', path: 'library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9', canonical: 'docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9:latest' },
  { input: 'lowercase:Uppercase', domain: 'docker.io', path: 'library/lowercase', tag: 'Uppercase', canonical: 'docker.io/library/lowercase:Uppercase' },
  // path component separators
  { input: 'docker-rules/docker', domain: 'docker.io', path: 'docker-rules/docker', canonical: 'docker.io/docker-rules/docker:latest' },
  { input: 'docker---rules/docker', domain: 'docker.io', path: 'docker---rules/docker', canonical: 'docker.io/docker---rules/docker:latest' },
  { input: 'dock__er/docker', domain: 'docker.io', path: 'dock__er/docker', canonical: 'docker.io/dock__er/docker:latest' },
  { input: 'd/docker', domain: 'docker.io', path: 'd/docker', canonical: 'docker.io/d/docker:latest' },
  { input: 'jess/t', domain: 'docker.io', path: 'jess/t', canonical: 'docker.io/jess/t:latest' },
  // UHub
  { input: `${UHUB}/myrepo/app:v1`, domain: UHUB, path: 'myrepo/app', tag: 'v1', canonical: `${UHUB}/myrepo/app:v1` },
  { input: `${UHUB}/myrepo/app`, domain: UHUB, path: 'myrepo/app', canonical: `${UHUB}/myrepo/app:latest` },
  { input: `${UHUB}/myrepo/app/sub:v1.2.3-rc_1`, domain: UHUB, path: 'myrepo/app/sub', tag: 'v1.2.3-rc_1', canonical: `${UHUB}/myrepo/app/sub:v1.2.3-rc_1` },
  // 'library/' is a Docker Hub convention only
  { input: `${UHUB}/app`, domain: UHUB, path: 'app', canonical: `${UHUB}/app:latest` },
  { input: `${UHUB}/myrepo/app@${D1}`, domain: UHUB, path: 'myrepo/app', digest: D1, canonical: `${UHUB}/myrepo/app@${D1}` },
  { input: `${UHUB}/myrepo/app:v1@${D1}`, domain: UHUB, path: 'myrepo/app', tag: 'v1', digest: D1, canonical: `${UHUB}/myrepo/app:v1@${D1}` },
  // registries with ports, IPs, localhost, punycode
  { input: 'test.com/repo:tag', domain: 'test.com', path: 'repo', tag: 'tag', canonical: 'test.com/repo:tag' },
  { input: 'test:5000/repo', domain: 'test:5000', path: 'repo', canonical: 'test:5000/repo:latest' },
  { input: 'test:5000/repo:tag', domain: 'test:5000', path: 'repo', tag: 'tag', canonical: 'test:5000/repo:tag' },
  { input: `test:5000/repo@sha256:${F64}`, domain: 'test:5000', path: 'repo', digest: `sha256:${F64}`, canonical: `test:5000/repo@sha256:${F64}` },
  { input: `test:5000/repo:tag@sha256:${F64}`, domain: 'test:5000', path: 'repo', tag: 'tag', digest: `sha256:${F64}`, canonical: `test:5000/repo:tag@sha256:${F64}` },
  { input: 'test-com:8080/foo', domain: 'test-com:8080', path: 'foo', canonical: 'test-com:8080/foo:latest' },
  { input: 'localhost/foo', domain: 'localhost', path: 'foo', canonical: 'localhost/foo:latest' },
  { input: 'localhost:5000/foo/bar:1', domain: 'localhost:5000', path: 'foo/bar', tag: '1', canonical: 'localhost:5000/foo/bar:1' },
  { input: 'sub-dom1.foo.com/bar/baz/quux:some-long-tag', domain: 'sub-dom1.foo.com', path: 'bar/baz/quux', tag: 'some-long-tag', canonical: 'sub-dom1.foo.com/bar/baz/quux:some-long-tag' },
  { input: 'b.gcr.io/test.example.com/my-app:test.example.com', domain: 'b.gcr.io', path: 'test.example.com/my-app', tag: 'test.example.com', canonical: 'b.gcr.io/test.example.com/my-app:test.example.com' },
  { input: 'xn--n3h.com/myimage:xn--n3h.com', domain: 'xn--n3h.com', path: 'myimage', tag: 'xn--n3h.com', canonical: 'xn--n3h.com/myimage:xn--n3h.com' },
  { input: 'xn--n3h.com:18080/foo', domain: 'xn--n3h.com:18080', path: 'foo', canonical: 'xn--n3h.com:18080/foo:latest' },
  { input: `xn--7o8h.com/myimage:xn--7o8h.com@${SHA512}`, domain: 'xn--7o8h.com', path: 'myimage', tag: 'xn--7o8h.com', digest: SHA512, canonical: `xn--7o8h.com/myimage:xn--7o8h.com@${SHA512}` },
  { input: '192.168.1.1/repo', domain: '192.168.1.1', path: 'repo', canonical: '192.168.1.1/repo:latest' },
  { input: '192.168.1.1:5000/repo:5050', domain: '192.168.1.1:5000', path: 'repo', tag: '5050', canonical: '192.168.1.1:5000/repo:5050' },
  { input: '127.0.0.1:5000/debian', domain: '127.0.0.1:5000', path: 'debian', canonical: '127.0.0.1:5000/debian:latest' },
  { input: '127.0.0.1:5000/library/debian', domain: '127.0.0.1:5000', path: 'library/debian', canonical: '127.0.0.1:5000/library/debian:latest' },
  // IPv6 in brackets
  { input: '[2001:db8::1]/repo', domain: '[2001:db8::1]', path: 'repo', canonical: '[2001:db8::1]/repo:latest' },
  { input: '[2001:db8:1:2:3:4:5:6]/repo:tag', domain: '[2001:db8:1:2:3:4:5:6]', path: 'repo', tag: 'tag', canonical: '[2001:db8:1:2:3:4:5:6]/repo:tag' },
  { input: '[2001:db8::1]:5000/repo', domain: '[2001:db8::1]:5000', path: 'repo', canonical: '[2001:db8::1]:5000/repo:latest' },
  { input: `[2001:db8::1]:5000/repo:tag@sha256:${F64}`, domain: '[2001:db8::1]:5000', path: 'repo', tag: 'tag', digest: `sha256:${F64}`, canonical: `[2001:db8::1]:5000/repo:tag@sha256:${F64}` },
  { input: '[2001:db8::]:5000/repo', domain: '[2001:db8::]:5000', path: 'repo', canonical: '[2001:db8::]:5000/repo:latest' },
  { input: '[::1]:5000/repo', domain: '[::1]:5000', path: 'repo', canonical: '[::1]:5000/repo:latest' },
  { input: '[fc00:1:2:3:4:5:6:7]:5000/library/debian', domain: '[fc00:1:2:3:4:5:6:7]:5000', path: 'library/debian', canonical: '[fc00:1:2:3:4:5:6:7]:5000/library/debian:latest' },
  // An uppercase first component cannot be a (lowercase) path component, so distribution takes it as a registry.
  { input: 'Docker/docker', domain: 'Docker', path: 'docker', canonical: 'Docker/docker:latest' },
  { input: 'FOO/bar', domain: 'FOO', path: 'bar', canonical: 'FOO/bar:latest' },
  { input: `UHUB.service.ucloud.cn/myrepo/app:v1`, domain: 'UHUB.service.ucloud.cn', path: 'myrepo/app', tag: 'v1', canonical: 'UHUB.service.ucloud.cn/myrepo/app:v1' },
  // Looks like a domain (has '.') but is not one (underscore): distribution keeps it all as the path, no domain.
  { input: 'foo_bar.com/x', domain: '', path: 'foo_bar.com/x', canonical: 'foo_bar.com/x:latest' },
  // digests on docker.io
  { input: `busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa`, domain: 'docker.io', path: 'library/busybox', tag: 'latest', digest: 'sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa', canonical: 'docker.io/library/busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa' },
  { input: `redis@${D1}`, domain: 'docker.io', path: 'library/redis', digest: D1, canonical: `docker.io/library/redis@${D1}` },
  { input: `docker.io/dmcgowan/myapp@${D1}`, domain: 'docker.io', path: 'dmcgowan/myapp', digest: D1, familiar: `dmcgowan/myapp@${D1}`, canonical: `docker.io/dmcgowan/myapp@${D1}` },
  { input: `nginx@sha384:${'c'.repeat(96)}`, domain: 'docker.io', path: 'library/nginx', digest: `sha384:${'c'.repeat(96)}`, canonical: `docker.io/library/nginx@sha384:${'c'.repeat(96)}` },
  // length limits: the path may have 255 characters (the domain does not count), the tag 128
  { input: `${'a/'.repeat(127)}a:tag-puts-this-over-max`, domain: 'docker.io', path: `${'a/'.repeat(127)}a`, tag: 'tag-puts-this-over-max', canonical: `docker.io/${'a/'.repeat(127)}a:tag-puts-this-over-max` },
  { input: `${UHUB}/${'a/'.repeat(127)}a`, domain: UHUB, path: `${'a/'.repeat(127)}a`, canonical: `${UHUB}/${'a/'.repeat(127)}a:latest` },
  { input: `nginx:${'t'.repeat(128)}`, domain: 'docker.io', path: 'library/nginx', tag: 't'.repeat(128), canonical: `docker.io/library/nginx:${'t'.repeat(128)}` },
  { input: 'nginx:_x', domain: 'docker.io', path: 'library/nginx', tag: '_x', canonical: 'docker.io/library/nginx:_x' },
];

describe('parseImageReference: valid references', () => {
  for (const c of valid) {
    test(c.input.length > 80 ? `${c.input.slice(0, 80)}…` : c.input, () => {
      const ref = parseImageReference(c.input);
      const expected: Record<string, string> = { domain: c.domain, path: c.path };
      if (c.tag !== undefined) expected['tag'] = c.tag;
      if (c.digest !== undefined) expected['digest'] = c.digest;
      // Absent tag/digest are absent properties, not undefined values.
      assert.deepEqual({ ...ref }, expected);
      assert.equal(repositoryName(ref), c.domain === '' ? c.path : `${c.domain}/${c.path}`);
      assert.equal(familiarImage(ref), c.familiar ?? c.input);
      assert.equal(canonicalImage(ref), c.canonical);
      assert.deepEqual(tryParseImageReference(c.input), ref);
      // Canonical and familiar forms parse back to the same image.
      assert.ok(sameImage(parseImageReference(canonicalImage(ref)), ref));
      if (c.familiarIsAmbiguous) assert.equal(tryParseImageReference(familiarImage(ref)), undefined);
      else assert.deepEqual(parseImageReference(familiarImage(ref)), ref);
    });
  }
});

interface InvalidCase {
  readonly input: string;
  readonly reason: RegExp;
}

const LOWERCASE = /^repository name must be lowercase$/;
const FORMAT = /^invalid reference format$/;

const invalid: readonly InvalidCase[] = [
  { input: '', reason: /^empty$/ },
  { input: ':justtag', reason: FORMAT },
  { input: `@sha256:${F64}`, reason: FORMAT },
  { input: 'repo@sha256:ffffffffffffffffffffffffffffffffff', reason: /^invalid digest: sha256 needs 64 hex characters, got 34$/ },
  { input: `repo@sha256:${F64}ff`, reason: /^invalid digest: sha256 needs 64 hex characters/ },
  { input: `validname@invaliddigest:${F64}`, reason: /^invalid digest: unsupported digest algorithm "invaliddigest"$/ },
  { input: `repo@md5:${'f'.repeat(32)}`, reason: /unsupported digest algorithm "md5"/ },
  { input: `repo@sha256:${'F'.repeat(64)}`, reason: /^invalid digest: sha256 hex must be lowercase$/ },
  { input: 'repo@sha256:abc', reason: /^invalid digest "sha256:abc"/ },
  { input: `repo@${F64}`, reason: /^invalid digest/ },
  { input: 'repo@', reason: /^invalid digest ""/ },
  // The lowercase check covers everything before the first ':' after the registry, digest algorithm included.
  { input: `repo@SHA256:${F64}`, reason: LOWERCASE },
  { input: 'Uppercase:tag', reason: LOWERCASE },
  { input: 'Uppercase', reason: LOWERCASE },
  { input: 'test:5000/Uppercase/lowercase:tag', reason: LOWERCASE },
  { input: 'docker/Docker', reason: LOWERCASE },
  { input: 'docker.io/docker/Docker', reason: LOWERCASE },
  { input: `${UHUB}/MyRepo/app:v1`, reason: LOWERCASE },
  { input: 'Foo_x/bar', reason: LOWERCASE },
  { input: `${'a/'.repeat(128)}a:tag`, reason: /^repository name must not be more than 255 characters$/ },
  { input: `${UHUB}/${'a'.repeat(256)}`, reason: /must not be more than 255 characters/ },
  { input: 'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker', reason: /must not be more than 255 characters/ },
  { input: 'aa/asdf$$^/aa', reason: FORMAT },
  { input: '[2001:db8::1]', reason: FORMAT },
  { input: '[2001:db8::1]:5000', reason: FORMAT },
  { input: '[2001:db8::1]:tag', reason: FORMAT },
  { input: '[fe80::1%eth0]:5000/repo', reason: FORMAT },
  { input: '[fe80::1%@invalidzone]:5000/repo', reason: FORMAT },
  { input: '[2001:db8:3:4::192.0.2.33]:5000/debian', reason: FORMAT },
  { input: 'fc00::1:5000/debian', reason: FORMAT },
  { input: '[fc00::1]', reason: FORMAT },
  { input: 'https://github.com/docker/docker', reason: FORMAT },
  { input: '-docker', reason: FORMAT },
  { input: '-docker/docker', reason: FORMAT },
  { input: 'docker-/docker', reason: FORMAT },
  { input: '-docker-/docker', reason: FORMAT },
  { input: '-docker.io/docker/docker', reason: FORMAT },
  { input: 'docker///docker', reason: FORMAT },
  { input: 'docker.io/docker///docker', reason: FORMAT },
  { input: '____/____', reason: FORMAT },
  { input: '_docker/_docker', reason: FORMAT },
  { input: 'dock..er/docker', reason: FORMAT },
  { input: 'dock_.er/docker', reason: FORMAT },
  { input: 'dock-.er/docker', reason: FORMAT },
  { input: 'dock___er/docker', reason: FORMAT },
  { input: 'docker/', reason: FORMAT },
  { input: '/nginx', reason: FORMAT },
  { input: 'docker.io/', reason: FORMAT },
  { input: `${UHUB}/`, reason: FORMAT },
  { input: `${UHUB}//app`, reason: FORMAT },
  { input: 'registry:port/app', reason: FORMAT },
  { input: ' nginx', reason: FORMAT },
  { input: 'nginx\n', reason: FORMAT },
  { input: 'nginx:1\n', reason: /^invalid tag "1\\n"/ },
  { input: 'ngi nx', reason: FORMAT },
  { input: 'nginx:1 ', reason: /^invalid tag "1 "/ },
  { input: 'nginx:', reason: /^invalid tag ""/ },
  { input: 'nginx:-1', reason: /^invalid tag "-1"/ },
  { input: 'nginx:.1', reason: /^invalid tag ".1"/ },
  { input: 'nginx:1:2', reason: /^invalid tag "1:2"/ },
  { input: 'nginx::1', reason: /^invalid tag ":1"/ },
  { input: 'nginx:tag+x', reason: /^invalid tag "tag\+x"/ },
  { input: `nginx:${'t'.repeat(129)}`, reason: /^invalid tag: longer than 128 characters$/ },
  { input: `nginx:1@${D1}@${D2}`, reason: /^invalid digest/ },
  // A bare 64-hex string is ambiguous with an image ID.
  { input: '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', reason: /^cannot specify 64-byte hexadecimal strings/ },
  { input: F64, reason: /^cannot specify 64-byte hexadecimal strings/ },
];

describe('parseImageReference: invalid references', () => {
  for (const c of invalid) {
    test(JSON.stringify(c.input.length > 80 ? `${c.input.slice(0, 80)}…` : c.input), () => {
      assert.equal(tryParseImageReference(c.input), undefined);
      assert.throws(
        () => parseImageReference(c.input),
        (err: unknown) => {
          assert.ok(err instanceof InvalidReferenceError);
          assert.ok(err instanceof Error);
          assert.equal(err.name, 'InvalidReferenceError');
          assert.equal(err.input, c.input);
          assert.match(err.reason, c.reason);
          assert.match(err.message, /^invalid image reference ".*": /s);
          assert.ok(err.message.endsWith(err.reason));
          return true;
        },
      );
    });
  }
});

test('error messages stay short for huge input', () => {
  const huge = `${'x'.repeat(10_000)}!`;
  assert.throws(() => parseImageReference(huge), (err: unknown) => err instanceof InvalidReferenceError && err.message.length < 400 && err.input === huge);
});

// No stopwatch: at a million characters, backtracking that is quadratic or worse does not finish in any test run (the
// runner's timeout fails it), while a linear parser is done in milliseconds, whatever the machine's load.
test('adversarial input of a million characters is rejected (no catastrophic backtracking)', () => {
  const n = 1_000_000;
  const inputs = [
    `${'a'.repeat(n)}!`,
    `${'a-'.repeat(n / 2)}!`,
    `${'a.'.repeat(n / 2)}/x`,
    `${'a__'.repeat(n / 3)}_`,
    `[${':'.repeat(n)}x`,
    `${'a/'.repeat(n / 2)}A`,
  ];
  for (const s of inputs) assert.equal(tryParseImageReference(s), undefined);
});

describe('familiar, full and ambiguous spellings name one repository (normalize_test.go TestParseRepositoryInfo)', () => {
  const cases = [
    { familiar: 'fooo/bar', full: 'docker.io/fooo/bar', ambiguous: ['index.docker.io/fooo/bar'], domain: 'docker.io', path: 'fooo/bar' },
    { familiar: 'ubuntu', full: 'docker.io/library/ubuntu', ambiguous: ['library/ubuntu', 'docker.io/ubuntu', 'index.docker.io/ubuntu', 'index.docker.io/library/ubuntu'], domain: 'docker.io', path: 'library/ubuntu' },
    { familiar: 'nonlibrary/ubuntu', full: 'docker.io/nonlibrary/ubuntu', ambiguous: [], domain: 'docker.io', path: 'nonlibrary/ubuntu' },
    { familiar: 'other/library', full: 'docker.io/other/library', ambiguous: [], domain: 'docker.io', path: 'other/library' },
    { familiar: '127.0.0.1:8000/private/moonbase', full: '127.0.0.1:8000/private/moonbase', ambiguous: [], domain: '127.0.0.1:8000', path: 'private/moonbase' },
    { familiar: '127.0.0.1:8000/privatebase', full: '127.0.0.1:8000/privatebase', ambiguous: [], domain: '127.0.0.1:8000', path: 'privatebase' },
    { familiar: 'example.com/private/moonbase', full: 'example.com/private/moonbase', ambiguous: [], domain: 'example.com', path: 'private/moonbase' },
    { familiar: 'example.com:8000/privatebasee', full: 'example.com:8000/privatebasee', ambiguous: [], domain: 'example.com:8000', path: 'privatebasee' },
    { familiar: 'ubuntu-12.04-base', full: 'docker.io/library/ubuntu-12.04-base', ambiguous: ['index.docker.io/library/ubuntu-12.04-base'], domain: 'docker.io', path: 'library/ubuntu-12.04-base' },
    { familiar: 'foo', full: 'docker.io/library/foo', ambiguous: ['docker.io/foo'], domain: 'docker.io', path: 'library/foo' },
    { familiar: 'library/foo/bar', full: 'docker.io/library/foo/bar', ambiguous: [], domain: 'docker.io', path: 'library/foo/bar' },
    { familiar: 'store/foo/bar', full: 'docker.io/store/foo/bar', ambiguous: [], domain: 'docker.io', path: 'store/foo/bar' },
    { familiar: 'Foo/bar', full: 'Foo/bar', ambiguous: [], domain: 'Foo', path: 'bar' },
    { familiar: `${UHUB}/myrepo/app`, full: `${UHUB}/myrepo/app`, ambiguous: [], domain: UHUB, path: 'myrepo/app' },
  ];
  for (const c of cases) {
    test(c.full, () => {
      for (const spelling of [c.familiar, c.full, ...c.ambiguous]) {
        const ref = parseImageReference(spelling);
        assert.equal(ref.domain, c.domain, spelling);
        assert.equal(ref.path, c.path, spelling);
        assert.equal(repositoryName(ref), c.full, spelling);
        assert.equal(familiarImage(ref), c.familiar, spelling);
        assert.equal(canonicalImage(ref), `${c.full}:latest`, spelling);
        assert.ok(sameImageString(spelling, c.familiar), spelling);
      }
    });
  }
});

describe('canonicalImage and familiarImage on hand-built references', () => {
  test('digest-only references get no default tag', () => {
    const ref: ImageReference = { domain: 'docker.io', path: 'library/nginx', digest: D1 };
    assert.equal(canonicalImage(ref), `docker.io/library/nginx@${D1}`);
    assert.equal(familiarImage(ref), `nginx@${D1}`);
  });
  test('tag and digest are both kept', () => {
    const ref: ImageReference = { domain: UHUB, path: 'a/b', tag: 'v1', digest: D1 };
    assert.equal(canonicalImage(ref), `${UHUB}/a/b:v1@${D1}`);
    assert.equal(familiarImage(ref), `${UHUB}/a/b:v1@${D1}`);
  });
  test('only docker.io is shortened', () => {
    assert.equal(familiarImage({ domain: 'quay.io', path: 'library/x' }), 'quay.io/library/x');
    assert.equal(familiarImage({ domain: 'docker.io', path: 'library/a/b', tag: '1' }), 'library/a/b:1');
    assert.equal(familiarImage({ domain: 'docker.io', path: 'libraryx/a' }), 'libraryx/a');
  });
});

describe('sameImage', () => {
  const cases: ReadonlyArray<readonly [string, string, boolean]> = [
    // docker.io normalisation
    ['nginx', 'nginx', true],
    ['nginx', 'nginx:latest', true],
    ['nginx', 'docker.io/library/nginx:latest', true],
    ['nginx', 'index.docker.io/library/nginx', true],
    ['nginx', 'docker.io/nginx', true],
    ['nginx', 'library/nginx:latest', true],
    ['nginx:1.25', 'docker.io/library/nginx:1.25', true],
    // shared prefixes are different images
    ['nginx', 'nginx-extra', false],
    ['nginx', 'nginxinc/nginx', false],
    ['nginx', 'library/nginx-extra:latest', false],
    ['repo:1', 'repo:10', false],
    ['repo:1', 'repo:1.0', false],
    [`${UHUB}/myrepo/app:v1`, `${UHUB}/myrepo/app:v1`, true],
    [`${UHUB}/myrepo/app:v1`, `${UHUB}/myrepo/app:v10`, false],
    [`${UHUB}/myrepo/app:v1`, `${UHUB}/myrepo/app:v1-acc`, false],
    [`${UHUB}/myrepo/app:v1`, `${UHUB}/myrepo/app-acc:v1`, false],
    [`${UHUB}/myrepo/app:v1`, `${UHUB}/myrepo/app/sub:v1`, false],
    [`${UHUB}/myrepo/app:v1`, `${UHUB}/myrepo/ap:v1`, false],
    [`${UHUB}/myrepo/app`, `${UHUB}/myrepo/app:latest`, true],
    // registry matters: same path elsewhere is another image
    ['nginx', 'localhost:5000/library/nginx', false],
    [`${UHUB}/library/nginx`, 'nginx', false],
    ['localhost:5000/app', 'localhost:5001/app', false],
    ['localhost/app', 'localhost:5000/app', false],
    // no case folding: tags are case-sensitive; registries compare as written, like distribution and the runtime
    ['nginx:V1', 'nginx:v1', false],
    [`UHUB.service.ucloud.cn/myrepo/app:v1`, `${UHUB}/myrepo/app:v1`, false],
    // digests
    [`nginx@${D1}`, `nginx@${D1}`, true],
    [`nginx@${D1}`, `docker.io/library/nginx@${D1}`, true],
    [`nginx:1@${D1}`, `nginx:2@${D1}`, true],
    [`nginx:1@${D1}`, `nginx@${D1}`, true],
    [`nginx@${D1}`, `nginx@${D2}`, false],
    [`nginx:1@${D1}`, `nginx:1@${D2}`, false],
    [`nginx@${D1}`, 'nginx', false],
    [`nginx@${D1}`, 'nginx:latest', false],
    [`nginx:1@${D1}`, 'nginx:1', false],
    [`nginx@${D1}`, `nginx-extra@${D1}`, false],
    // invalid input is never the same image
    ['nginx', 'Nginx', false],
    ['', '', false],
    ['nginx:', 'nginx:', false],
  ];
  for (const [a, b, expected] of cases) {
    test(`${a} ${expected ? '==' : '!='} ${b}`, () => {
      assert.equal(sameImageString(a, b), expected);
      assert.equal(sameImageString(b, a), expected);
      const ra = tryParseImageReference(a);
      const rb = tryParseImageReference(b);
      if (ra !== undefined && rb !== undefined) {
        assert.equal(sameImage(ra, rb), expected);
        assert.equal(sameImage(rb, ra), expected);
        assert.equal(imageKey(ra) === imageKey(rb), expected, `imageKey ${imageKey(ra)} vs ${imageKey(rb)}`);
      }
    });
  }
});

describe('imageKey', () => {
  test('formats', () => {
    assert.equal(imageKey(parseImageReference('nginx')), 'docker.io/library/nginx:latest');
    assert.equal(imageKey(parseImageReference('nginx:1.25')), 'docker.io/library/nginx:1.25');
    assert.equal(imageKey(parseImageReference(`${UHUB}/a/b:v1@${D1}`)), `${UHUB}/a/b@${D1}`);
    assert.equal(imageKey(parseImageReference(`${UHUB}/a/b@${D1}`)), `${UHUB}/a/b@${D1}`);
  });

  test('is consistent with sameImage over every pair', () => {
    const spellings = [
      'nginx', 'nginx:latest', 'docker.io/library/nginx', 'index.docker.io/nginx:latest', 'nginx:1', 'nginx:10',
      'nginx-extra', `nginx@${D1}`, `nginx:1@${D1}`, `nginx:2@${D2}`, `docker.io/library/nginx@${D2}`,
      `${UHUB}/myrepo/app`, `${UHUB}/myrepo/app:latest`, `${UHUB}/myrepo/app:v1`, `${UHUB}/myrepo/app:v1@${D1}`,
      `${UHUB}/myrepo/app@${D1}`, 'localhost:5000/nginx', '[::1]:5000/nginx', 'foo_bar.com/x', 'docker.io/foo_bar.com/x',
    ];
    const refs = spellings.map((s) => parseImageReference(s));
    const byKey = new Map<string, ImageReference[]>();
    for (const r of refs) byKey.set(imageKey(r), [...(byKey.get(imageKey(r)) ?? []), r]);
    for (const a of refs) {
      for (const b of refs) {
        assert.equal(imageKey(a) === imageKey(b), sameImage(a, b), `${canonicalImage(a)} vs ${canonicalImage(b)}`);
      }
    }
    assert.equal(byKey.get('docker.io/library/nginx:latest')?.length, 4);
    assert.equal(byKey.get(`${UHUB}/myrepo/app@${D1}`)?.length, 2);
  });
});

describe('defaultTargetImage', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['nginx', 'nginx:latest-acc'],
    ['nginx:1.25', 'nginx:1.25-acc'],
    ['library/nginx', 'library/nginx:latest-acc'],
    ['docker.io/library/nginx:1', 'docker.io/library/nginx:1-acc'],
    ['index.docker.io/nginx', 'index.docker.io/nginx:latest-acc'],
    [`${UHUB}/x/y:1`, `${UHUB}/x/y:1-acc`],
    [`${UHUB}/myrepo/app`, `${UHUB}/myrepo/app:latest-acc`],
    [`${UHUB}/myrepo/app/sub:v1.2.3`, `${UHUB}/myrepo/app/sub:v1.2.3-acc`],
    ['localhost:5000/app', 'localhost:5000/app:latest-acc'],
    ['[::1]:5000/app:v2', '[::1]:5000/app:v2-acc'],
    ['test.com:5000', 'test.com:5000-acc'],
    ['nginx:V1', 'nginx:V1-acc'],
    ['nginx:1.0-acc', 'nginx:1.0-acc-acc'],
    [`nginx:1@${D1}`, 'nginx:1-acc'],
    [`${UHUB}/myrepo/app:v1@${D1}`, `${UHUB}/myrepo/app:v1-acc`],
    [`nginx:${'t'.repeat(124)}`, `nginx:${'t'.repeat(124)}-acc`],
  ];
  for (const [original, target] of cases) {
    test(`${original.length > 60 ? `${original.slice(0, 60)}…` : original} → target`, () => {
      assert.equal(defaultTargetImage(original), target);
      const o = parseImageReference(original);
      const t = parseImageReference(target);
      assert.equal(repositoryName(t), repositoryName(o));
      assert.equal(t.tag, `${o.tag ?? 'latest'}-acc`);
      assert.equal(t.digest, undefined);
      assert.equal(sameImage(o, t), false);
    });
  }

  test('refuses a digest-only original', () => {
    assert.throws(() => defaultTargetImage(`nginx@${D1}`), (err: unknown) => {
      assert.ok(err instanceof InvalidReferenceError);
      assert.equal(err.input, `nginx@${D1}`);
      assert.match(err.reason, /digest only/);
      assert.match(err.message, /name the target image explicitly/);
      return true;
    });
    assert.throws(() => defaultTargetImage(`${UHUB}/a/b@${D1}`), InvalidReferenceError);
  });

  test('refuses a target tag over 128 characters', () => {
    assert.throws(() => defaultTargetImage(`nginx:${'t'.repeat(125)}`), (err: unknown) => {
      assert.ok(err instanceof InvalidReferenceError);
      assert.match(err.reason, /longer than 128 characters/);
      return true;
    });
    assert.throws(() => defaultTargetImage(`nginx:${'t'.repeat(128)}`), InvalidReferenceError);
  });

  test('refuses an invalid original with the parse reason', () => {
    assert.throws(() => defaultTargetImage('Nginx'), (err: unknown) => {
      assert.ok(err instanceof InvalidReferenceError);
      assert.match(err.reason, LOWERCASE);
      return true;
    });
    assert.throws(() => defaultTargetImage(''), InvalidReferenceError);
  });
});

test('parsed references carry no extra properties', () => {
  assert.deepEqual(Object.keys(parseImageReference('nginx')).sort(), ['domain', 'path']);
  assert.deepEqual(Object.keys(parseImageReference(`nginx:1@${D1}`)).sort(), ['digest', 'domain', 'path', 'tag']);
});

describe('zh-CN: invalid references are explained in Chinese; `reason` and englishMessage stay English', () => {
  const cases: readonly { input: string; message: string; reason: RegExp }[] = [
    { input: '', message: '无效的镜像地址 ""：为空', reason: /^empty$/ },
    { input: 'Nginx:1', message: '无效的镜像地址 "Nginx:1"：仓库名必须为小写', reason: LOWERCASE },
    { input: 'a b', message: '无效的镜像地址 "a b"：格式无效', reason: FORMAT },
    { input: F64, message: `无效的镜像地址 "${F64}"：不能使用 64 位十六进制字符串（它看起来像镜像 ID）`, reason: /^cannot specify 64-byte/ },
    { input: 'nginx:-x', message: '无效的镜像地址 "nginx:-x"：tag "-x" 无效：只能使用字母、数字、“_”、“.” 和 “-”，且不能以 “.” 或 “-” 开头', reason: /^invalid tag "-x"/ },
    { input: `nginx:${'t'.repeat(129)}`, message: `无效的镜像地址 "nginx:${'t'.repeat(129)}"：tag 无效：超过 128 个字符`, reason: /^invalid tag: longer than 128 characters$/ },
    { input: 'nginx@sha256:abc', message: '无效的镜像地址 "nginx@sha256:abc"：digest "sha256:abc" 无效：格式应为 algorithm:hex，例如 sha256:<64 个十六进制字符>', reason: /^invalid digest "sha256:abc"/ },
    { input: `nginx@md5:${'a'.repeat(32)}`, message: `无效的镜像地址 "nginx@md5:${'a'.repeat(32)}"：digest 无效：不支持的 digest 算法 "md5"`, reason: /unsupported digest algorithm "md5"$/ },
    { input: `nginx@sha256:${'a'.repeat(63)}`, message: `无效的镜像地址 "nginx@sha256:${'a'.repeat(63)}"：digest 无效：sha256 需要 64 个十六进制字符，实际为 63 个`, reason: /needs 64 hex characters, got 63$/ },
    { input: `nginx@sha256:${'A'.repeat(64)}`, message: `无效的镜像地址 "nginx@sha256:${'A'.repeat(64)}"：digest 无效：sha256 的十六进制字符必须为小写`, reason: /hex must be lowercase$/ },
    { input: `x/${'a'.repeat(256)}`, message: `无效的镜像地址 "x/${'a'.repeat(256)}"：仓库名不能超过 255 个字符`, reason: /not be more than 255 characters$/ },
  ];
  for (const c of cases) {
    test(JSON.stringify(c.input.length > 40 ? `${c.input.slice(0, 40)}…` : c.input), async () => {
      await useLanguage('zh-CN');
      try {
        assert.throws(() => parseImageReference(c.input), (err: unknown) => {
          assert.ok(err instanceof InvalidReferenceError);
          assert.equal(err.message, c.message);
          assert.match(err.reason, c.reason);
          assert.equal(err.englishMessage, `invalid image reference ${JSON.stringify(c.input)}: ${err.reason}`);
          return true;
        });
      } finally {
        await useLanguage('en');
      }
      // English, as before.
      assert.throws(() => parseImageReference(c.input), (err: InvalidReferenceError) => err.message === err.englishMessage && err.message.endsWith(err.reason));
    });
  }

  test('a target image that cannot be derived: Chinese message naming 目标镜像, English reason', async () => {
    await useLanguage('zh-CN');
    try {
      assert.throws(() => defaultTargetImage(`nginx@${D1}`), (err: InvalidReferenceError) => {
        assert.equal(err.message, `无法从 "nginx@${D1}" 推导目标镜像：它只用 digest 指定，请明确指定目标镜像`);
        assert.equal(err.reason, 'pinned by digest only');
        assert.equal(err.englishMessage, `cannot derive a target image from "nginx@${D1}": it is pinned by digest only; name the target image explicitly`);
        return true;
      });
      assert.throws(() => defaultTargetImage(`nginx:${'t'.repeat(125)}`), (err: InvalidReferenceError) => {
        assert.equal(err.message, `无法从 "nginx:${'t'.repeat(125)}" 推导目标镜像：tag 加上 “-acc” 后将超过 128 个字符，请明确指定目标镜像`);
        assert.equal(err.reason, 'target tag would be longer than 128 characters');
        return true;
      });
    } finally {
      await useLanguage('en');
    }
  });
});
