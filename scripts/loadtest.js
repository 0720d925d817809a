#!/usr/bin/env node
// Load test for `sinan serve`: many concurrent streaming chat clients on loopback.
//
//   node scripts/loadtest.js                      starts build/apps/sinan serve on the demo model itself
//   node scripts/loadtest.js --url http://127.0.0.1:8080 --pid 1234     an already running server
//
// Phases: warm-up; a single client streaming back to back (the baseline); then --clients clients streaming
// back to back for --duration seconds. Every response must be HTTP 200, a well-formed SSE stream ending in
// `data: [DONE]` with a finish_reason and usage, and an answer in the demo's form ("a + b = c"); anything
// else counts as a failure. Tokens/s counts completion tokens (reasoning included) over wall-clock time,
// end to end and, from the server's sinan_generation_tokens_total, within the phase's window.
// The server's resident memory (VmRSS) is sampled every second after warm-up.
//
// Options: --clients 32 --duration 120 --single 20 --warmup 10 --binary PATH --model PATH --parallel N
//          --ctx-size N --threads N --json OUT.json
//          --max-tokens N   cap each completion (default: none; the demo stops on its own)
//          --any-answer     accept any text (random-weight `sinan synth` models: their streams are still checked)
// No dependencies beyond Node.js (node:http), so the client costs little CPU next to the server.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']);
    return pairs;
  }, []),
);
const clients = Number(args.clients ?? 32);
const duration = Number(args.duration ?? 120);
const singleSeconds = Number(args.single ?? 20);
const warmupSeconds = Number(args.warmup ?? 10);
const maxTokens = args['max-tokens'] ? Number(args['max-tokens']) : undefined;
const anyAnswer = args['any-answer'] === 'true';

function startServer() {
  const binary = args.binary ?? path.join(root, 'build/apps/sinan');
  const serveArgs = ['serve', '--port', '0', '--parallel', String(args.parallel ?? clients), '--ctx-size',
    String(args['ctx-size'] ?? 1024)];
  if (args.model) serveArgs.splice(1, 0, args.model);
  if (args.threads) serveArgs.push('--threads', String(args.threads));
  const child = spawn(binary, serveArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/listening on (http:\/\/\S+)/);
      if (m) resolve({ url: m[1], pid: child.pid, child, log: () => log });
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${log}`)));
  });
}

// CPU seconds the server process has used (user + system), from /proc/PID/stat.
function cpuSeconds(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;  // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

function rssMiB(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: clients + 4 });

// One streaming chat request; resolves to { ok, error, tokens, ttft, seconds }.
function streamOnce(url, a, b) {
  const op = b < 0 ? '-' : '+';
  const body = JSON.stringify({
    model: 'demo',
    messages: [{ role: 'user', content: `What is ${a}${op}${Math.abs(b)}?` }],
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0,
    ...(maxTokens ? { max_tokens: maxTokens } : {}),
  });
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    const fail = (error) => resolve({ ok: false, error });
    const req = http.request(
      `${url}/v1/chat/completions`,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return fail(`HTTP ${res.statusCode}`);
        }
        let buffer = '';
        let content = '';
        let finish = null;
        let usage = null;
        let done = false;
        let ttft = null;
        let bad = null;
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (!event.startsWith('data: ')) {
              bad ??= `not an SSE data line: ${event.slice(0, 80)}`;
              continue;
            }
            if (event === 'data: [DONE]') {
              done = true;
              continue;
            }
            if (done) bad ??= 'data after [DONE]';
            let j;
            try {
              j = JSON.parse(event.slice(6));
            } catch {
              bad ??= 'a chunk that is not JSON';
              continue;
            }
            if (j.error) bad ??= `error event: ${j.error.message}`;
            if (j.usage) usage = j.usage;
            const choice = j.choices?.[0];
            if (!choice) continue;
            if (ttft === null && (choice.delta.reasoning_content || choice.delta.content)) {
              ttft = Number(process.hrtime.bigint() - start) / 1e9;
            }
            if (choice.delta.content) content += choice.delta.content;
            if (choice.finish_reason) finish = choice.finish_reason;
          }
        });
        res.on('end', () => {
          const seconds = Number(process.hrtime.bigint() - start) / 1e9;
          if (bad) return fail(bad);
          if (!done) return fail('stream ended without [DONE]');
          if (!finish) return fail('no finish_reason');
          if (!usage) return fail('no usage');
          if (anyAnswer) return resolve({ ok: true, tokens: usage.completion_tokens, ttft, seconds, right: true });
          if (!/^-?\d+ [+-] \d+ = -?\d+$/.test(content)) return fail(`unexpected answer ${JSON.stringify(content)}`);
          const right = content.endsWith(`= ${a + b}`);
          resolve({ ok: true, tokens: usage.completion_tokens, ttft, seconds, right });
        });
        res.on('error', (e) => fail(String(e)));
      },
    );
    req.on('error', (e) => fail(String(e)));
    req.end(body);
  });
}

function problem() {
  const a = Math.floor(Math.random() * 1000);
  const b = Math.floor(Math.random() * 1000) * (Math.random() < 0.5 ? -1 : 1);
  return [a, b];
}

// The server's own counters from GET /metrics (Prometheus text): name -> value, first series of each name.
function serverCounters(url) {
  return new Promise((resolve) => {
    http
      .get(`${url}/metrics`, { agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          const counters = {};
          for (const line of text.split('\n')) {
            const m = line.match(/^(\w+)(?:\{[^}]*\})? (\S+)$/);
            if (m && !(m[1] in counters)) counters[m[1]] = Number(m[2]);
          }
          resolve(counters);
        });
      })
      .on('error', () => resolve({}));
  });
}

// n clients streaming back to back for `seconds`. Two throughputs: end to end (every token of every
// request over the time until the last one finished, so it includes the drain after the deadline, when
// fewer than n clients are still running), and in the window [start, deadline] from the server's own
// token counter (the sustained rate with all n clients active).
async function run(url, n, seconds, pid) {
  const results = [];
  const deadline = Date.now() + seconds * 1000;
  const countersStart = await serverCounters(url);
  const start = process.hrtime.bigint();
  const cpuStart = cpuSeconds(pid);
  const clientCpuStart = process.cpuUsage();
  let windowEnd = null;
  const windowTimer = setTimeout(async () => {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    windowEnd = { seconds, counters: await serverCounters(url) };
  }, seconds * 1000);
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (Date.now() < deadline) results.push(await streamOnce(url, ...problem()));
    }),
  );
  clearTimeout(windowTimer);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const windowTokens = (name) =>
    windowEnd ? (windowEnd.counters[name] ?? NaN) - (countersStart[name] ?? NaN) : NaN;
  const serverCpu = cpuSeconds(pid) - cpuStart;
  const clientCpu = process.cpuUsage(clientCpuStart);
  const ok = results.filter((r) => r.ok);
  const tokens = ok.reduce((s, r) => s + r.tokens, 0);
  const pct = (xs, p) => (xs.length ? xs.sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))] : NaN);
  const errors = {};
  for (const r of results.filter((x) => !x.ok)) errors[r.error] = (errors[r.error] ?? 0) + 1;
  return {
    clients: n,
    seconds: elapsed,
    requests: results.length,
    failed: results.length - ok.length,
    errors,
    wrong_answers: ok.filter((r) => !r.right).length,
    completion_tokens: tokens,
    tokens_per_second: tokens / elapsed,
    window_seconds: windowEnd ? windowEnd.seconds : NaN,
    window_tokens: windowTokens('sinan_generation_tokens_total'),
    window_tokens_per_second: windowTokens('sinan_generation_tokens_total') / (windowEnd ? windowEnd.seconds : NaN),
    window_prompt_tokens_computed: windowTokens('sinan_prompt_tokens_computed_total'),
    server_cpu_seconds: serverCpu,
    server_cores: serverCpu / elapsed,  // how much CPU the server got (the machine may be shared)
    tokens_per_server_cpu_second: tokens / serverCpu,
    client_cpu_seconds: (clientCpu.user + clientCpu.system) / 1e6,
    ttft_p50: pct(ok.map((r) => r.ttft), 0.5),
    ttft_p95: pct(ok.map((r) => r.ttft), 0.95),
    request_seconds_p50: pct(ok.map((r) => r.seconds), 0.5),
    request_seconds_p95: pct(ok.map((r) => r.seconds), 0.95),
  };
}

const server = args.url ? { url: args.url, pid: Number(args.pid ?? 0) } : await startServer();
const show = (label, r) =>
  console.log(
    `${label}: ${r.clients} client(s), ${r.seconds.toFixed(1)} s, ${r.requests} requests, ${r.failed} failed, ` +
      `${r.completion_tokens} tokens, ${r.tokens_per_second.toFixed(1)} tokens/s (in the window: ` +
      `${r.window_tokens_per_second.toFixed(1)}), TTFT p50 ${(r.ttft_p50 * 1000).toFixed(0)} ms ` +
      `p95 ${(r.ttft_p95 * 1000).toFixed(0)} ms, request p50 ${r.request_seconds_p50.toFixed(2)} s p95 ${r.request_seconds_p95.toFixed(2)} s; ` +
      `server used ${r.server_cores.toFixed(2)} cores (${r.tokens_per_server_cpu_second.toFixed(0)} tokens per CPU-second), ` +
      `client ${r.client_cpu_seconds.toFixed(1)} CPU-s`,
  );
console.log(`server ${server.url} (pid ${server.pid || '?'}), ${os.cpus().length} CPUs: ${os.cpus()[0].model}`);

const warmup = await run(server.url, clients, warmupSeconds, server.pid);
show('warm-up', warmup);
const single = await run(server.url, 1, singleSeconds, server.pid);
show('single stream', single);

const rss = [];
const rssTimer = setInterval(() => rss.push(rssMiB(server.pid)), 1000);
rss.push(rssMiB(server.pid));
const load = await run(server.url, clients, duration, server.pid);
clearInterval(rssTimer);
rss.push(rssMiB(server.pid));
show('load', load);

const summary = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} x ${os.cpus()[0].model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`,
  single,
  load,
  speedup: load.tokens_per_second / single.tokens_per_second,
  speedup_in_window: load.window_tokens_per_second / single.window_tokens_per_second,
  speedup_per_server_cpu_second: load.tokens_per_server_cpu_second / single.tokens_per_server_cpu_second,
  rss_mib: { after_warmup: rss[0], min: Math.min(...rss), max: Math.max(...rss), end: rss[rss.length - 1], samples: rss.length },
};
console.log(
  `speedup ${summary.speedup.toFixed(2)}x end to end, ${summary.speedup_in_window.toFixed(2)}x in the window (per server CPU-second ${summary.speedup_per_server_cpu_second.toFixed(2)}x); RSS after warm-up ${summary.rss_mib.after_warmup.toFixed(1)} MiB, ` +
    `min ${summary.rss_mib.min.toFixed(1)}, max ${summary.rss_mib.max.toFixed(1)}, end ${summary.rss_mib.end.toFixed(1)} MiB`,
);
if (args.json) fs.writeFileSync(args.json, JSON.stringify(summary, null, 1));
if (server.child) server.child.kill('SIGTERM');
agent.destroy();
const incomplete = warmup.failed + single.failed + load.failed;
process.exit(incomplete === 0 ? 0 : 1);
