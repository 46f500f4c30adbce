package dev.mutual.data.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A llama2.c tokenizer as the Hugging Face files that give the same ids: {@code tokenizer.json} (a {@code tokenizers}
 * BPE model in Llama-2's SentencePiece style), {@code tokenizer_config.json} and {@code special_tokens_map.json}.
 *
 * <p>Why it is the same encoder: run.c adds a dummy-prefix space, looks up each code point (else its bytes), then
 * merges the adjacent pair whose merged piece has the highest score, leftmost first. Here the normalizer prepends
 * "▁" and turns spaces into "▁" (the exporter had turned SentencePiece's "▁" into " "), there is no pre-tokenizer
 * (the whole text is one word, as in run.c), byte_fallback plays the byte pieces, and the merges are every split of a
 * piece into two pieces, ranked by the merged piece's score, the way transformers' SentencePiece converter derives
 * them ({@code SentencePieceExtractor.extract}). BPE applies the best-ranked pair, leftmost first: run.c's order.
 *
 * <p>One difference by design: HF splits "&lt;s&gt;", "&lt;/s&gt;" and "&lt;unk&gt;" written in the text out as special
 * tokens and prepends "▁" to the text after them (Llama-2's "legacy" behaviour); {@link
 * Llama2cTokenizer#encodeWithSpans} does the same for "&lt;s&gt;" and "&lt;/s&gt;", run.c's encode() for none of them.
 * {@code tokenizer_class} is PreTrainedTokenizerFast so that transformers loads this tokenizer.json as written
 * (transformers 5's LlamaTokenizer rebuilds its own pre-tokenizer from the vocabulary).
 */
public final class Llama2cHfExport {
    static final String SPACE = "▁";
    private static final String[] SPECIAL = {"<unk>", "<s>", "</s>"};
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Llama2cHfExport() {
    }

    /**
     * Writes tokenizer.json for {@code tok} into {@code dir}, and tokenizer_config.json and special_tokens_map.json
     * when asked (not when the caller copies its own).
     */
    public static void write(Llama2cTokenizer tok, Path dir, boolean config, boolean specialTokensMap) {
        AtomicFile.writeString(dir.resolve("tokenizer.json"), json(tokenizerJson(tok)));
        if (config) AtomicFile.writeString(dir.resolve("tokenizer_config.json"), json(tokenizerConfig()));
        if (specialTokensMap) AtomicFile.writeString(dir.resolve("special_tokens_map.json"), json(specialTokensMap()));
    }

    /** The vocabulary entry of each id as tokenizer.json stores it: "▁" for spaces, "&lt;s&gt;" for llama2.c's "\n&lt;s&gt;\n". */
    static String[] hfPieces(Llama2cTokenizer tok) {
        String[] pieces = new String[tok.vocabSize()];
        Map<String, Integer> seen = new HashMap<>();
        for (int id = 0; id < pieces.length; id++) {
            pieces[id] = id < SPECIAL.length ? SPECIAL[id] : tok.token(id).replace(" ", SPACE);
            Integer before = seen.putIfAbsent(pieces[id], id);
            if (before != null) {
                throw new IllegalStateException("llama2.c tokenizer: ids " + before + " and " + id + " are both \""
                        + pieces[id] + "\" once spaces are written as " + SPACE + "; no tokenizer.json can hold both");
            }
        }
        return pieces;
    }

    /**
     * Every (left, right) whose concatenation is a piece, best merged score first; splits of one piece in the order
     * of their ids (transformers' SentencePieceExtractor with vocab scores). Special pieces are never merged into,
     * nor pieces scored at or below run.c's -1e10 floor.
     */
    static List<String[]> merges(Llama2cTokenizer tok, String[] pieces) {
        Map<String, Integer> idOf = new HashMap<>();
        for (int id = 0; id < pieces.length; id++) idOf.put(pieces[id], id);
        record Merge(int left, int right, float score) {}
        List<Merge> all = new ArrayList<>();
        for (int id = SPECIAL.length; id < pieces.length; id++) {
            if (tok.score(id) <= -1e10f) continue;
            String piece = pieces[id];
            List<Merge> local = new ArrayList<>();
            for (int k = 1; k < piece.length(); k++) {
                if (Character.isLowSurrogate(piece.charAt(k))) continue; // never split a code point
                Integer left = idOf.get(piece.substring(0, k));
                Integer right = idOf.get(piece.substring(k));
                if (left != null && right != null && left >= SPECIAL.length && right >= SPECIAL.length) {
                    local.add(new Merge(left, right, tok.score(id)));
                }
            }
            local.sort(Comparator.comparingInt(Merge::left).thenComparingInt(Merge::right));
            all.addAll(local);
        }
        all.sort((a, b) -> Float.compare(b.score(), a.score())); // stable: ties keep the order above
        List<String[]> out = new ArrayList<>(all.size());
        for (Merge m : all) out.add(new String[] {pieces[m.left()], pieces[m.right()]});
        return out;
    }

    static ObjectNode tokenizerJson(Llama2cTokenizer tok) {
        String[] pieces = hfPieces(tok);
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < SPECIAL.length; id++) {
            ObjectNode t = added.addObject();
            t.put("id", id);
            t.put("content", SPECIAL[id]);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        ObjectNode normalizer = root.putObject("normalizer");
        normalizer.put("type", "Sequence");
        ArrayNode steps = normalizer.putArray("normalizers");
        steps.addObject().put("type", "Prepend").put("prepend", SPACE);
        ObjectNode replace = steps.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", SPACE);
        root.putNull("pre_tokenizer");
        root.set("post_processor", bosTemplate());
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "Sequence");
        ArrayNode decoders = decoder.putArray("decoders");
        ObjectNode unspace = decoders.addObject().put("type", "Replace");
        unspace.putObject("pattern").put("String", SPACE);
        unspace.put("content", " ");
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", SPECIAL[0]);
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < pieces.length; id++) vocab.put(pieces[id], id);
        ArrayNode merges = model.putArray("merges");
        for (String[] m : merges(tok, pieces)) merges.addArray().add(m[0]).add(m[1]);
        return root;
    }

    /** BOS before the text, as run.c's encode(bos=1) and transformers' add_bos_token. */
    private static ObjectNode bosTemplate() {
        ObjectNode p = JSON.createObjectNode();
        p.put("type", "TemplateProcessing");
        ArrayNode single = p.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", SPECIAL[1]).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = p.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", SPECIAL[1]).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", SPECIAL[1]).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = p.putObject("special_tokens").putObject(SPECIAL[1]);
        bos.put("id", SPECIAL[1]);
        bos.putArray("ids").add(1);
        bos.putArray("tokens").add(SPECIAL[1]);
        return p;
    }

    static ObjectNode tokenizerConfig() {
        ObjectNode c = JSON.createObjectNode();
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        c.put("bos_token", SPECIAL[1]);
        c.put("eos_token", SPECIAL[2]);
        c.put("unk_token", SPECIAL[0]);
        c.putNull("pad_token");
        c.put("add_bos_token", true);
        c.put("add_eos_token", false);
        c.put("legacy", true);
        c.put("clean_up_tokenization_spaces", false);
        ObjectNode decoderMap = c.putObject("added_tokens_decoder");
        for (int id = 0; id < SPECIAL.length; id++) {
            ObjectNode t = decoderMap.putObject(Integer.toString(id));
            t.put("content", SPECIAL[id]);
            t.put("lstrip", false);
            t.put("normalized", false);
            t.put("rstrip", false);
            t.put("single_word", false);
            t.put("special", true);
        }
        return c;
    }

    static ObjectNode specialTokensMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("bos_token", SPECIAL[1]);
        m.put("eos_token", SPECIAL[2]);
        m.put("unk_token", SPECIAL[0]);
        ObjectNode n = JSON.createObjectNode();
        m.forEach(n::put);
        return n;
    }

    private static String json(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
