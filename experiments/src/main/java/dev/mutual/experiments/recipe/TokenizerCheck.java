package dev.mutual.experiments.recipe;

import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.tokenizer.TextTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads a recipe's tokenizer (and builds its chat template) while the recipe binds, so {@code validate} and the start
 * of {@code run} catch what a stage would fail on after earlier stages did their work: a folder without
 * tokenizer.json, a file of random bytes, a chat_template that does not parse. A tokenizer that loaded once is not
 * loaded again while its files are unchanged (a planned recipe names the same one in many stages).
 */
final class TokenizerCheck {
    /** The files a tokenizer is read from, by size and modification time, plus the chat template asked for. */
    private record Loaded(Path path, List<String> files, String chatTemplate) {}

    private static final Set<Loaded> LOADED = ConcurrentHashMap.newKeySet();
    private static final List<String> FOLDER_FILES =
            List.of("tokenizer.json", "tokenizer.json.gz", "tokenizer_config.json", "special_tokens_map.json");

    private TokenizerCheck() {}

    /**
     * @param chatTemplate the chat template the stage renders with the tokenizer, or null when it uses none
     * @throws IllegalArgumentException naming the key ({@code tokenizer} or {@code chat_template}) and the problem
     */
    static void check(Path tokenizer, String chatTemplate) {
        Loaded key = new Loaded(tokenizer.toAbsolutePath().normalize(), fingerprint(tokenizer), chatTemplate);
        if (LOADED.contains(key)) {
            return;
        }
        TextTokenizer tok;
        try {
            tok = TextTokenizer.load(tokenizer);
        } catch (UserInputException e) {
            throw new IllegalArgumentException("tokenizer: " + e.getMessage(), e);
        }
        try (tok) {
            if (chatTemplate != null) {
                ChatTemplate.forTokenizer(chatTemplate, tok);
            }
        } catch (UserInputException e) {
            throw new IllegalArgumentException("chat_template: " + e.getMessage(), e);
        }
        LOADED.add(key);
    }

    private static List<String> fingerprint(Path tokenizer) {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(tokenizer)) {
            for (String name : FOLDER_FILES) files.add(tokenizer.resolve(name));
        } else {
            files.add(tokenizer);
            Path dir = tokenizer.toAbsolutePath().getParent();
            if (dir != null) {
                files.add(dir.resolve("tokenizer_config.json"));
                files.add(dir.resolve("special_tokens_map.json"));
            }
        }
        List<String> stamps = new ArrayList<>();
        for (Path f : files) {
            try {
                stamps.add(f.getFileName() + ":" + Files.size(f) + ":" + Files.getLastModifiedTime(f).toMillis());
            } catch (IOException e) {
                stamps.add(f.getFileName() + ":absent");
            }
        }
        return stamps;
    }
}
