// dap.test.js — `dustrun dap` driven by Microsoft's own DAP test client
// (@vscode/debugadapter-testsupport's DebugClient) under `node --test`.
//
// Covers a stepping session forward and back, each kind of breakpoint
// (line, condition, hit count, logpoint, data breakpoints on a binding and
// on a memory cell), a data breakpoint reversed onto the step that
// `dustrun inspect --last-write` names, a failing multi-thread trace that
// stops on its exception, and bad requests that get error responses while
// the adapter lives on. DUSTRUN names the binary (ctest sets it).
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { execFileSync } = require('node:child_process');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const ROOT = path.resolve(__dirname, '..', '..');
const DUSTRUN = process.env.DUSTRUN || path.join(ROOT, 'build', 'bin', 'dustrun');
const COLLATZ = path.join(ROOT, 'assets', 'examples', 'k_collatz.dir.json');
const MUTEX_COUNTER = path.join(ROOT, 'assets', 'examples', 'mutex_counter.dir.json');
const WORKER_FAILURE = path.join(ROOT, 'traces', 'crash', 'worker_failure.dtrace');

async function open(launchArgs, { attach = false } = {}) {
  const dc = new DebugClient(DUSTRUN, 'dap', 'dust');
  dc.defaultTimeout = 20000;
  await dc.start();
  const initialized = dc.waitForEvent('initialized');
  await dc.initializeRequest({ adapterID: 'dust', linesStartAt1: true, columnsStartAt1: true });
  if (attach) await dc.attachRequest(launchArgs);
  else await dc.launchRequest(launchArgs);
  await initialized;
  return dc;
}

// Configures (breakpoints first, if any) and returns the first stop.
async function configure(dc, setup) {
  if (setup) await setup();
  const stopped = dc.waitForEvent('stopped');
  await dc.configurationDoneRequest();
  return stopped;
}

async function listing(dc) {
  const r = await dc.sourceRequest({ sourceReference: 1, source: { sourceReference: 1 } });
  return r.body.content.split('\n');
}

// The 1-based listing line whose text (trimmed) is `text`.
async function lineOf(dc, text) {
  const lines = await listing(dc);
  const i = lines.findIndex((l) => l.trim() === text);
  assert.ok(i >= 0, `no line "${text}" in the listing`);
  return i + 1;
}

async function topFrame(dc, threadId) {
  const r = await dc.stackTraceRequest({ threadId });
  assert.ok(r.body.stackFrames.length > 0, 'a stopped thread has a frame');
  return r.body.stackFrames[0];
}

async function bindings(dc, frameId) {
  const scopes = await dc.scopesRequest({ frameId });
  assert.equal(scopes.body.scopes[0].name, 'Bindings');
  const vars = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
  const out = {};
  for (const v of vars.body.variables) out[v.name] = v.value;
  return { values: out, reference: scopes.body.scopes[0].variablesReference, scopes: scopes.body.scopes };
}

async function evaluate(dc, expression, frameId) {
  const r = await dc.evaluateRequest({ expression, frameId, context: 'watch' });
  return r.body.result;
}

// Runs a movement and returns its stopped event.
async function move(dc, request, args) {
  const stopped = dc.waitForEvent('stopped');
  await request.call(dc, args);
  return stopped;
}

function stepOf(stopped) {
  const m = /step (\d+)/.exec(stopped.body.description || '');
  assert.ok(m, `the stop says its step: ${stopped.body.description}`);
  return Number(m[1]);
}

test('capabilities are advertised', async () => {
  const dc = new DebugClient(DUSTRUN, 'dap', 'dust');
  await dc.start();
  try {
    const r = await dc.initializeRequest({ adapterID: 'dust' });
    for (const cap of ['supportsStepBack', 'supportsConfigurationDoneRequest', 'supportsConditionalBreakpoints',
      'supportsHitConditionalBreakpoints', 'supportsLogPoints', 'supportsDataBreakpoints',
      'supportsGotoTargetsRequest', 'supportsEvaluateForHovers', 'supportsReadMemoryRequest',
      'supportsSteppingGranularity', 'supportsRestartFrame', 'supportsExceptionInfoRequest']) {
      assert.strictEqual(r.body[cap], true, cap);
    }
  } finally {
    await dc.stop();
  }
});

test('a stepping session forward and back', async () => {
  const dc = await open({ program: COLLATZ, stopOnEntry: true });
  try {
    const entry = await configure(dc);
    assert.equal(entry.body.reason, 'entry');
    const threads = await dc.threadsRequest();
    assert.deepStrictEqual(threads.body.threads.map((t) => t.name), ['T0 main']);
    const tid = entry.body.threadId;
    const letTotal = await lineOf(dc, 'let total = 0');
    const forLine = await lineOf(dc, 'for i in 1..11 {');
    const letS = await lineOf(dc, 'let s = collatz_steps(i)');
    const stepsLine = await lineOf(dc, 'let steps = 0');
    assert.equal((await topFrame(dc, tid)).line, letTotal);

    // Forward with next (the for loop's start and its check are two
    // statements' steps, as in the window), over the call to collatz_steps.
    const lines = [letTotal];
    for (let k = 0; k < 4; ++k) {
      await move(dc, dc.nextRequest, { threadId: tid });
      lines.push((await topFrame(dc, tid)).line);
    }
    assert.deepStrictEqual(lines, [letTotal, forLine, forLine, letS, (await lineOf(dc, 'total = total Add s'))]);
    const frame = await topFrame(dc, tid);
    const { values } = await bindings(dc, frame.id);
    assert.equal(values.total, '0');
    assert.equal(values.s, '0', 'collatz_steps(1) took no steps');

    // Back the same way, line by line.
    const back = [];
    for (let k = 0; k < 4; ++k) {
      await move(dc, dc.stepBackRequest, { threadId: tid });
      back.push((await topFrame(dc, tid)).line);
    }
    assert.deepStrictEqual(back, lines.slice(0, 4).reverse());

    // Into the call and out again.
    for (let k = 0; k < 3; ++k) await move(dc, dc.nextRequest, { threadId: tid });
    assert.equal((await topFrame(dc, tid)).line, letS);
    await move(dc, dc.stepInRequest, { threadId: tid });
    let st = await dc.stackTraceRequest({ threadId: tid });
    assert.equal(st.body.stackFrames[0].name, 'collatz_steps');
    assert.equal(st.body.stackFrames[0].line, stepsLine);
    assert.equal(st.body.stackFrames[1].name, 'main');
    assert.equal(await evaluate(dc, 'n Mul 10', st.body.stackFrames[0].id), '10');
    await move(dc, dc.stepOutRequest, { threadId: tid });
    st = await dc.stackTraceRequest({ threadId: tid });
    assert.equal(st.body.stackFrames.length, 1);
    assert.equal(st.body.stackFrames[0].name, 'main');

    // restartFrame goes back to the frame's call: into collatz_steps(2),
    // a step inside it, then back to the statement that called it.
    do {
      await move(dc, dc.nextRequest, { threadId: tid });
    } while ((await topFrame(dc, tid)).line !== letS);
    await move(dc, dc.stepInRequest, { threadId: tid });
    await move(dc, dc.nextRequest, { threadId: tid });
    st = await dc.stackTraceRequest({ threadId: tid });
    assert.equal(st.body.stackFrames[0].name, 'collatz_steps');
    const restarted = await move(dc, dc.restartFrameRequest, { frameId: st.body.stackFrames[0].id });
    assert.equal(restarted.body.reason, 'restart');
    const caller = await topFrame(dc, tid);
    assert.equal(caller.line, letS);
    assert.equal(await evaluate(dc, 'i', caller.id), '2');

    // gotoTargets: every execution of a line is a target; goto moves there.
    const targets = await dc.gotoTargetsRequest({ source: { sourceReference: 1 }, line: letS });
    assert.equal(targets.body.targets.length, 10, 'one per iteration of i in 1..11');
    const gone = await move(dc, dc.gotoRequest, { threadId: tid, targetId: targets.body.targets[4].id });
    assert.equal(gone.body.reason, 'goto');
    assert.equal(await evaluate(dc, 'i', (await topFrame(dc, tid)).id), '5');
  } finally {
    await dc.stop();
  }
});

test('line breakpoints continue and reverse-continue over the same hits', async () => {
  const dc = await open({ program: COLLATZ });
  try {
    const line = await lineOf(dc, 'total = total Add s');
    const first = await configure(dc, async () => {
      const r = await dc.setBreakpointsRequest({ source: { sourceReference: 1 }, breakpoints: [{ line }] });
      assert.strictEqual(r.body.breakpoints[0].verified, true);
    });
    assert.equal(first.body.reason, 'breakpoint');
    const tid = first.body.threadId;
    const seen = [];
    let stop = first;
    while (stop.body.reason === 'breakpoint') {
      const f = await topFrame(dc, tid);
      assert.equal(f.line, line);
      seen.push(await evaluate(dc, 'i', f.id));
      stop = await move(dc, dc.continueRequest, { threadId: tid });
    }
    assert.deepStrictEqual(seen, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    const back = [];
    for (;;) {
      stop = await move(dc, dc.reverseContinueRequest, { threadId: tid });
      if (stop.body.reason !== 'breakpoint') break;
      back.push(await evaluate(dc, 'i', (await topFrame(dc, tid)).id));
    }
    assert.deepStrictEqual(back, seen.slice().reverse());
  } finally {
    await dc.stop();
  }
});

test('conditions and hit counts decide which hits stop, both ways', async () => {
  const dc = await open({ program: COLLATZ });
  try {
    const addLine = await lineOf(dc, 'total = total Add s');
    const letS = await lineOf(dc, 'let s = collatz_steps(i)');
    const first = await configure(dc, async () => {
      const r = await dc.setBreakpointsRequest({
        source: { path: COLLATZ },
        breakpoints: [{ line: addLine, condition: 's Gt 15' }, { line: letS, hitCondition: '7' }],
      });
      assert.ok(r.body.breakpoints.every((b) => b.verified));
    });
    const tid = first.body.threadId;
    const hits = [];
    let stop = first;
    while (stop.body.reason === 'breakpoint') {
      const f = await topFrame(dc, tid);
      hits.push(`${f.line === addLine ? 'add' : 'let'} i=${await evaluate(dc, 'i', f.id)}`);
      stop = await move(dc, dc.continueRequest, { threadId: tid });
    }
    // collatz_steps(i) for i = 1..10 is 0 1 7 2 5 8 16 3 19 6: s Gt 15 at i = 7 and 9;
    // the let's seventh hit is at i = 7.
    assert.deepStrictEqual(hits, ['let i=7', 'add i=7', 'add i=9']);
    stop = await move(dc, dc.reverseContinueRequest, { threadId: tid });
    assert.equal(await evaluate(dc, 'i', (await topFrame(dc, tid)).id), '9');

    // A condition that does not compile is reported on its breakpoint.
    const bad = await dc.setBreakpointsRequest({
      source: { sourceReference: 1 }, breakpoints: [{ line: addLine, condition: 's Gt' }],
    });
    assert.strictEqual(bad.body.breakpoints[0].verified, false);
    assert.match(bad.body.breakpoints[0].message, /condition `s Gt`/);
  } finally {
    await dc.stop();
  }
});

test('logpoints list every hit of the recording with its step, and never stop', async () => {
  const dc = await open({ program: COLLATZ });
  try {
    const line = await lineOf(dc, 'total = total Add s');
    const outputs = [];
    dc.on('output', (e) => outputs.push(e.body.output));
    const stop = await configure(dc, async () => {
      await dc.setBreakpointsRequest({
        source: { sourceReference: 1 }, breakpoints: [{ line, logMessage: 'i={i} s={s}' }],
      });
    });
    assert.notEqual(stop.body.reason, 'breakpoint', 'a logpoint does not stop');
    const listed = outputs.join('');
    assert.match(listed, /10 hit\(s\) over the recording/);
    const hits = [...listed.matchAll(/\[step (\d+) T0\] i=(\d+) s=(\d+)/g)];
    // Listed once when set, and again as the run passes them.
    assert.equal(hits.length, 20);
    assert.deepStrictEqual(hits.slice(0, 10).map((h) => h[2]), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    assert.equal(hits[6][3], '16');
    const steps = hits.slice(0, 10).map((h) => Number(h[1]));
    assert.deepStrictEqual(steps, steps.slice().sort((a, b) => a - b));
  } finally {
    await dc.stop();
  }
});

// Opening a checkpoint trace re-derives its steps before the session can
// show any: a client that shows progress hears how far that got, before the
// attach response; one that does not hears nothing of it.
test('attaching a checkpoint trace reports the re-derivation as progress events', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dust-dap-'));
  const trace = path.join(tmp, 'counter.dtrace');
  execFileSync(DUSTRUN, ['record', path.join(ROOT, 'assets', 'bench', 'mutex_counter_4x5000.dir.json'), '-o', trace,
    '--checkpoints', '--no-progress', '--seed', '7'], { stdio: 'ignore' });
  // A capability that is not the protocol's boolean reads as not set, never as a failed initialize.
  for (const shows of [true, false, 'yes']) {
    const dc = new DebugClient(DUSTRUN, 'dap', 'dust');
    dc.defaultTimeout = 20000;
    await dc.start();
    const seen = [];
    for (const name of ['progressStart', 'progressUpdate', 'progressEnd']) dc.on(name, (e) => seen.push(e));
    try {
      await dc.initializeRequest({ adapterID: 'dust', supportsProgressReporting: shows });
      await dc.attachRequest({ trace });
      if (shows !== true) {
        assert.deepStrictEqual(seen, []);
        continue;
      }
      assert.ok(seen.length >= 3, `start, updates and end, got ${seen.length} events`);
      assert.equal(seen[0].event, 'progressStart');
      assert.equal(seen.at(-1).event, 'progressEnd');
      const id = seen[0].body.progressId;
      assert.ok(seen.every((e) => e.body.progressId === id));
      const percentages = seen.slice(0, -1).map((e) => e.body.percentage);
      assert.deepStrictEqual(percentages, percentages.slice().sort((a, b) => a - b));
      assert.ok(percentages.at(-1) >= 90, `the last update says ${percentages.at(-1)}%`);
    } finally {
      await dc.stop();
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('a data breakpoint on a binding, reversed onto the step inspect --last-write names', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dust-dap-'));
  const trace = path.join(tmp, 'collatz.dtrace');
  // A checkpoint trace (format 4): the adapter reads its re-derived steps.
  execFileSync(DUSTRUN, ['record', COLLATZ, '-o', trace, '--checkpoints', '--no-progress'], { stdio: 'ignore' });
  const dc = await open({ trace }, { attach: true });
  try {
    const entry = await configure(dc, async () => {
      await dc.setBreakpointsRequest({ source: { sourceReference: 1 }, breakpoints: [{ line: await lineOf(dc, 'emit total') }] });
    });
    assert.equal(entry.body.reason, 'breakpoint');
    const tid = entry.body.threadId;
    const frame = await topFrame(dc, tid);
    const { reference } = await bindings(dc, frame.id);
    const info = await dc.dataBreakpointInfoRequest({ variablesReference: reference, name: 'total' });
    assert.ok(info.body.dataId);
    assert.deepStrictEqual(info.body.accessTypes, ['write']);
    const set = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId, accessType: 'write' }] });
    assert.strictEqual(set.body.breakpoints[0].verified, true);
    await dc.setBreakpointsRequest({ source: { sourceReference: 1 }, breakpoints: [] });

    const emitStep = stepOf(entry);
    const stop = await move(dc, dc.reverseContinueRequest, { threadId: tid });
    assert.equal(stop.body.reason, 'data breakpoint');
    const answer = JSON.parse(execFileSync(DUSTRUN, ['inspect', trace, '--last-write', 'total', '--before',
      String(emitStep), '--thread', '0', '--json']).toString());
    assert.equal(stepOf(stop), answer.step);
    const writes = [stepOf(stop)];
    for (;;) {
      const s = await move(dc, dc.reverseContinueRequest, { threadId: tid });
      if (s.body.reason !== 'data breakpoint') break;
      writes.push(stepOf(s));
    }
    assert.equal(writes.length, 11, 'let total, then ten additions');
    assert.equal(writes[10], 0, 'let total is the first step');
    // Forward again from there: the same writes, in order, after the one the cursor is on.
    const forward = [];
    for (;;) {
      const s = await move(dc, dc.continueRequest, { threadId: tid });
      if (s.body.reason !== 'data breakpoint') break;
      forward.push(stepOf(s));
    }
    assert.deepStrictEqual(forward, writes.slice(0, 10).reverse());
  } finally {
    await dc.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a data breakpoint on a memory cell stops at every store, by any thread', async () => {
  const dc = await open({ program: MUTEX_COUNTER, seed: 3 });
  try {
    const first = await configure(dc, async () => {
      await dc.setBreakpointsRequest({ source: { sourceReference: 1 }, breakpoints: [{ line: await lineOf(dc, 'let m = mutex_new()') }] });
    });
    const tid = first.body.threadId;
    const frame = await topFrame(dc, tid);
    const { scopes } = await bindings(dc, frame.id);
    const heap = scopes.find((s) => s.name === 'Heap blocks');
    const blocks = await dc.variablesRequest({ variablesReference: heap.variablesReference });
    assert.equal(blocks.body.variables.length, 1);
    const block = blocks.body.variables[0];
    const mem = await dc.customRequest('readMemory', { memoryReference: block.memoryReference, count: 8 });
    assert.equal(Buffer.from(mem.body.data, 'base64').length, 8);
    const info = await dc.dataBreakpointInfoRequest({ variablesReference: heap.variablesReference, name: block.name });
    assert.match(info.body.dataId, /^mem:/);
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId, accessType: 'write' }] });
    await dc.setBreakpointsRequest({ source: { sourceReference: 1 }, breakpoints: [] });
    const storeLine = await lineOf(dc, 'store(counter, v Add 1)');
    const threads = new Set();
    let stores = 0;
    for (;;) {
      const s = await move(dc, dc.continueRequest, { threadId: tid });
      if (s.body.reason !== 'data breakpoint') break;
      const f = await topFrame(dc, s.body.threadId);
      assert.equal(f.line, storeLine);
      threads.add(s.body.threadId);
      ++stores;
    }
    assert.equal(stores, 12, 'three workers, four rounds each');
    assert.equal(threads.size, 3);
    const back = await move(dc, dc.reverseContinueRequest, { threadId: tid });
    assert.equal(back.body.reason, 'data breakpoint');
  } finally {
    await dc.stop();
  }
});

test('a failing multi-thread trace stops on its exception', async () => {
  const dc = await open({ trace: WORKER_FAILURE }, { attach: true });
  try {
    const stop = await configure(dc);
    assert.equal(stop.body.reason, 'exception');
    assert.match(stop.body.text, /division by zero/);
    const threads = await dc.threadsRequest();
    assert.deepStrictEqual(threads.body.threads.map((t) => t.name), ['T0 main', 'T1 average', 'T2 average', 'T3 average']);
    assert.equal(stop.body.threadId, threads.body.threads[2].id, 'T2 failed');
    const ex = await dc.exceptionInfoRequest({ threadId: stop.body.threadId });
    assert.match(ex.body.description, /thread 2 \(average\): division by zero/);
    const f = await topFrame(dc, stop.body.threadId);
    assert.equal(f.line, await lineOf(dc, 'let avg = sum Div (count Sub n Add divisor)'));
    const { values } = await bindings(dc, f.id);
    assert.equal(values.count, '6');
    assert.equal(values.n, '6');
    assert.equal(values.divisor, '0');
    // Stepping back leaves the failure; continuing returns to it.
    const back = await move(dc, dc.stepBackRequest, { threadId: stop.body.threadId });
    assert.equal(back.body.reason, 'step');
    assert.equal((await topFrame(dc, stop.body.threadId)).line, await lineOf(dc, 'for i in 0..n {'));
    const again = await move(dc, dc.continueRequest, { threadId: stop.body.threadId });
    assert.equal(again.body.reason, 'exception');
  } finally {
    await dc.stop();
  }
});

test('a launch follows its schedule token, as dustrun --schedule does', async () => {
  const deadlock = path.join(ROOT, 'assets', 'examples', 'two_lock_deadlock.dir.json');
  // Thread 5 never exists, so the token cannot be followed at step 5: the
  // recorded run fails saying so, exactly as on the command line.
  let cli = '';
  try {
    execFileSync(DUSTRUN, [deadlock, '--schedule', 'S5F'], { stdio: 'pipe' });
  } catch (e) {
    cli = e.stderr.toString();
  }
  assert.match(cli, /not runnable/);
  const dc = await open({ program: deadlock, schedule: 'S5F' });
  try {
    const stop = await configure(dc);
    assert.equal(stop.body.reason, 'exception');
    const info = await dc.customRequest('exceptionInfo', { threadId: stop.body.threadId });
    assert.match(JSON.stringify(info.body), /not runnable/);
  } finally {
    await dc.stop();
  }
});

test('bad requests get error responses and the adapter lives on', async () => {
  const dc = new DebugClient(DUSTRUN, 'dap', 'dust');
  await dc.start();
  try {
    await dc.initializeRequest({ adapterID: 'dust' });
    await assert.rejects(dc.launchRequest({ program: path.join(ROOT, 'no', 'such.dir.json') }), /no such readable file/);
    await assert.rejects(dc.launchRequest({ trace: path.join(ROOT, 'README.md') }), /README\.md/);
    await assert.rejects(dc.launchRequest({ program: COLLATZ, schedule: 'T0T1' }), /schedule/);
    await assert.rejects(dc.launchRequest({ program: COLLATZ, seed: 'x' }), /seed/);
    await assert.rejects(dc.launchRequest({ program: COLLATZ, maxDepth: 0 }), /maxDepth/);
    await assert.rejects(dc.launchRequest({ program: COLLATZ, maxSteps: -3 }), /maxSteps/);
    await assert.rejects(dc.launchRequest({ trace: path.join(ROOT, 'traces', 'v3', 'deep_recursion.dtrace'), maxDepth: 5 }),
                         /a `trace` is already recorded/);
    await assert.rejects(dc.stackTraceRequest({ threadId: 1 }), /launch or attach first/);
    const initialized = dc.waitForEvent('initialized');
    await dc.launchRequest({ program: COLLATZ, stopOnEntry: true });
    await initialized;
    const entry = await configure(dc);
    await assert.rejects(dc.stackTraceRequest({ threadId: 99 }), /unknown thread 99/);
    await assert.rejects(dc.nextRequest({ threadId: 42 }), /unknown thread 42/);
    const frame = await topFrame(dc, entry.body.threadId);
    await move(dc, dc.nextRequest, { threadId: entry.body.threadId });
    const f = await topFrame(dc, entry.body.threadId);
    await assert.rejects(dc.evaluateRequest({ expression: 'total Add', frameId: f.id }), /total Add/);
    await assert.rejects(dc.evaluateRequest({ expression: 'nosuch', frameId: f.id }), /unknown identifier: nosuch/);
    await assert.rejects(dc.evaluateRequest({ expression: 'fib(3)', frameId: f.id }), /calls are not allowed/);
    await assert.rejects(dc.scopesRequest({ frameId: 123456 }), /unknown frame/);
    await assert.rejects(dc.variablesRequest({ variablesReference: 999 }), /unknown variablesReference/);
    await assert.rejects(dc.setBreakpointsRequest({ source: { path: '/no/such/file.dir.json' }, breakpoints: [{ line: 3 }] }),
      /not \/no\/such\/file\.dir\.json/);
    await assert.rejects(dc.customRequest('flyToTheMoon', {}), /unsupported request/);
    assert.ok(frame.id > 0);
    // Still answering.
    const threads = await dc.threadsRequest();
    assert.equal(threads.body.threads.length, 1);
    assert.equal(await evaluate(dc, 'total Add 1', f.id), '1');
  } finally {
    await dc.stop();
  }
});
