// llama.cpp's side of tools/bench_llama_cpp.sh, through node-llama-cpp's prebuilt CPU binary.
// Generates from fixed prompt token ids (no tokenizer on the measured path) with flash attention off and an f32 KV
// cache, so that it runs the same math as Mutual. Prints one JSON line per measured run:
//   node llama_cpp_bench.mjs --model M.gguf --threads 1 --tokens 256 --prompt 1,450,... [--batch 1]
//        [--temperature 0] [--top-p 1] [--runs 3] [--warmup 1]
// --batch B > 1 runs B sequences of one context at once (llama.cpp decodes them as one batch per step), each from
// the same prompt, sampling with --temperature/--top-p and its own seed; tokens/s counts all new tokens.
// Time: from the first prompt token to the last new token (prefill of the prompt included), as Mutual's benches.
import {getLlama} from "node-llama-cpp";

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith("--")) acc.push([a.slice(2), all[i + 1]]);
    return acc;
}, []));
const modelPath = args.model;
const threads = Number(args.threads ?? 1);
const tokens = Number(args.tokens ?? 256);
const prompt = (args.prompt ?? "1").split(",").map(Number);
const batch = Number(args.batch ?? 1);
const temperature = Number(args.temperature ?? 0);
const topP = Number(args["top-p"] ?? 1);
const runs = Number(args.runs ?? 3);
const warmup = Number(args.warmup ?? 1);

const llama = await getLlama({gpu: false, build: "never", maxThreads: threads, logLevel: "error"});
const model = await llama.loadModel({modelPath, gpuLayers: 0, useMmap: true});
const contextSize = Math.max(256, Math.ceil((prompt.length + tokens + 1) / 256) * 256);
// a fresh context per round (outside the timed part): a disposed sequence is not handed out again at once
const newContext = () => model.createContext({
    // contextSize is per sequence in node-llama-cpp 3 (contextSize x batch asked for 17 GB at batch 64)
    contextSize, sequences: batch, threads: {ideal: threads, min: threads},
    batchSize: Math.max(512, batch), flashAttention: false,
    experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
});

async function one(sequence, seed) {
    const out = [];
    const options = temperature === 0 ? {temperature: 0} : {temperature, topP, seed};
    for await (const t of sequence.evaluate(prompt, options)) {
        out.push(t);
        if (out.length >= tokens) break;
    }
    return out;
}

async function round(r) {
    const context = await newContext();
    const sequences = [];
    for (let i = 0; i < batch; i++) sequences.push(context.getSequence());
    const t0 = process.hrtime.bigint();
    const outs = await Promise.all(sequences.map((s, i) => one(s, 1000 * r + i)));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await context.dispose();
    return {outs, seconds};
}

for (let r = 0; r < warmup; r++) await round(r);
for (let r = 0; r < runs; r++) {
    const {outs, seconds} = await round(warmup + r);
    const produced = outs.reduce((n, o) => n + o.length, 0);
    const line = {
        bench: batch === 1 && temperature === 0 ? "generate" : "sample", engine: "llama.cpp",
        binary: llama.buildType + ":" + (llama.gpu || "cpu"), threads, batch, run: r, tokens: produced, seconds,
        tokens_per_s: Math.round(produced / seconds), rss_mb: Math.round(process.memoryUsage().rss / 1048576),
    };
    if (batch === 1) line.ids = outs[0];
    console.log(JSON.stringify(line));
}
await model.dispose();
await llama.dispose();
