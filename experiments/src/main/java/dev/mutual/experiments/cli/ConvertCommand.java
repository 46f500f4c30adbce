package dev.mutual.experiments.cli;

import dev.mutual.data.InputFiles;
import dev.mutual.data.UserInputException;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.checkpoint.Safetensors;
import dev.mutual.trainer.checkpoint.Llama2cCheckpoint;
import dev.mutual.trainer.model.DecoderWeights;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code mutual convert --llama2c FILE --tokenizer FILE --output DIR}: a llama2.c checkpoint as an HF model directory. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a llama2.c checkpoint to an HF model directory (config.json, model.safetensors or 5GB "
                + "shards with model.safetensors.index.json, generation_config.json; the llama2.c tokenizer file is copied beside them, with an equivalent tokenizer.json, tokenizer_config.json and special_tokens_map.json for AutoTokenizer).")
final class ConvertCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ConvertCommand.class);

    @Option(names = "--llama2c", required = true, paramLabel = "FILE", description = "llama2.c legacy checkpoint (.bin).")
    Path llama2c;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "llama2.c tokenizer (.bin) to copy into the output (plus its tokenizer.json).")
    Path tokenizer;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output HF model directory.")
    Path output;

    @Option(names = "--max-shard-size", paramLabel = "SIZE", defaultValue = "5GB",
            description = "Largest safetensors shard, as transformers' max_shard_size: 5GB, 500MB, 100KB (decimal units) "
                    + "or bytes. Larger models are written as model-00001-of-0000N.safetensors + model.safetensors.index.json "
                    + "(default: ${DEFAULT-VALUE}, huggingface_hub's).")
    String maxShardSize;

    @Override
    public Integer call() {
        long shardBytes;
        try {
            shardBytes = Safetensors.parseSize(maxShardSize);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--max-shard-size: " + e.getMessage());
        }
        if (tokenizer != null) InputFiles.requireFile(tokenizer, "--tokenizer " + tokenizer);
        if (Files.isRegularFile(output)) throw new UserInputException("--output " + output + ": is a file, expected a directory");
        DecoderWeights w = Llama2cCheckpoint.read(llama2c);
        HfCheckpoint.save(output, w, tokenizer == null ? List.of() : List.of(tokenizer), shardBytes);
        log.info("wrote {} ({} parameters, {} layers, hidden {}, vocab {})", output, w.parameterCount(), w.config().numLayers(),
                w.config().hiddenSize(), w.config().vocabSize());
        return 0;
    }
}
