package dev.mutual.data.fuzz;

import dev.mutual.data.UserInputException;
import dev.mutual.data.read.DataReader;
import dev.mutual.data.read.Format;
import dev.mutual.data.tokenizer.HfTokenizer;
import dev.mutual.data.tokenizer.Llama2cTokenizer;
import dev.mutual.data.tokenizer.TokenizerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the data fuzzers found (each was another exception, an out-of-memory, a hang or a JVM abort), kept as plain
 * regression tests on the smallest input that shows it.
 */
class FuzzFindingsTest {
    @TempDir
    Path dir;

    /** A NullPointerException: format self_instruct named for records without "instances". */
    @Test
    void selfInstructWithoutInstancesIsAnError() throws IOException {
        Path file = Files.writeString(dir.resolve("d.jsonl"), "{\"instruction\": \"Say hi\", \"response\": \"hi\"}\n");
        UserInputException e = assertThrows(UserInputException.class,
                () -> DataReader.read(file, new DataReader.Options(Format.SELF_INSTRUCT, false, null, false)));
        assertTrue(e.getMessage().contains("d.jsonl:1: no 'instances' (expected a non-empty list of {input, output}, found no such key)"), e.getMessage());
    }

    /** The Rust tokenizers library panicked on these inside the decoder section, and the panic aborted the JVM. */
    @Test
    void tokenizerJsonThatWouldAbortTheJvmIsRefused() throws IOException {
        String small = new String(TokenizerFuzzTest.smallMistral().bytes(), StandardCharsets.UTF_8);
        String[][] cases = {
                {"\"decoder\":" + "[".repeat(200) + "]".repeat(200), "nested more than 64 levels deep"},
                {"\"decoder\":{\"type\":\"Strip\",\"content\":\" \",\"start\":1e400,\"stop\":0}", "number 1e400 is beyond a double's range"},
                {"\"decoder\":{\"type\":\"Replace\",\"pattern\":{\"String\":\"\\ud800\"},\"content\":\" \"}", "unpaired UTF-16 surrogate"}};
        for (String[] c : cases) {
            Path file = Files.writeString(dir.resolve("tokenizer.json"), small.replaceFirst("\"decoder\":\\{.*?\\]\\}", c[0].replace("\\", "\\\\")));
            UserInputException e = assertThrows(UserInputException.class, () -> HfTokenizer.load(file));
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    /**
     * A post-processor template naming a special token it does not define loaded, then the first encode panicked in the
     * Rust library ("no entry found for key") and aborted the JVM (found with -Dfuzz.seed=99 -Dfuzz.scale=3).
     */
    @Test
    void templateWithAnUndefinedSpecialTokenIsRefused() throws IOException {
        String small = new String(TokenizerFuzzTest.smallMistral().bytes(), StandardCharsets.UTF_8);
        assertTrue(small.contains("{\"SpecialToken\":{\"id\":\"<s>\""));
        Path file = Files.writeString(dir.resolve("tokenizer.json"), small.replace("{\"SpecialToken\":{\"id\":\"<s>\"", "{\"SpecialToken\":{\"id\":\"<t>\""));
        UserInputException e = assertThrows(UserInputException.class, () -> HfTokenizer.load(file));
        assertTrue(e.getMessage().contains("post_processor.single uses special token '<t>', which post_processor.special_tokens does not define"), e.getMessage());
    }

    /**
     * A token written twice in model.vocab (one flipped bit) gave the Rust library and the Java vocabulary different
     * ids, and decoding an id the Rust side produced threw IllegalArgumentException (seed 99, scale 3).
     */
    @Test
    void duplicateVocabularyTokenIsRefused() throws IOException {
        String small = new String(TokenizerFuzzTest.smallMistral().bytes(), StandardCharsets.UTF_8);
        Path file = Files.writeString(dir.resolve("tokenizer.json"), small.replace("\"ht\":407", "\"ach\":407"));
        UserInputException e = assertThrows(UserInputException.class, () -> HfTokenizer.load(file));
        assertTrue(e.getMessage().contains("model.vocab has token 'ach' twice"), e.getMessage());
    }

    /** An ArrayIndexOutOfBoundsException (negative id) and an OutOfMemoryError (id 2000000000) from model.vocab. */
    @Test
    void tokenizerJsonIdsOutOfRangeAreRefused() throws IOException {
        String small = new String(TokenizerFuzzTest.smallMistral().bytes(), StandardCharsets.UTF_8);
        for (String id : new String[] {"-408", "2000000000"}) {
            Path file = Files.writeString(dir.resolve("tokenizer.json"), small.replace("\"ht\":407", "\"ht\":" + id));
            UserInputException e = assertThrows(UserInputException.class, () -> HfTokenizer.load(file));
            assertTrue(e.getMessage().contains("token id " + id + " is outside 0..16777215"), e.getMessage());
        }
    }

    /** A 1M-character added token kept the tokenizers library busy past the fuzzer's 10 s timeout. */
    @Test
    void hugeAddedTokenIsRefused() throws IOException {
        String small = new String(TokenizerFuzzTest.smallMistral().bytes(), StandardCharsets.UTF_8);
        Path file = Files.writeString(dir.resolve("tokenizer.json"), small.replace("\"content\":\"</s>\"", "\"content\":\"" + "x".repeat(1_000_000) + "\""));
        long start = System.nanoTime();
        UserInputException e = assertThrows(UserInputException.class, () -> HfTokenizer.load(file));
        assertTrue(e.getMessage().contains("added_tokens contents of at most 1024 characters"), e.getMessage());
        assertTrue(System.nanoTime() - start < 5e9, "refused quickly");
    }

    /** A NullPointerException: Jackson's nesting limit error has no location. */
    @Test
    void tokenizerConfigNestedPastJacksonsLimitIsAnError() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"x\":" + "[".repeat(1500) + "]".repeat(1500) + "}");
        UserInputException e = assertThrows(UserInputException.class, () -> TokenizerConfig.load(dir));
        assertTrue(e.getMessage().contains("tokenizer_config.json: not valid JSON"), e.getMessage());
    }

    /** An IllegalStateException at the first encode: a tokenizer .bin cut so that it lacks the " " piece loaded fine. */
    @Test
    void llama2cTokenizerWithoutTheDummyPrefixPieceIsRefused() throws IOException {
        byte[] full = Files.readAllBytes(DataSeeds.SAMPLES.resolve("tok512.bin"));
        Path file = Files.write(dir.resolve("tok.bin"), Arrays.copyOf(full, 1044 * 4));
        UserInputException e = assertThrows(UserInputException.class, () -> Llama2cTokenizer.load(file));
        assertTrue(e.getMessage().contains("no \" \" piece among its"), e.getMessage());
    }

    /**
     * What the chat-template fuzzer found: an empty template (IllegalArgumentException), a for tag without a valid
     * 'in' (Jinjava's TemplateSyntaxException escaped), a list appended to itself and printed (StackOverflowError),
     * a string grown by 10,000 set tags (300 MB), Java class names in Jinjava's type errors, a 2 GB center(), a loop
     * re-parsing a broken expression (800 MB: the render now stops at the first error) and one expression of 700
     * filtered concatenations (370 MB).
     */
    @Test
    void hostileChatTemplatesFailCleanAndCheaply() throws IOException {
        java.util.List<dev.mutual.data.chat.ChatMessage> chat = java.util.List.of(dev.mutual.data.chat.ChatMessage.user("hi"));
        String[][] cases = {
                {"", ": chat_template is empty; expected a Jinja template (or leave the key out and choose a built-in template)"},
                {"{% for message an messages %}x{% endfor %}", "Tag 'for' expects valid 'in' clause"},
                {"{% do messages.append(messages) %}{{ messages }}", "the template builds a value that contains itself or nests too deep to print"},
                {"{% set content = 'x' %}" + "{% set content = 'ab' + content %}".repeat(10_000) + "{{ content }}",
                        "the template exceeds the render bound of 33554432 characters assigned by its set tags"},
                {"{{ 'ab' * 3 }}", "Cannot coerce 'ab' of str to int"},
                {"{{ 'x'|center(2000000000) }}", "center filter asks for a width or count of 2000000000"},
                {"{% for i in range(3) %}{{ messages[0].content + }}{{ messages[0].content }}{% endfor %}", "syntax error"},
                {"{{ 'x'" + " + messages[0].content|trim".repeat(700) + " }}", ": the tag at template line 1 is 18909 characters long;"
                        + " a chat template's tags are at most 16384"}};
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (String[] c : cases) {
            Path file = dir.resolve("tokenizer_config.json");
            Files.writeString(file, new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("chat_template", c[0]).toString());
            long before = threads.getCurrentThreadAllocatedBytes();
            UserInputException e = assertThrows(UserInputException.class, () -> new dev.mutual.data.chat.JinjaChatTemplate(
                    TokenizerConfig.load(dir).chatTemplate().orElseThrow(), "", "", java.util.Map.of(), file).render(chat, true));
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(e.getMessage().startsWith(file + ": chat_template") && e.getMessage().contains(c[1]), e.getMessage());
            assertTrue(!e.getMessage().contains("java."), e.getMessage());
            assertTrue(allocated < 128 << 20, c[1] + ": allocated " + (allocated >> 20) + " MB");
        }
    }
}
