package dev.mutual.experiments.pipeline;

import dev.mutual.data.UserInputException;
import dev.mutual.experiments.recipe.CurateConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Humpback's self-curation prompt (Li et al. 2023, Table 19): a 5-point rubric, then the candidate instruction and
 * response, and the request to end with "Score: N". The shipped copy is {@code samples/prompts/humpback_self_curation.txt},
 * packaged into the jar as a resource (see experiments/pom.xml), so the curate stage's default needs no path.
 *
 * @param text   the prompt with its {generated_instruction} and {response} placeholders
 * @param source where it was read from, for messages
 */
record SelfCurationPrompt(String text, String source) {

    static final String RESOURCE = "/dev/mutual/experiments/prompts/humpback_self_curation.txt";
    private static final Pattern SLOTS = Pattern.compile(Pattern.quote(CurateConfig.INSTRUCTION_SLOT) + "|" + Pattern.quote(CurateConfig.RESPONSE_SLOT));
    /**
     * The rating: "Score: N" ending the reply (trailing spaces or a full stop allowed). Anchored at the end, as
     * Spico197/Humback found that matching "Score" anywhere lets junk through; so it is the last "Score: N" or none.
     */
    private static final Pattern SCORE = Pattern.compile("Score:\\s*([1-5])\\s*\\.?\\s*$");

    /** The prompt in {@code file}, or the shipped Humpback prompt when {@code file} is null. */
    static SelfCurationPrompt load(Path file) {
        try {
            if (file != null) return new SelfCurationPrompt(Files.readString(file), file.toString());
            try (InputStream in = SelfCurationPrompt.class.getResourceAsStream(RESOURCE)) {
                if (in == null) throw new IllegalStateException("the shipped prompt " + RESOURCE + " is missing from the classpath");
                return new SelfCurationPrompt(new String(in.readAllBytes(), StandardCharsets.UTF_8), "samples/prompts/humpback_self_curation.txt");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the rating prompt " + (file == null ? RESOURCE : file), e);
        }
    }

    SelfCurationPrompt {
        for (String slot : new String[] {CurateConfig.INSTRUCTION_SLOT, CurateConfig.RESPONSE_SLOT}) {
            if (!text.contains(slot)) throw new UserInputException("prompt: " + source + " has no " + slot + " placeholder");
        }
    }

    /** The prompt for one pair, both placeholders filled in one pass (a response that contains "{response}" stays as it is). */
    String fill(String instruction, String response) {
        Matcher m = SLOTS.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = m.group().equals(CurateConfig.INSTRUCTION_SLOT) ? instruction : response;
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The rating a reply ends with, or null when it does not end with "Score: N" (N in 1-5). */
    static Integer rating(String reply) {
        Matcher m = SCORE.matcher(reply);
        return m.find() ? Integer.valueOf(m.group(1)) : null;
    }

    /** The reply the likelihood method scores for rating k, in the form the prompt asks for. */
    static String reply(int k) {
        return "Score: " + k;
    }
}
