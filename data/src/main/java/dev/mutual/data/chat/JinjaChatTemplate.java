package dev.mutual.data.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;
import dev.mutual.data.UserInputException;
import jinjava.javax.el.CompositeELResolver;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A model's own Jinja {@code chat_template}, rendered with Jinjava the way HF transformers renders it
 * ({@code apply_chat_template}: Jinja2 with trim_blocks and lstrip_blocks; variables {@code messages},
 * {@code bos_token}, {@code eos_token}, {@code add_generation_prompt}; function {@code raise_exception}).
 *
 * <p>Jinjava is not Jinja2. What HF templates need and Jinjava lacks is bridged here, each checked against
 * transformers' output for the Qwen3 and Llama-3 templates (see ChatTemplateTest):
 * <ul>
 *   <li>escapes in string literals ({@code '\n'}) are turned into the characters before parsing;</li>
 *   <li>{@code x[::-1]} becomes {@code (x|reverse)};</li>
 *   <li>{@code namespace(a=x - 1)} arguments get parentheses (Jinjava binds {@code a=x} before {@code - 1});</li>
 *   <li>Python str methods ({@code strip}, {@code startswith}, {@code split}, ...) via {@link PythonStringMethods};</li>
 *   <li>{@code {{-}} and {@code -}}} trim whitespace (a Jinjava legacy override).</li>
 * </ul>
 */
public final class JinjaChatTemplate implements ChatTemplate {
    private static final Pattern REVERSED = Pattern.compile("\\b([A-Za-z_][\\w.]*)\\[::-1]");

    private final String source;
    private final String jinjavaSource;
    private final String bos;
    private final String eos;
    /** Extra template variables, as HF passes apply_chat_template's keyword arguments (enable_thinking=false). */
    private final Map<String, Object> variables;
    private final Jinjava jinjava;
    /** Parsed once: parsing the 4 kB Qwen3 template took most of a render. */
    private final Node parsed;

    public JinjaChatTemplate(String source, String bos, String eos) {
        this(source, bos, eos, Map.of());
    }

    /**
     * @param variables extra variables for the template, e.g. {@code Map.of("enable_thinking", false)} for Qwen3's
     *                  non-thinking mode; they cannot replace messages, bos_token, eos_token or
     *                  add_generation_prompt
     */
    public JinjaChatTemplate(String source, String bos, String eos, Map<String, Object> variables) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("chat template source is empty");
        }
        for (String reserved : List.of("messages", "bos_token", "eos_token", "add_generation_prompt")) {
            if (variables.containsKey(reserved)) {
                throw new IllegalArgumentException("template variable " + reserved + " is set by render()");
            }
        }
        this.source = source;
        this.jinjavaSource = toJinjava(source);
        this.bos = bos;
        this.eos = eos;
        this.variables = Map.copyOf(variables);
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .build())
                .build();
        this.jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                JinjaChatTemplate.class, "raiseException", String.class));
        JinjavaInterpreter parser = jinjava.newInterpreter();
        JinjavaInterpreter.pushCurrent(parser);
        try {
            this.parsed = parser.parse(jinjavaSource);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        List<TemplateError> errors = failures(parser.getErrorsCopy());
        if (!errors.isEmpty()) {
            throw new UserInputException("chat template does not parse: "
                    + errors.stream().map(JinjaChatTemplate::describe).collect(Collectors.joining("; ")));
        }
    }

    /** A copy of this template with extra variables (see the four-argument constructor). */
    public JinjaChatTemplate withVariables(Map<String, Object> extra) {
        return new JinjaChatTemplate(source, bos, eos, extra);
    }

    /** The template as written in tokenizer_config.json. */
    public String source() {
        return source;
    }

    @Override
    public String name() {
        return "jinja chat_template (" + source.length() + " chars)";
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> hfMessages = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role().hfName());
            map.put("content", m.content());
            hfMessages.add(map);
        }
        Map<String, Object> context = new HashMap<>(variables);
        context.put("messages", hfMessages);
        context.put("bos_token", bos);
        context.put("eos_token", eos);
        context.put("add_generation_prompt", addGenerationPrompt);
        JinjavaInterpreter interpreter = new JinjavaInterpreter(jinjava,
                new Context(jinjava.getGlobalContext(), context), jinjava.getGlobalConfig());
        JinjavaInterpreter.pushCurrent(interpreter);
        String output;
        try {
            output = interpreter.render(parsed);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        List<TemplateError> errors = failures(interpreter.getErrorsCopy());
        if (!errors.isEmpty()) {
            throw new UserInputException("chat template: rendering " + messages.size() + " messages failed: "
                    + errors.stream().map(JinjaChatTemplate::describe).collect(Collectors.joining("; ")));
        }
        return output;
    }

    private static List<TemplateError> failures(List<TemplateError> errors) {
        return errors.stream().filter(e -> e.getSeverity() != TemplateError.ErrorType.WARNING).toList();
    }

    /** The template's own raise_exception message when there is one (Jinjava wraps it), else Jinjava's. */
    private static String describe(TemplateError e) {
        for (Throwable t = e.getException(); t != null; t = t.getCause()) {
            if (t instanceof UserInputException raised) {
                return raised.getMessage();
            }
        }
        return e.getMessage() + (e.getLineno() > 0 ? " (template line " + e.getLineno() + ")" : "");
    }

    /** The template's {@code raise_exception(message)}: the conversation is one it refuses. */
    public static String raiseException(String message) {
        throw new UserInputException("chat template raised: " + message);
    }

    /** Rewrites the Jinja2 forms Jinjava parses differently (see the class comment). */
    static String toJinjava(String source) {
        String s = unescapeStringLiterals(source);
        s = REVERSED.matcher(s).replaceAll("($1|reverse)");
        return parenthesizeNamespaceArguments(s);
    }

    /** Inside {{ }} and {% %}, replaces \n, \t, \r in quoted strings with the characters (Jinjava keeps them). */
    static String unescapeStringLiterals(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean inTag = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            char next = i + 1 < s.length() ? s.charAt(i + 1) : 0;
            if (!inTag) {
                if (c == '{' && (next == '{' || next == '%')) {
                    inTag = true;
                    out.append(c).append(next);
                    i++;
                } else {
                    out.append(c);
                }
            } else if (quote != 0) {
                if (c == '\\' && (next == 'n' || next == 't' || next == 'r')) {
                    out.append(next == 'n' ? '\n' : next == 't' ? '\t' : '\r');
                    i++;
                } else if (c == '\\' && next != 0) {
                    out.append(c).append(next); // \\, \' and \" are understood by Jinjava itself
                    i++;
                } else {
                    if (c == quote) {
                        quote = 0;
                    }
                    out.append(c);
                }
            } else {
                if (c == '\'' || c == '"') {
                    quote = c;
                } else if ((c == '}' || c == '%') && next == '}') {
                    inTag = false;
                    out.append(c).append(next);
                    i++;
                    continue;
                }
                out.append(c);
            }
        }
        return out.toString();
    }

    /** {@code namespace(a=x|length - 1, b=true)} becomes {@code namespace(a=(x|length - 1), b=(true))}. */
    static String parenthesizeNamespaceArguments(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int from = 0;
        for (int at = s.indexOf("namespace(", from); at >= 0; at = s.indexOf("namespace(", from)) {
            int open = at + "namespace(".length();
            int close = matchingParen(s, open);
            if (close < 0) {
                break;
            }
            out.append(s, from, open);
            List<String> args = splitTopLevel(s.substring(open, close));
            for (int k = 0; k < args.size(); k++) {
                String arg = args.get(k);
                int eq = arg.indexOf('=');
                boolean named = eq > 0 && arg.substring(0, eq).strip().matches("[A-Za-z_]\\w*")
                        && (eq + 1 >= arg.length() || arg.charAt(eq + 1) != '=');
                out.append(k == 0 ? "" : ",")
                        .append(named ? arg.substring(0, eq + 1) + "(" + arg.substring(eq + 1) + ")" : arg);
            }
            out.append(')');
            from = close + 1;
        }
        return out.append(s.substring(from)).toString();
    }

    private static int matchingParen(String s, int from) {
        int depth = 1;
        char quote = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[') {
                depth++;
            } else if ((c == ')' || c == ']') && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    private static List<String> splitTopLevel(String args) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        char quote = 0;
        int start = 0;
        for (int i = 0; i < args.length(); i++) {
            char c = args.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[') {
                depth++;
            } else if (c == ')' || c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(args.substring(start, i));
                start = i + 1;
            }
        }
        if (start < args.length() || !parts.isEmpty()) {
            parts.add(args.substring(start));
        }
        return parts;
    }
}
