import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UCloudClient, parseRetCode } from '../../lib/ucloud/client.ts';
import { UCloudApiError, UCloudCancelledError, UCloudTransportError } from '../../lib/ucloud/errors.ts';
import { useLanguage } from '../../lib/i18n/index.ts';
import { computeSignature } from '../../lib/ucloud/signature.ts';

type Reply = (req: IncomingMessage, res: ServerResponse, params: URLSearchParams) => void;

/** A scripted HTTP endpoint: each request takes the next reply (the last one repeats). */
async function endpoint(replies: Reply[]): Promise<{ url: string; requests: URLSearchParams[]; close: () => Promise<void> }> {
  const requests: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      requests.push(params);
      const reply = replies[Math.min(requests.length - 1, replies.length - 1)] as Reply;
      reply(req, res, params);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const json = (body: unknown, status = 200): Reply => (_req, res) => {
  res.writeHead(status, { 'Content-Type': 'application/json', 'X-UCLOUD-REQUEST-UUID': 'req-123' });
  res.end(JSON.stringify(body));
};
const ok = json({ RetCode: 0, Action: 'GetUK8SImageAccelerateResponse', Status: 'Ready' });
const SECRET = 'private-key-very-secret';

function client(url: string, extra: Partial<ConstructorParameters<typeof UCloudClient>[0]> = {}): UCloudClient {
  return new UCloudClient({ baseUrl: url, credentials: { publicKey: 'pub', privateKey: SECRET }, region: 'cn-bj2', backoffBaseMs: 1, backoffMaxMs: 5, ...extra });
}

test('sends a signed form POST with Region, no empty parameters, and a valid signature', async () => {
  const ep = await endpoint([ok]);
  try {
    await client(ep.url, { projectId: '' }).call('GetUK8SImageAccelerate', { ClusterId: 'uk8s-abcdefgh', Empty: '' }, { retryable: true });
    const p = ep.requests[0] as URLSearchParams;
    const flat = Object.fromEntries(p.entries());
    assert.deepEqual(Object.keys(flat).sort(), ['Action', 'ClusterId', 'PublicKey', 'Region', 'Signature']);
    const { Signature, ...rest } = flat;
    assert.equal(Signature, computeSignature(rest, SECRET));
  } finally {
    await ep.close();
  }
});

test('reads are retried on 5xx/429 and RetCode >= 2000, then succeed', async () => {
  const ep = await endpoint([json({}, 503), json({}, 429), json({ RetCode: 2001, Message: 'busy' }), ok]);
  try {
    const body = await client(ep.url).call('GetUK8SImageAccelerate', {}, { retryable: true });
    assert.equal(body['Status'], 'Ready');
    assert.equal(ep.requests.length, 4);
  } finally {
    await ep.close();
  }
});

test('mutating actions are sent exactly once, even on 503', async () => {
  const ep = await endpoint([json({}, 503), ok]);
  try {
    await assert.rejects(client(ep.url).call('CreateUK8SImageAccelerate', {}, { retryable: false }), (err: UCloudTransportError) => {
      assert.ok(err instanceof UCloudTransportError);
      assert.equal(err.ambiguous, true);
      assert.equal(err.httpStatus, 503);
      assert.match(err.message, /request id req-123/);
      return true;
    });
    assert.equal(ep.requests.length, 1);
  } finally {
    await ep.close();
  }
});

test('API errors carry action, RetCode, message, request id and advice; low RetCodes are not retried', async () => {
  const ep = await endpoint([json({ RetCode: 171, Message: 'Signature VerifyAC Error' })]);
  try {
    await assert.rejects(client(ep.url).call('GetUK8SImageAccelerate', {}, { retryable: true }), (err: UCloudApiError) => {
      assert.ok(err instanceof UCloudApiError);
      assert.equal(err.retCode, 171);
      assert.match(err.message, /GetUK8SImageAccelerate failed: RetCode 171: Signature VerifyAC Error \(request id req-123\)/);
      assert.match(err.message, /hint: signature rejected/);
      return true;
    });
    assert.equal(ep.requests.length, 1);
  } finally {
    await ep.close();
  }
});

test('RetCode as a string is understood; invalid JSON and missing RetCode are transport errors', async () => {
  assert.equal(parseRetCode('0'), 0);
  assert.equal(parseRetCode(' 150 '), 150);
  assert.equal(parseRetCode('x'), undefined);
  assert.equal(parseRetCode(1.5), undefined);
  const ep = await endpoint([json({ RetCode: '0', Status: 'Ready' })]);
  try {
    assert.equal((await client(ep.url).call('X', {}, { retryable: true }))['Status'], 'Ready');
  } finally {
    await ep.close();
  }
  const bad = await endpoint([(_q, res) => res.end('<html>oops'), json({ Foo: 1 })]);
  try {
    await assert.rejects(client(bad.url, { maxRetries: 0 }).call('X', {}, { retryable: true }), /not JSON/);
    await assert.rejects(client(bad.url, { maxRetries: 0 }).call('X', {}, { retryable: true }), /no valid RetCode/);
  } finally {
    await bad.close();
  }
});

test('a hung request times out and is retried only when retryable', async () => {
  const ep = await endpoint([() => undefined]);
  // Attempts are counted where they are sent: on a loaded machine the 100 ms can run out before this same process's
  // server has read a request, so the server's count would race with the timer.
  const attempts = (lines: readonly string[]): string[] => lines.filter((l) => l.startsWith('POST ')).map((l) => /\(attempt (\d+)\)$/.exec(l)?.[1] ?? l);
  try {
    const read: string[] = [];
    await assert.rejects(client(ep.url, { timeoutMs: 100, maxRetries: 1, debug: (l) => read.push(l) }).call('X', {}, { retryable: true }), /no answer within 0.1s/);
    assert.deepEqual(attempts(read), ['1', '2']);
    const write: string[] = [];
    await assert.rejects(client(ep.url, { timeoutMs: 100, debug: (l) => write.push(l) }).call('CreateX', {}, { retryable: false }), (err: UCloudTransportError) => err.ambiguous);
    assert.deepEqual(attempts(write), ['1']);
  } finally {
    await ep.close();
  }
});

test('connection refused is not ambiguous (nothing was sent)', async () => {
  const ep = await endpoint([ok]);
  await ep.close();
  await assert.rejects(client(ep.url).call('CreateX', {}, { retryable: false }), (err: UCloudTransportError) => {
    assert.equal(err.ambiguous, false);
    assert.match(err.message, /network error/);
    return true;
  });
});

test('secrets never appear in errors or debug lines, even when the API echoes them', async () => {
  const ep = await endpoint([json({ RetCode: 230, Message: `bad password hunter2-secret for key ${SECRET}` })]);
  const lines: string[] = [];
  try {
    await assert.rejects(
      client(ep.url, { debug: (l) => lines.push(l) }).call('EnableX', { UHubPassword: 'hunter2-secret' }, { retryable: false, secretParams: ['UHubPassword'] }),
      (err: Error) => {
        assert.ok(!err.message.includes('hunter2-secret'));
        assert.ok(!err.message.includes(SECRET));
        assert.match(err.message, /<redacted>/);
        return true;
      },
    );
    assert.ok(lines.length > 0);
    for (const l of lines) {
      assert.ok(!l.includes('hunter2-secret'), l);
      assert.ok(!l.includes(SECRET), l);
    }
    assert.ok(lines.some((l) => l.includes('UHubPassword=<redacted>')));
  } finally {
    await ep.close();
  }
});

/** A check for assert.rejects that matches the error's message alone (a RegExp would also see its name). */
const message = (re: RegExp) => (err: Error): boolean => {
  assert.match(err.message, re);
  return true;
};

/** Runs `fn` with Simplified Chinese selected, as `LANG=zh_CN.UTF-8` does for the plugin, and English again after. */
async function inChinese(fn: () => Promise<void>): Promise<void> {
  await useLanguage('zh-CN');
  try {
    await fn();
  } finally {
    await useLanguage('en');
  }
}

test("zh-CN: a RetCode error shows UCloud's Message as it comes, with our words and advice in Chinese; englishMessage stays English", async () => {
  const ep = await endpoint([json({ RetCode: 171, Message: 'Signature VerifyAC Error' })]);
  try {
    await inChinese(async () => {
      await assert.rejects(client(ep.url).call('GetUK8SImageAccelerate', {}, { retryable: true }), (err: UCloudApiError) => {
        assert.ok(err instanceof UCloudApiError);
        assert.equal(
          err.message,
          'UCloud API GetUK8SImageAccelerate 调用失败：RetCode 171：Signature VerifyAC Error（请求 ID：req-123）\n' +
            '提示：签名被拒绝：请检查公钥和私钥是否属于同一对（UCLOUD_PUBLIC_KEY / UCLOUD_PRIVATE_KEY、凭证 Secret 或 ucloud-cli 的 profile）。',
        );
        assert.equal(err.apiMessage, 'Signature VerifyAC Error');
        assert.match(err.advice ?? '', /^签名被拒绝/);
        assert.match(err.englishMessage, /^UCloud API GetUK8SImageAccelerate failed: RetCode 171: Signature VerifyAC Error \(request id req-123\)\nhint: signature rejected: /);
        return true;
      });
    });
    // Back in English, the same failure reads exactly as before.
    await assert.rejects(client(ep.url).call('GetUK8SImageAccelerate', {}, { retryable: true }), (err: UCloudApiError) => {
      assert.equal(err.message, err.englishMessage);
      assert.match(err.message, /^UCloud API GetUK8SImageAccelerate failed: RetCode 171: Signature VerifyAC Error \(request id req-123\)\nhint: signature rejected/);
      return true;
    });
  } finally {
    await ep.close();
  }
});

test('zh-CN: a RetCode without advice and without a Message; UCloud\'s Chinese Message is not altered', async () => {
  const ep = await endpoint([json({ RetCode: 230 }), json({ RetCode: 8000, Message: '镜像加速未开启' })]);
  try {
    await inChinese(async () => {
      await assert.rejects(client(ep.url).call('CreateX', {}, { retryable: false }), (err: Error) => {
        assert.equal(err.message, 'UCloud API CreateX 调用失败：RetCode 230：（无消息）（请求 ID：req-123）');
        return true;
      });
      await assert.rejects(client(ep.url).call('CreateX', {}, { retryable: false }), message(/^UCloud API CreateX 调用失败：RetCode 8000：镜像加速未开启（请求 ID：req-123）$/));
    });
  } finally {
    await ep.close();
  }
});

test('zh-CN: transport errors (refused, timeout, not JSON, no RetCode) and the retry line are Chinese', async () => {
  const refused = await endpoint([ok]);
  await refused.close();
  const hung = await endpoint([() => undefined]);
  const html = await endpoint([(_req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end('<html>'); }]);
  const noRetCode = await endpoint([json({ Action: 'X' })]);
  try {
    await inChinese(async () => {
      const retries: string[] = [];
      await assert.rejects(client(refused.url, { maxRetries: 1, onRetry: (l) => retries.push(l) }).call('GetX', {}, { retryable: true }), (err: UCloudTransportError) => {
        assert.ok(err instanceof UCloudTransportError);
        assert.match(err.message, new RegExp(`^UCloud API GetX 调用失败：网络错误：connect ECONNREFUSED .*（${refused.url}）$`));
        assert.match(err.englishMessage, new RegExp(`^UCloud API GetX failed: network error: connect ECONNREFUSED .* \\(${refused.url}\\)$`));
        return true;
      });
      assert.equal(retries.length, 1);
      assert.match(retries[0] ?? '', /^UCloud API GetX 调用失败：网络错误：.*；正在重试（第 2 次，共 2 次）$/);
      await assert.rejects(client(hung.url, { timeoutMs: 100 }).call('CreateX', {}, { retryable: false }), message(new RegExp(`^UCloud API CreateX 调用失败：0.1 秒内没有响应（${hung.url}）$`)));
      await assert.rejects(client(html.url, { maxRetries: 0 }).call('GetX', {}, { retryable: true }), message(/^UCloud API GetX 调用失败：响应不是 JSON（HTTP 200，6 字节）$/));
      await assert.rejects(client(noRetCode.url, { maxRetries: 0 }).call('GetX', {}, { retryable: true }), message(/^UCloud API GetX 调用失败：响应中没有有效的 RetCode（请求 ID：req-123）$/));
    });
  } finally {
    await Promise.all([hung.close(), html.close(), noRetCode.close()]);
  }
});

test('zh-CN: a call the caller gave up on says in Chinese whether the request may have been accepted', async () => {
  const hung = await endpoint([() => undefined]);
  try {
    await inChinese(async () => {
      const stop = new AbortController();
      const sent = client(hung.url, { signal: stop.signal, timeoutMs: 0 }).call('CreateX', {}, { retryable: false });
      // Abort once the request has reached the endpoint: the condition, not a delay.
      while (hung.requests.length === 0) await new Promise((r) => setImmediate(r));
      stop.abort(new Error('--timeout 2s 已到'));
      await assert.rejects(sent, (err: UCloudCancelledError) => {
        assert.ok(err instanceof UCloudCancelledError);
        assert.equal(err.message, '--timeout 2s 已到：已放弃等待 UCloud API CreateX 的响应，请求可能已被接受：重试前请先运行 `kubectl uimgacc status` 查看');
        assert.equal(err.englishMessage, '--timeout 2s 已到: UCloud API CreateX abandoned; the request may have been accepted: check `kubectl uimgacc status` before retrying');
        return true;
      });
      // A reason that is no Error (nothing says why): "cancelled", in Chinese.
      const aborted = new AbortController();
      aborted.abort('stop');
      await assert.rejects(client(hung.url, { signal: aborted.signal }).call('GetX', {}, { retryable: true }), message(/^已取消：已放弃 UCloud API GetX 调用，请求未发出$/));
    });
  } finally {
    await hung.close();
  }
});

test('zh-CN: secrets stay out of Chinese messages too', async () => {
  const ep = await endpoint([json({ RetCode: 230, Message: `bad password hunter2-secret for key ${SECRET}` })]);
  try {
    await inChinese(async () => {
      await assert.rejects(client(ep.url).call('EnableX', { UHubPassword: 'hunter2-secret' }, { retryable: false, secretParams: ['UHubPassword'] }), (err: UCloudApiError) => {
        for (const text of [err.message, err.englishMessage]) {
          assert.ok(!text.includes('hunter2-secret'), text);
          assert.ok(!text.includes(SECRET), text);
        }
        assert.match(err.message, /调用失败：RetCode 230：bad password <redacted> for key <redacted>/);
        return true;
      });
    });
  } finally {
    await ep.close();
  }
});
