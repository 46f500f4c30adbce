package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.InputFiles;
import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.chat.EncodedChat;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.eval.model.LoadedModel;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code mutual tokenize}: the ids and tokens a tokenizer gives for a text, or with {@code --chat} for a conversation
 * rendered by a chat template, with the loss mask training would use (ChatEncoder, the same code as the train stage),
 * so a user sees what a template does before training on it. A table for people, {@code --json} for programs.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Print the token ids and tokens of TEXT (or of --input FILE); with --chat, of a conversation "
                + "in its chat template, with the loss mask (1 = trained on).",
                "--chat input: TEXT is one JSON conversation ({\"messages\": [{\"role\": ..., \"content\": ...}, ...]} or "
                        + "the list alone); --input is a JSONL file of them."})
final class TokenizeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--tokenizer", required = true, paramLabel = "PATH",
            description = "A tokenizer folder, tokenizer.json[.gz], a llama2.c .bin, or a model directory (its tokenizer, "
                    + "as generate and score use it).")
    Path tokenizer;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Parameters(paramLabel = "TEXT", description = "The text (with --chat: one JSON conversation).")
        String text;

        @Option(names = "--input", paramLabel = "FILE", description = "Read the text from FILE (with --chat: JSONL, one conversation per line).")
        Path input;
    }

    @Option(names = "--chat", description = "Treat the input as conversations: render them with the chat template, show the loss mask.")
    boolean chat;

    @Option(names = "--chat-template", defaultValue = "model", paramLabel = "NAME",
            description = "With --chat: 'model' (the tokenizer's own chat_template, default) or a built-in: llama-2, mistral, chatml, llama-3, vicuna, alpaca.")
    String chatTemplate;

    @Option(names = "--lines", description = "Plain text from --input: each line is a text of its own (one table or JSON line each).")
    boolean lines;

    @Option(names = "--no-special-tokens", description = "Plain text: add no BOS/EOS (default: add what the tokenizer adds, as AutoTokenizer does).")
    boolean noSpecialTokens;

    @Option(names = "--json", description = "One JSON object per text: ids, tokens (and with --chat: text, mask).")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!chat && !chatTemplate.equals("model")) throw new UserInputException("--chat-template needs --chat");
        if (chat && noSpecialTokens) throw new UserInputException("--no-special-tokens is for plain text; a chat template writes its own");
        if (lines && (chat || source.input == null)) throw new UserInputException("--lines is for plain text read with --input");
        PrintWriter out = spec.commandLine().getOut();
        try (TextTokenizer tok = TextTokenizer.load(resolve(tokenizer))) {
            if (!chat) {
                String text = source.text != null ? source.text : readText(source.input);
                List<String> texts = lines ? text.lines().toList() : List.of(text);
                for (String t : texts) print(out, tok, null, tok.encode(t, !noSpecialTokens), null);
            } else {
                ChatEncoder encoder = new ChatEncoder(tok, ChatTemplate.forTokenizer(chatTemplate, tok));
                for (Conversation c : conversations()) {
                    List<ChatMessage> messages = messages(c.node(), c.where());
                    boolean hasReply = messages.stream().anyMatch(m -> m.role() == ChatMessage.Role.ASSISTANT);
                    if (hasReply) {
                        EncodedChat e = encoder.encode(messages);
                        print(out, tok, e.text(), e.ids(), e.lossMask());
                    } else { // a prompt: what generation feeds the model, nothing to train on
                        String text = encoder.template().render(messages, true);
                        int[] ids = encoder.promptIds(messages);
                        print(out, tok, text, ids, new int[ids.length]);
                    }
                }
            }
        }
        out.flush();
        return 0;
    }

    /** A model directory means the tokenizer generate and score would use for it. */
    private static Path resolve(Path path) {
        if (!Files.isDirectory(path)) return path;
        Path inModel = LoadedModel.tokenizerIn(path);
        return inModel != null ? inModel : path;
    }

    private static String readText(Path file) {
        InputFiles.requireFile(file);
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            UserInputException bad = InputFiles.readFailure(file, file.toString(), e);
            if (bad != null) throw bad;
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private record Conversation(JsonNode node, String where) {}

    private List<Conversation> conversations() {
        List<Conversation> out = new ArrayList<>();
        if (source.text != null) {
            try {
                out.add(new Conversation(JSON.readTree(source.text), "TEXT"));
            } catch (IOException e) {
                throw new UserInputException("TEXT: not JSON (expected with --chat a conversation like "
                        + "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}): " + e.getMessage().lines().findFirst().orElse(""));
            }
            return out;
        }
        for (JsonLines.Line line : JsonLines.read(source.input, "JSONL conversations with \"messages\"")) {
            out.add(new Conversation(line.node(), line.where()));
        }
        return out;
    }

    /** {"messages": [...]} or the list itself; roles system, user, assistant. */
    static List<ChatMessage> messages(JsonNode node, String where) {
        JsonNode list = node.isObject() ? node.get("messages") : node;
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new UserInputException(where + ": expected a non-empty \"messages\" list of {\"role\", \"content\"} objects, found "
                    + (list == null ? "no \"messages\" key" : list.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            String role = m.path("role").asText("");
            ChatMessage.Role r = switch (role) {
                case "system" -> ChatMessage.Role.SYSTEM;
                case "user" -> ChatMessage.Role.USER;
                case "assistant" -> ChatMessage.Role.ASSISTANT;
                default -> throw new UserInputException(where + ": message " + i + " has role \"" + role
                        + "\", expected system, user or assistant");
            };
            if (!m.path("content").isTextual()) {
                throw new UserInputException(where + ": message " + i + " has no text \"content\"");
            }
            messages.add(new ChatMessage(r, m.get("content").asText()));
        }
        return messages;
    }

    private void print(PrintWriter out, TextTokenizer tok, String text, int[] ids, int[] mask) {
        if (json) {
            ObjectNode line = JSON.createObjectNode();
            if (text != null) line.put("text", text);
            ArrayNode idArray = line.putArray("ids");
            ArrayNode tokens = line.putArray("tokens");
            for (int id : ids) {
                idArray.add(id);
                tokens.add(tok.token(id));
            }
            if (mask != null) {
                ArrayNode m = line.putArray("mask");
                for (int x : mask) m.add(x);
            }
            out.println(line);
            return;
        }
        if (text != null) out.println("text: " + escape(text));
        int trained = 0;
        if (mask != null) for (int x : mask) trained += x;
        out.println(ids.length + " tokens" + (mask != null ? ", " + trained + " trained on (mask 1)" : ""));
        out.println(mask != null ? String.format("%6s %8s %4s  %s", "#", "id", "mask", "token")
                : String.format("%6s %8s  %s", "#", "id", "token"));
        for (int i = 0; i < ids.length; i++) {
            String token = escape(tok.token(ids[i]));
            out.println(mask != null ? String.format("%6d %8d %4d  %s", i, ids[i], mask[i], token)
                    : String.format("%6d %8d  %s", i, ids[i], token));
        }
        out.println();
    }

    /** Control characters and edge spaces made visible: a token's text as a Java string literal would show it. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
