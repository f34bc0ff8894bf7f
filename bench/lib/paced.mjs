/**
 * A paced load for latency at a modest, fixed rate (the growth figure). autocannon's rate limit
 * sends each connection's quota for the second back to back and then waits, so at a fixed rate
 * it measures queueing inside its own bursts. Here requests are sent evenly spaced (open loop)
 * over at most CONNECTIONS keep-alive sockets. Each latency runs from the moment the request is
 * handed to the HTTP agent: a stalled server still counts (a request waiting for one of the 32
 * sockets waits in the agent, on the clock), but the sender's own timer lateness does not. Timed
 * from the schedule instead, a timer firing a millisecond late — routine on a busy machine —
 * added a millisecond to a sub-millisecond figure, and the growth ratio compared that noise.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONNECTIONS } from './load.mjs';
import { percentile } from './stats.mjs';

/** `target` = { url, method, headers, body, nextBody?(), verifyBody? }; `rate` requests/s. */
export async function measurePaced(target, { duration, warmup, rate }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const send = (body) =>
    new Promise((resolve) => {
      const headers = { ...target.headers, 'content-length': Buffer.byteLength(body ?? '') };
      const request = http.request(target.url, { method: target.method, headers, agent }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode, text }));
        response.on('error', () => resolve({ status: 0, text: '' }));
      });
      request.on('error', () => resolve({ status: 0, text: '' }));
      request.end(body);
    });

  async function phase(seconds) {
    const latencies = [];
    let errors = 0;
    const total = Math.round(seconds * rate);
    const start = performance.now();
    const pending = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const body = target.nextBody ? target.nextBody() : target.body;
      const sent = performance.now();
      pending.push(
        send(body).then(({ status, text }) => {
          if (status !== 200 || (target.verifyBody && !target.verifyBody(text))) errors++;
          else latencies.push(performance.now() - sent);
        }),
      );
    }
    await Promise.all(pending);
    return { latencies, errors, requests: total, seconds: (performance.now() - start) / 1000 };
  }

  try {
    if (warmup > 0) await phase(warmup);
    const { latencies, errors, requests, seconds } = await phase(duration);
    return {
      rate: requests / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      errors,
      requests,
    };
  } finally {
    agent.destroy();
  }
}
