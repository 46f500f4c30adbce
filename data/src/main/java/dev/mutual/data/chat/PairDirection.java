package dev.mutual.data.chat;

import dev.mutual.data.Example;
import dev.mutual.data.UserInputException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which way a model reads an instruction-response pair (x, y). MAIN trains two models on the same pairs: the
 * forward model p(y|x) (user turn x, reply y: ordinary instruction tuning) and the reverse model p(x|y) (user turn y,
 * reply x: it writes the instruction a response answers). Training, synthesis and pair scoring all build their
 * conversations here, so the three always agree on what the model saw.
 */
public enum PairDirection {
    /** p(y|x): the instruction in the user turn, the response as the reply. */
    FORWARD,
    /** p(x|y): the response in the user turn, the instruction as the reply. */
    REVERSE;

    /** The recipe names, "forward" and "reverse". */
    public static final List<String> NAMES = List.of("forward", "reverse");

    public String recipeName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** "forward" or "reverse" (as a recipe writes it). */
    public static PairDirection named(String name) {
        for (PairDirection d : values()) if (d.recipeName().equals(name)) return d;
        throw new IllegalArgumentException("direction: expected one of " + NAMES + ", found \"" + name + "\"");
    }

    /**
     * The training conversation of a pair: an optional system message, then the user turn and the reply this
     * direction puts there.
     *
     * @param system      a system message (e.g. Humpback's tag for synthetic data), or null for none
     * @param instruction x (with its input, as {@link Example#fullInstruction()})
     * @param response    y
     */
    public List<ChatMessage> conversation(String system, String instruction, String response) {
        List<ChatMessage> messages = prompt(system, instruction, response);
        messages.add(ChatMessage.assistant(this == FORWARD ? response : instruction));
        return messages;
    }

    /** The conversation up to (not including) the reply: what the model conditions on in this direction. */
    public List<ChatMessage> prompt(String system, String instruction, String response) {
        List<ChatMessage> messages = new ArrayList<>(3);
        if (system != null) messages.add(ChatMessage.system(system));
        messages.add(ChatMessage.user(this == FORWARD ? instruction : response));
        return messages;
    }

    /** The text this direction predicts: y forward, x reverse. */
    public String target(String instruction, String response) {
        return this == FORWARD ? response : instruction;
    }

    /**
     * The example as this direction trains on it. Forward returns it unchanged. Reverse rewrites it as the
     * conversation [system], user = the first reply, assistant = the first instruction (the first exchange of a
     * multi-turn record; leading system turns are kept), with the same id, weight and provenance.
     *
     * @throws UserInputException for an unlabelled example (there is no instruction to predict)
     */
    public Example apply(Example e) {
        if (this == FORWARD) return e;
        if (!e.isPair()) {
            throw new UserInputException(e.sourceFile() + " line " + e.line() + " (id " + e.id()
                    + "): expected an instruction-response pair to train a reverse model on, found an unlabelled response");
        }
        String system = null;
        for (Example.Turn t : e.turns()) {
            if (!t.role().equals("system")) break;
            system = system == null ? t.content() : system + "\n" + t.content();
        }
        List<Example.Turn> turns = new ArrayList<>();
        for (ChatMessage m : conversation(system, e.fullInstruction(), e.response())) {
            turns.add(new Example.Turn(m.role().hfName(), m.content()));
        }
        return new Example(e.id(), e.instruction(), e.input(), e.response(), null, e.category(), e.sourceFile(),
                e.line(), turns, e.weight());
    }
}
