// TensorFlow.js peer for `npm run bench`: char-rnn's default LSTM (2 layers × 128, V 65, B 50,
// T 50, RMSprop lr 2e-3, alpha 0.95, eps 1e-8) on random one-hot data, training chars/s =
// T·B / median seconds per step. Lighter than our workload (no clipping, no carried state),
// so it flatters TensorFlow.js slightly. Not a dependency; to run it:
//
//   npm install --no-save @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0
//   node bench/tfjs-peer.mjs wasm      # or: cpu
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const backend = process.argv[2] ?? 'wasm';
await tf.setBackend(backend);
await tf.ready();
const V = 65,
  H = 128,
  B = 50,
  T = 50;
const model = tf.sequential();
model.add(tf.layers.lstm({ units: H, returnSequences: true, inputShape: [T, V] }));
model.add(tf.layers.lstm({ units: H, returnSequences: true }));
model.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: V }) }));
const optimizer = tf.train.rmsprop(2e-3, 0.95, 0, 1e-8);
const x = tf.oneHot(tf.randomUniform([B, T], 0, V, 'int32'), V).toFloat();
const y = tf.oneHot(tf.randomUniform([B, T], 0, V, 'int32'), V).toFloat();
const step = () => tf.tidy(() => optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.predict(x))));

step(); // warm-up
step();
const times = [];
for (const end = Date.now() + 20_000; Date.now() < end && times.length < 15; ) {
  const t0 = performance.now();
  step();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(
  `TensorFlow.js ${tf.version.tfjs} ${backend}: ${Math.round((B * T) / (median / 1000)).toLocaleString('en-US')} chars/s (median of ${times.length} steps)`,
);
