// sinan serve on the bundled demo model, driven by the official openai npm client: chat with and without
// streaming, DeepSeek's reasoning_content, usage, stop strings, max_tokens, seeds, logprobs, JSON mode,
// the completions endpoint, models, errors as the client's typed exceptions, and cancellation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { metrics, startServer } from './server.js';

const question = [{ role: 'user', content: 'What is 642+178?' }];
const reasoning = '2+8=10, carry 1. 4+7+1=12, carry 1. 6+1+1=8.';

describe('sinan serve with the openai client', () => {
  let server;
  let client;
  before(async () => {
    server = await startServer(['--parallel', '4']);
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, 'the server exits cleanly on SIGTERM');
  });

  test('a chat completion answers, with the reasoning apart', async () => {
    const r = await client.chat.completions.create({ model: 'demo', messages: question, temperature: 0 });
    assert.equal(r.object, 'chat.completion');
    assert.match(r.id, /^chatcmpl-/);
    const choice = r.choices[0];
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.message.content, '642 + 178 = 820');
    assert.equal(choice.message.reasoning_content, reasoning);
    assert.equal(choice.finish_reason, 'stop');
    assert.equal(r.usage.prompt_tokens, 16);
    assert.ok(r.usage.completion_tokens > 20);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
    const thinking = r.usage.completion_tokens_details.reasoning_tokens;
    assert.ok(thinking > 10 && thinking < r.usage.completion_tokens, `reasoning tokens ${thinking}`);
  });

  test('streaming sends reasoning_content deltas, then content, then usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'demo',
      messages: question,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = '';
    let thinking = '';
    let finish = null;
    let usage = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      assert.equal(chunk.object, 'chat.completion.chunk');
      if (chunk.usage) usage = chunk.usage;
      if (chunk.choices.length === 0) continue;
      const delta = chunk.choices[0].delta;
      if (delta.reasoning_content) {
        assert.equal(content, '', 'no reasoning after the answer started');
        thinking += delta.reasoning_content;
      }
      if (delta.content) content += delta.content;
      if (chunk.choices[0].finish_reason) finish = chunk.choices[0].finish_reason;
    }
    assert.ok(chunks > 20, 'streamed token by token');
    assert.equal(content, '642 + 178 = 820');
    assert.equal(thinking, reasoning);
    assert.equal(finish, 'stop');
    assert.equal(usage.prompt_tokens, 16);
  });

  test('concurrent requests each get their own right answer', async () => {
    // (The demo gets these right alone, greedily; it is a 7.7M-parameter model and misses some, e.g. 999+1.)
    const pairs = [[15, 27], [999, -1], [450, 450], [73, 808], [120, 45], [5, 6], [321, 123], [100, -999]];
    const answers = await Promise.all(
      pairs.map(([a, b]) =>
        client.chat.completions.create({
          model: 'demo',
          messages: [{ role: 'user', content: b < 0 ? `What is ${a}-${-b}?` : `What is ${a}+${b}?` }],
          temperature: 0,
        }),
      ),
    );
    answers.forEach((r, i) => {
      const [a, b] = pairs[i];
      const expected = b < 0 ? `${a} - ${-b} = ${a + b}` : `${a} + ${b} = ${a + b}`;
      assert.equal(r.choices[0].message.content, expected);
    });
  });

  test('stop strings end the answer before them', async () => {
    const r = await client.chat.completions.create({ model: 'demo', messages: question, temperature: 0, stop: [' ='] });
    assert.equal(r.choices[0].message.content, '642 + 178');
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.choices[0].message.reasoning_content, reasoning, 'the reasoning is not cut');
  });

  test('max_tokens and max_completion_tokens end with finish_reason length', async () => {
    for (const limit of [{ max_tokens: 5 }, { max_completion_tokens: 7 }]) {
      const r = await client.chat.completions.create({ model: 'demo', messages: question, ...limit });
      assert.equal(r.choices[0].finish_reason, 'length');
      assert.equal(r.usage.completion_tokens, limit.max_tokens ?? limit.max_completion_tokens);
    }
  });

  test('the same seed gives the same text, batched or not', async () => {
    const ask = () =>
      client.chat.completions.create({ model: 'demo', messages: question, temperature: 1.0, top_p: 1, seed: 1234 });
    const alone = await ask();
    const together = await Promise.all([ask(), ask(), ask()]);
    for (const r of together) {
      assert.equal(r.choices[0].message.content, alone.choices[0].message.content);
      assert.equal(r.choices[0].message.reasoning_content, alone.choices[0].message.reasoning_content);
    }
  });

  test('logprobs report every sampled token', async () => {
    const r = await client.chat.completions.create({
      model: 'demo',
      messages: question,
      temperature: 0,
      logprobs: true,
      top_logprobs: 2,
    });
    const entries = r.choices[0].logprobs.content;
    assert.equal(entries.length, r.usage.completion_tokens);
    for (const e of entries) {
      assert.ok(e.logprob <= 0);
      assert.equal(e.top_logprobs.length, 2);
      assert.equal(e.top_logprobs[0].token, e.token, 'greedy picks the most likely');
      assert.ok(Array.isArray(e.bytes));
    }
  });

  test('response_format json_object makes the answer a JSON object', async () => {
    for (const max_tokens of [60, 200]) {
      const r = await client.chat.completions.create({
        model: 'demo',
        messages: question,
        temperature: 0.7,
        seed: 3,
        max_tokens,
        response_format: { type: 'json_object' },
      });
      const parsed = JSON.parse(r.choices[0].message.content);
      assert.equal(typeof parsed, 'object');
      assert.ok(!Array.isArray(parsed) && parsed !== null);
      assert.equal(r.choices[0].message.reasoning_content.slice(0, 6), '2+8=10', 'the reasoning stays free');
    }
  });

  test('a repeated prefix is served from the cache with the same answer', async () => {
    const system = {
      role: 'system',
      content: 'You are a careful calculator. Show each digit, carry where needed, and answer as a + b = c.',
    };
    const ask = () =>
      client.chat.completions.create({ model: 'demo', messages: [system, ...question], temperature: 0 });
    const first = await ask();
    const second = await ask();
    assert.ok(second.usage.prompt_tokens_details.cached_tokens >= 16);
    assert.equal(second.usage.prompt_cache_hit_tokens, second.usage.prompt_tokens_details.cached_tokens);
    assert.equal(second.choices[0].message.content, first.choices[0].message.content);
  });

  test('completions continue raw text', async () => {
    const r = await client.completions.create({
      model: 'demo',
      prompt: '<｜User｜>What is 1+1?<｜Assistant｜><think>\n',
      max_tokens: 40,
      temperature: 0,
    });
    assert.equal(r.object, 'text_completion');
    assert.match(r.choices[0].text, /<\/think>\n\n1 \+ 1 = 2$/);
    let streamed = '';
    for await (const chunk of await client.completions.create({
      model: 'demo',
      prompt: '<｜User｜>What is 1+1?<｜Assistant｜><think>\n',
      max_tokens: 40,
      temperature: 0,
      stream: true,
    })) {
      streamed += chunk.choices[0]?.text ?? '';
    }
    assert.equal(streamed, r.choices[0].text);
  });

  test('models are listed', async () => {
    const list = await client.models.list();
    assert.equal(list.data.length, 1);
    assert.equal(list.data[0].id, 'sinan-demo-bf16');
    const model = await client.models.retrieve('sinan-demo-bf16');
    assert.equal(model.object, 'model');
    await assert.rejects(client.models.retrieve('gpt-4'), (e) => e instanceof OpenAI.NotFoundError);
  });

  test('bad requests raise BadRequestError naming the field', async () => {
    const cases = [
      [{ messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
      [{ messages: question, n: 2 }, 'n'],
      [{ messages: question, temperature: 5 }, 'temperature'],
      [{ messages: [] }, 'messages'],
      [{ messages: question, response_format: { type: 'json_schema', json_schema: { name: 'x' } } }, 'response_format.type'],
      [{ messages: [{ role: 'user', content: 'x'.repeat(20000) }] }, 'messages'],
    ];
    for (const [body, param] of cases) {
      await assert.rejects(client.chat.completions.create({ model: 'demo', ...body }), (e) => {
        assert.ok(e instanceof OpenAI.BadRequestError, `${param}: ${e}`);
        assert.equal(e.status, 400);
        assert.equal(e.param, param);
        assert.equal(e.type, 'invalid_request_error');
        return true;
      });
    }
  });

  test('aborting a stream cancels the request on the server', async () => {
    const before = await metrics(server.url);
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'demo', messages: question, stream: true, ignore_eos: true, max_tokens: 4000 },
      { signal: controller.signal },
    );
    let seen = 0;
    try {
      for await (const chunk of stream) {
        seen += 1;
        if (seen === 5) controller.abort();
      }
    } catch (e) {
      // the client may end the loop quietly or with an abort error
    }
    assert.ok(seen >= 5 && seen < 100, `stopped reading after ${seen} chunks`);
    let now = await metrics(server.url);
    for (let i = 0; i < 50 && now.sinan_requests_running !== 0; i += 1) {
      await new Promise((r) => setTimeout(r, 20));
      now = await metrics(server.url);
    }
    assert.equal(now.sinan_requests_running, 0);
    assert.equal(now['sinan_requests_total{outcome="cancelled"}'], before['sinan_requests_total{outcome="cancelled"}'] + 1);
  });
});

describe('limits', () => {
  test('an API key is required when set, except for /health', async () => {
    const server = await startServer(['--api-key', 'k3y']);
    try {
      const wrong = new OpenAI({ baseURL: server.baseURL, apiKey: 'nope', maxRetries: 0 });
      await assert.rejects(wrong.models.list(), (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
      const right = new OpenAI({ baseURL: server.baseURL, apiKey: 'k3y', maxRetries: 0 });
      const r = await right.chat.completions.create({ model: 'demo', messages: question, temperature: 0 });
      assert.equal(r.choices[0].message.content, '642 + 178 = 820');
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
    } finally {
      await server.stop();
    }
  });

  test('a full queue answers 429 with Retry-After', async () => {
    const server = await startServer(['--parallel', '1', '--max-queue', '0']);
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'x', maxRetries: 0 });
      const controller = new AbortController();
      const busy = await client.chat.completions.create(
        { model: 'demo', messages: question, stream: true, ignore_eos: true, max_tokens: 4000 },
        { signal: controller.signal },
      );
      const reader = busy[Symbol.asyncIterator]();
      await reader.next();
      await assert.rejects(client.chat.completions.create({ model: 'demo', messages: question }), (e) => {
        assert.ok(e instanceof OpenAI.RateLimitError, String(e));
        assert.equal(e.headers['retry-after'], '1');
        return true;
      });
      controller.abort();
      await reader.next().catch(() => {});
    } finally {
      await server.stop();
    }
  });
});
