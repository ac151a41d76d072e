// SPDX-License-Identifier: MIT
// ONNX Runtime side of bench-nn: runs the ONNX export of the very weights the
// C engine used, on the very inputs it wrote, first checks that the outputs
// agree with ours, then times 1 and 2 threads in rounds that alternate with
// reruns of bench-nn (the machine may be shared: best of the rounds for both
// sides) and prints the ratio ours/ORT.
//
//   node ort-bench.js DIR [BENCH-NN SLICES ROUNDS [BENCH-NN FLAGS...]]
//
// BENCH-NN FLAGS: engine options passed on to every rerun of bench-nn
// (--blocked-levels 0, --portable, ...: bench-nn --help).
//
// DIR holds (written by bench-nn --write-models DIR --io-out DIR and by
// export_onnx.py): lungs.onnx, multitask.onnx, <net>-input.f32,
// <net>-output.f32, multitask-study.txt, ours.tsv (net, threads, ms/slice).
'use strict';

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const { execFileSync } = require('child_process');

const dir = process.argv[2];
const bench = process.argv[3]; // optional: the bench-nn binary, rerun between rounds
const slicesArg = parseInt(process.argv[4] || '16', 10);
const rounds = parseInt(process.argv[5] || '2', 10);
const benchFlags = process.argv.slice(6);
if (!dir) {
  console.error('usage: node ort-bench.js DIR [BENCH-NN SLICES ROUNDS]');
  process.exit(2);
}

function readF32(name) {
  const buf = fs.readFileSync(path.join(dir, name));
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

const nets = [
  { name: 'lungs', h: 180, w: 180 },
  { name: 'multitask', h: 150, w: 120 },
];

function readOurs() {
  const ours = {};
  for (const line of fs.readFileSync(path.join(dir, 'ours.tsv'), 'utf8').trim().split('\n')) {
    const [net, threads, ms, cpu] = line.split('\t');
    ours[`${net}/${threads}`] = parseFloat(ms);
    ours[`${net}/${threads}/cpu`] = parseFloat(cpu);
  }
  return ours;
}

// Our engine again, between ONNX Runtime's rounds, on the same weights
// (bench-nn rewrites DIR/ours.tsv).
function runOurs() {
  if (!bench) return readOurs();
  execFileSync(bench, ['--slices', String(slicesArg), '--lungs', path.join(dir, 'lungs.safetensors'),
    '--multitask', path.join(dir, 'multitask.safetensors'), '--io-out', dir, '--no-peak',
    ...benchFlags],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  return readOurs();
}

async function timeOrt(net, threads, feeds) {
  const session = await ort.InferenceSession.create(path.join(dir, `${net.name}.onnx`), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  let out = await session.run(feeds); // warm-up
  let best = Infinity;
  let bestCpu = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    out = await session.run(feeds);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    bestCpu = Math.min(bestCpu, (c.user + c.system) / 1000);
  }
  await session.release();
  return { best, bestCpu, out };
}

async function main() {
  let failed = false;
  const feedsOf = {};
  const slicesOf = {};

  // 1. agreement: ONNX Runtime's outputs against the C engine's
  for (const net of nets) {
    const input = readF32(`${net.name}-input.f32`);
    const expected = readF32(`${net.name}-output.f32`);
    const slices = input.length / (net.h * net.w);
    const dims = net.name === 'lungs' ? [slices, 1, net.h, net.w] : [1, slices, net.h, net.w];
    feedsOf[net.name] = { input: new ort.Tensor('float32', input, dims) };
    slicesOf[net.name] = slices;
    const { out } = await timeOrt(net, 1, feedsOf[net.name]);
    const prob = net.name === 'lungs' ? out.probability.data : out.lesion.data;
    let worst = 0;
    for (let i = 0; i < prob.length; i++) worst = Math.max(worst, Math.abs(prob[i] - expected[i]));
    let studyText = '';
    if (net.name === 'multitask') {
      const ourStudy = parseFloat(fs.readFileSync(path.join(dir, 'multitask-study.txt'), 'utf8'));
      const diff = Math.abs(out.study.data[0] - ourStudy);
      studyText = `; study probability ${out.study.data[0].toFixed(6)} vs ours ${ourStudy.toFixed(6)} (diff ${diff.toExponential(2)})`;
      if (!(diff <= 1e-4)) failed = true;
    }
    const agree = worst <= 1e-4;
    if (!agree) failed = true;
    console.log(`${net.name}: outputs ${agree ? 'agree' : 'DISAGREE'}, max abs diff ${worst.toExponential(2)}${studyText}`);
  }
  if (failed) {
    console.error('ONNX Runtime and the C engine disagree: no timing comparison');
    process.exit(1);
  }

  // 2. timings, alternating ONNX Runtime and ours; best of the rounds
  const ortBest = {};
  let oursBest = readOurs();
  for (let round = 1; round <= rounds; round++) {
    for (const net of nets) {
      for (const threads of [1, 2]) {
        const { best, bestCpu } = await timeOrt(net, threads, feedsOf[net.name]);
        const key = `${net.name}/${threads}`;
        ortBest[key] = Math.min(ortBest[key] ?? Infinity, best / slicesOf[net.name]);
        ortBest[`${key}/cpu`] = Math.min(ortBest[`${key}/cpu`] ?? Infinity, bestCpu / slicesOf[net.name]);
      }
    }
    if (round < rounds || bench) {
      const again = runOurs();
      for (const key of Object.keys(again)) oursBest[key] = Math.min(oursBest[key] ?? Infinity, again[key]);
    }
  }

  const summary = [];
  for (const net of nets) {
    for (const threads of [1, 2]) {
      const key = `${net.name}/${threads}`;
      const ratio = oursBest[key] / ortBest[key];
      const cpuRatio = oursBest[`${key}/cpu`] / ortBest[`${key}/cpu`];
      console.log(`  ${net.name} ${net.h}x${net.w}, ${threads} thread(s): ONNX Runtime ${ortBest[key].toFixed(2)} ms/slice, ours ${oursBest[key].toFixed(2)} ms/slice, ratio ours/ORT ${ratio.toFixed(2)}`
        + `  (process CPU time per slice: ORT ${ortBest[`${key}/cpu`].toFixed(2)} ms, ours ${oursBest[`${key}/cpu`].toFixed(2)} ms, ratio ${cpuRatio.toFixed(2)})`);
      summary.push({ net: net.name, threads, ortMs: ortBest[key], oursMs: oursBest[key], ratio, cpuRatio });
    }
  }
  for (const threads of [1, 2]) {
    const ours300 = 300 * (oursBest[`lungs/${threads}`] + oursBest[`multitask/${threads}`]) / 1000;
    const ort300 = 300 * (ortBest[`lungs/${threads}`] + ortBest[`multitask/${threads}`]) / 1000;
    console.log(`  300-slice study (both networks), ${threads} thread(s): ours ${ours300.toFixed(1)} s, ONNX Runtime ${ort300.toFixed(1)} s`);
  }
  fs.writeFileSync(path.join(dir, 'ort.json'), JSON.stringify(summary, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
