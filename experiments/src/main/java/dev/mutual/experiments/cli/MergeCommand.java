package dev.mutual.experiments.cli;

import dev.mutual.data.InputFiles;
import dev.mutual.data.UserInputException;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.checkpoint.Safetensors;
import dev.mutual.trainer.lora.LoraAdapterFile;
import dev.mutual.trainer.lora.LoraMerge;
import dev.mutual.trainer.lora.LoraWeights;
import dev.mutual.trainer.model.DecoderWeights;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code mutual merge --base DIR --adapter DIR --output DIR}: a PEFT LoRA adapter folded into a full HF model. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge a LoRA adapter (PEFT layout: adapter_config.json + adapter_model.safetensors) into its "
                + "base model, W' = W + (lora_alpha / r) * B @ A, and write a full HF model directory (fp32 "
                + "model.safetensors or shards, config.json, generation_config.json, the base's tokenizer files).")
final class MergeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(MergeCommand.class);

    @Option(names = "--base", required = true, paramLabel = "DIR", description = "Base HF model directory the adapter was trained on.")
    Path base;

    @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "PEFT LoRA adapter directory.")
    Path adapter;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output HF model directory (must differ from --base).")
    Path output;

    @Option(names = "--max-shard-size", paramLabel = "SIZE", defaultValue = "5GB",
            description = "Largest safetensors shard, as transformers' max_shard_size: 5GB, 500MB, 100KB (decimal units) "
                    + "or bytes. Larger models are written as model-00001-of-0000N.safetensors + model.safetensors.index.json "
                    + "(default: ${DEFAULT-VALUE}, huggingface_hub's).")
    String maxShardSize;

    @Override
    public Integer call() {
        InputFiles.requireOutputDirectory(output, "--output " + output);
        long shardBytes;
        try {
            shardBytes = Safetensors.parseSize(maxShardSize);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--max-shard-size: " + e.getMessage());
        }
        if (!Files.isDirectory(adapter)) throw new UserInputException("--adapter " + adapter + ": not a directory (expected adapter_config.json and adapter_model.safetensors)");
        if (Files.isRegularFile(output)) throw new UserInputException("--output " + output + ": is a file, expected a directory");
        if (output.toAbsolutePath().normalize().equals(base.toAbsolutePath().normalize())) {
            throw new UserInputException("--output " + output + ": is the --base directory; write the merged model elsewhere");
        }
        HfCheckpoint.Loaded loaded = HfCheckpoint.load(base);
        LoraWeights lora = LoraAdapterFile.load(adapter, loaded.config());
        DecoderWeights merged = LoraMerge.merge(loaded.weights(), lora);
        HfCheckpoint.save(output, merged, HfCheckpoint.tokenizerFilesIn(base), shardBytes);
        log.info("merged {} (r {}, alpha {}, {} LoRA parameters on {}) into {} -> {}", adapter, lora.config().r(), lora.config().alpha(),
                lora.parameterCount(), lora.config().targetModules(), base, output);
        return 0;
    }
}
