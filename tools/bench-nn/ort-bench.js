// SPDX-License-Identifier: MIT
// ONNX Runtime side of bench-nn: runs the ONNX export of the very weights the
// C engine used, on the very inputs it wrote, first checks that the outputs
// agree with ours, then times 1 and 2 threads and prints the ratio ours/ORT.
//
//   node ort-bench.js DIR
//
// DIR holds (written by bench-nn --write-models DIR --io-out DIR and by
// export_onnx.py): lungs.onnx, multitask.onnx, <net>-input.f32,
// <net>-output.f32, multitask-study.txt, ours.tsv (net, threads, ms/slice).
'use strict';

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node ort-bench.js DIR');
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

const ours = {};
for (const line of fs.readFileSync(path.join(dir, 'ours.tsv'), 'utf8').trim().split('\n')) {
  const [net, threads, ms] = line.split('\t');
  ours[`${net}/${threads}`] = parseFloat(ms);
}

async function main() {
  let failed = false;
  const summary = [];
  for (const net of nets) {
    const input = readF32(`${net.name}-input.f32`);
    const expected = readF32(`${net.name}-output.f32`);
    const slices = input.length / (net.h * net.w);
    const dims = net.name === 'lungs' ? [slices, 1, net.h, net.w] : [1, slices, net.h, net.w];
    const feeds = { input: new ort.Tensor('float32', input, dims) };

    for (const threads of [1, 2]) {
      const session = await ort.InferenceSession.create(path.join(dir, `${net.name}.onnx`), {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
      let out = await session.run(feeds); // warm-up, and the agreement check
      const prob = net.name === 'lungs' ? out.probability.data : out.lesion.data;
      let worst = 0;
      for (let i = 0; i < prob.length; i++) worst = Math.max(worst, Math.abs(prob[i] - expected[i]));
      let studyText = '';
      if (net.name === 'multitask') {
        const ourStudy = parseFloat(fs.readFileSync(path.join(dir, 'multitask-study.txt'), 'utf8'));
        const diff = Math.abs(out.study.data[0] - ourStudy);
        studyText = `, study ${out.study.data[0].toFixed(6)} vs ours ${ourStudy.toFixed(6)} (diff ${diff.toExponential(2)})`;
        if (!(diff <= 1e-4)) failed = true;
      }
      const agree = worst <= 1e-4;
      if (!agree) failed = true;
      if (threads === 1) {
        console.log(`${net.name}: outputs ${agree ? 'agree' : 'DISAGREE'}: max abs diff ${worst.toExponential(2)}${studyText}`);
      }
      let best = Infinity;
      for (let rep = 0; rep < 3; rep++) {
        const t0 = process.hrtime.bigint();
        out = await session.run(feeds);
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
      }
      const ortMs = best / slices;
      const oursMs = ours[`${net.name}/${threads}`];
      const ratio = oursMs / ortMs;
      console.log(`  ${net.name} ${net.h}x${net.w}, ${threads} thread(s): ONNX Runtime ${ortMs.toFixed(2)} ms/slice, ours ${oursMs.toFixed(2)} ms/slice, ratio ours/ORT ${ratio.toFixed(2)}`);
      summary.push({ net: net.name, threads, ortMs, oursMs, ratio });
      await session.release();
    }
  }
  fs.writeFileSync(path.join(dir, 'ort.json'), JSON.stringify(summary, null, 2));
  if (failed) {
    console.error('ONNX Runtime and the C engine disagree: the timings above compare different computations');
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
