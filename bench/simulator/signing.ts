import { createHash, sign } from 'node:crypto';
import { Agent, request } from 'node:http';

/** A POST ready to go: signed once, sendable later (receivers accept a `Date` within an hour). */
export type PreparedRequest = {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
};

export type SendResult = {
  status: number;
  /** Seconds from a `Retry-After` header, when the receiver sent one. */
  retryAfter?: number;
};

const SIGNED_HEADERS = '(request-target) host date digest content-type';

/**
 * Signs a POST the way Mastodon does: draft-cavage HTTP Signatures with `rsa-sha256` over
 * `(request-target) host date digest content-type`, and `Digest: SHA-256=…` of the body.
 */
export function signPost(
  keyId: string,
  privateKeyDer: Buffer,
  url: string,
  body: string,
  date = new Date(),
): PreparedRequest {
  const target = new URL(url);
  const headers = {
    host: target.host,
    date: date.toUTCString(),
    digest: `SHA-256=${createHash('sha256').update(body).digest('base64')}`,
    'content-type': 'application/activity+json',
  };
  const signingString = [
    `(request-target): post ${target.pathname}${target.search}`,
    `host: ${headers.host}`,
    `date: ${headers.date}`,
    `digest: ${headers.digest}`,
    `content-type: ${headers['content-type']}`,
  ].join('\n');
  const signature = sign('sha256', Buffer.from(signingString), {
    key: privateKeyDer,
    format: 'der',
    type: 'pkcs8',
  }).toString('base64');
  return {
    url,
    body,
    headers: {
      ...headers,
      accept: 'application/activity+json',
      signature: `keyId="${keyId}",algorithm="rsa-sha256",headers="${SIGNED_HEADERS}",signature="${signature}"`,
    },
  };
}

/**
 * Sends prepared requests over `node:http` with kept-alive connections (fetch would refuse or
 * rewrite `Host` and `Date`, which the signature covers).
 */
export class Sender {
  // At most two idle connections kept per instance: with 1,000 instances, more would run the
  // process out of file descriptors (each loopback connection holds two: ours and the server's).
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 2 });

  send(prepared: PreparedRequest, timeoutMs = 30_000): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      const body = Buffer.from(prepared.body);
      const req = request(
        prepared.url,
        {
          method: 'POST',
          agent: this.#agent,
          headers: { ...prepared.headers, 'content-length': String(body.length) },
          timeout: timeoutMs,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const retryAfter = Number(res.headers['retry-after']);
            resolve({
              status: res.statusCode ?? 0,
              ...(Number.isFinite(retryAfter) ? { retryAfter } : {}),
            });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from ${prepared.url} in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
