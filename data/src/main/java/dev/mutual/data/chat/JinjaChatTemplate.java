package dev.mutual.data.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.CollectionTooBigException;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.OutputTooBigException;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.lib.tag.SetTag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.util.ForLoop;
import com.hubspot.jinjava.util.ObjectIterator;
import dev.mutual.data.UserInputException;
import jinjava.javax.el.CompositeELResolver;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
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
 *
 * <p>A model folder is untrusted input and its template is a program: one render is bounded to
 * {@link #MAX_OUTPUT_CHARS} characters of output (and of any string or list it builds) and
 * {@link #MAX_LOOP_ITERATIONS} loop iterations in all, so nested {@code range(1000)} loops stop at once with a
 * message naming the file, instead of running for a minute into a gigabyte of heap.
 */
public final class JinjaChatTemplate implements ChatTemplate {
    private static final Pattern REVERSED = Pattern.compile("\\b([A-Za-z_][\\w.]*)\\[::-1]");
    /** A Java class name in a Jinjava message: "class java.lang.String", "com.hubspot....SizeLimitingPyList". */
    private static final Pattern JAVA_CLASS = Pattern.compile("(?:class )?\\b(?:java|javax|jinjava|com\\.hubspot)\\.(?:[a-z_$][\\w$]*\\.)*([A-Z][\\w$]*)");
    /**
     * Output of one render, in characters; a real conversation is far below (2,000 messages, ~150k tokens, render to
     * ~0.6 M). Building 16 M took ~330 MB of allocation, beyond the fuzzer's 256 MB per case.
     */
    public static final long MAX_OUTPUT_CHARS = 4L << 20;
    /**
     * Loop iterations of one render, all loops together; real templates loop over the messages (and tools): Qwen3's
     * makes 4,000 for 2,000 messages.
     */
    public static final int MAX_LOOP_ITERATIONS = 100_000;
    /**
     * Variable and attribute lookups and method calls of one render: the work of a template that recurses (a macro
     * calling itself twice) or nests loops around its whole body, which neither the output nor the loop bound stops
     * soon enough (the whole template in nested loops allocated 700 MB in 500,000 steps; a loop body of tests and
     * sets ~3 kB a step). Qwen3's template makes 23,000 for 2,000 messages (~250k tokens, beyond any context here).
     */
    public static final int MAX_STEPS = 50_000;
    /**
     * Characters of the strings (and entries of the lists and dicts) that the set tags of one render assign: what a
     * template that grows a string by repeated concatenation copies (10,000 {@code set content = bos_token + content}
     * allocated 300 MB in 20,000 steps). Qwen3's template assigns ~1 M for 2,000 messages of 500 characters.
     */
    public static final long MAX_CHARS_ASSIGNED = 32L << 20;
    /**
     * Characters of one {@code {{ }}} or {@code {% %}} tag. Real templates' tags are under 1 k (a default system prompt
     * in a set tag a few k); one expression of 683 concatenations, each filtered, built 370 MB of intermediate strings.
     */
    public static final int MAX_TAG_CHARS = 16 << 10;
    /** {loop iterations, steps, characters assigned} spent by the render running on this thread (Jinjava renders on the caller's thread). */
    private static final ThreadLocal<long[]> ITERATIONS = new ThreadLocal<>();

    private final String source;
    /** Where the template was read from (tokenizer_config.json), for messages; null when given as text. */
    private final Path file;
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
        this(source, bos, eos, variables, null);
    }

    /** @param file where the template was read from (a tokenizer_config.json), named in every error; or null */
    public JinjaChatTemplate(String source, String bos, String eos, Map<String, Object> variables, Path file) {
        if (source == null || source.isBlank()) {
            // A model folder's tokenizer_config.json may say "chat_template": "": its error, not a stack trace.
            throw new UserInputException((file == null ? "chat template" : file + ": chat_template")
                    + " is empty; expected a Jinja template (or leave the key out and choose a built-in template)");
        }
        for (String reserved : List.of("messages", "bos_token", "eos_token", "add_generation_prompt")) {
            if (variables.containsKey(reserved)) {
                throw new IllegalArgumentException("template variable " + reserved + " is set by render()");
            }
        }
        this.source = source;
        this.file = file;
        checkTagLengths(source);
        this.jinjavaSource = toJinjava(source);
        this.bos = bos;
        this.eos = eos;
        this.variables = Map.copyOf(variables);
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new StepBudget());
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withMaxStringLength(MAX_OUTPUT_CHARS)
                .withMaxListSize(MAX_LOOP_ITERATIONS)
                .withMaxMapSize(MAX_LOOP_ITERATIONS)
                .withMaxMacroRecursionDepth(64)
                // Jinjava extras that HF's Jinja2 sandbox lacks and that parse or run more untrusted text.
                .withDisabled(Map.of(Context.Library.FILTER, Set.of("fromyaml", "render", "regex_replace")))
                // Jinjava re-renders output that looks like a template by default; a message is data, never code.
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .build())
                .build();
        this.jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerTag(new BoundedForTag());
        jinjava.getGlobalContext().registerTag(new BoundedSetTag());
        for (String name : BoundedWidthFilter.BOUNDED) {
            jinjava.getGlobalContext().registerFilter(new BoundedWidthFilter(jinjava.getGlobalContext().getFilter(name)));
        }
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                JinjaChatTemplate.class, "raiseException", String.class));
        JinjavaInterpreter parser = jinjava.newInterpreter();
        JinjavaInterpreter.pushCurrent(parser);
        try {
            this.parsed = parser.parse(jinjavaSource);
        } catch (InterpretException e) {
            throw new UserInputException(what() + " does not parse: " + clean(e.getMessage()), e);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        List<TemplateError> errors = failures(parser.getErrorsCopy());
        if (!errors.isEmpty()) {
            throw new UserInputException(what() + " does not parse: "
                    + errors.stream().map(JinjaChatTemplate::describe).collect(Collectors.joining("; ")));
        }
    }

    /** Refuses a tag longer than {@link #MAX_TAG_CHARS}, naming its line. */
    private void checkTagLengths(String text) {
        int at = 0;
        while (true) {
            int open = text.indexOf('{', at);
            if (open < 0 || open + 1 >= text.length()) {
                return;
            }
            char kind = text.charAt(open + 1);
            if (kind != '{' && kind != '%') {
                at = open + 1;
                continue;
            }
            int close = text.indexOf(kind == '{' ? "}}" : "%}", open + 2);
            int end = close < 0 ? text.length() : close + 2;
            if (end - open > MAX_TAG_CHARS) {
                long line = text.substring(0, open).chars().filter(c -> c == '\n').count() + 1;
                throw new UserInputException(what() + ": the tag at template line " + line + " is " + (end - open)
                        + " characters long" + (close < 0 ? " and never closed" : "") + "; a chat template's tags are at most "
                        + MAX_TAG_CHARS);
            }
            if (close < 0) {
                return;
            }
            at = end;
        }
    }

    /** A copy of this template with extra variables (see the four-argument constructor). */
    public JinjaChatTemplate withVariables(Map<String, Object> extra) {
        return new JinjaChatTemplate(source, bos, eos, extra, file);
    }

    /** The template as written in tokenizer_config.json. */
    public String source() {
        return source;
    }

    @Override
    public String name() {
        return "jinja chat_template" + (file == null ? "" : " of " + file) + " (" + source.length() + " chars)";
    }

    /** "FILE: chat_template" for messages, or "chat template" when the source was given as text. */
    private String what() {
        return file == null ? "chat template" : file + ": chat_template";
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
        String output = null;
        ITERATIONS.set(new long[3]);
        try {
            output = interpreter.render(parsed);
        } catch (StopAtFirstError e) {
            // Reported from the interpreter's errors below.
        } catch (StepBudgetExceeded e) {
            throw new UserInputException(what() + ": rendering " + messages.size() + " messages failed: the template "
                    + "exceeds the render bound of " + e.getMessage());
        } catch (StackOverflowError e) {
            // A list appended to itself and printed, say: Jinja2 prints [...], Jinjava recurses.
            throw new UserInputException(what() + ": rendering " + messages.size() + " messages failed: the template "
                    + "builds a value that contains itself or nests too deep to print");
        } catch (RuntimeException e) {
            // A bound hit inside a tag comes out of Jinjava wrapped in its InterpretException; a syntax error found
            // while rendering (a for tag without a valid 'in') comes out as one too.
            String cause = cause(e);
            if (cause == null && e instanceof InterpretException) {
                cause = clean(e.getMessage());
            }
            if (cause == null) {
                throw e;
            }
            throw new UserInputException(what() + ": rendering " + messages.size() + " messages failed: " + cause, e);
        } finally {
            JinjavaInterpreter.popCurrent();
            ITERATIONS.remove();
        }
        List<TemplateError> errors = failures(interpreter.getErrorsCopy());
        if (!errors.isEmpty()) {
            // One cause is enough: a bound hit inside a loop is reported again by every enclosing node.
            throw new UserInputException(what() + ": rendering " + messages.size() + " messages failed: "
                    + errors.stream().map(JinjaChatTemplate::describe).distinct().limit(3)
                    .collect(Collectors.joining("; ")));
        }
        if (output == null) {
            throw new IllegalStateException("the render stopped without an error");
        }
        return output;
    }

    private static List<TemplateError> failures(List<TemplateError> errors) {
        return errors.stream().filter(e -> e.getSeverity() != TemplateError.ErrorType.WARNING).toList();
    }

    /**
     * The template's own raise_exception message or the bound it hit when there is one (Jinjava wraps both),
     * else Jinjava's.
     */
    private static String describe(TemplateError e) {
        String cause = cause(e.getException());
        if (cause != null) {
            return cause;
        }
        return clean(e.getMessage()) + (e.getLineno() > 0 ? " (template line " + e.getLineno() + ")" : "");
    }

    /**
     * Jinjava's message with Java class names as the template's author knows the types: "Cannot coerce 'ab' of
     * class java.lang.String to class java.lang.Long" becomes "Cannot coerce 'ab' of str to int".
     */
    static String clean(String message) {
        if (message == null) {
            return "(no message)";
        }
        Matcher m = JAVA_CLASS.matcher(message);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String simple = m.group(1);
            String python = switch (simple) {
                case "String", "Character" -> "str";
                case "Long", "Integer", "Short", "Byte", "BigInteger" -> "int";
                case "Double", "Float", "BigDecimal" -> "float";
                case "Boolean" -> "bool";
                case "SizeLimitingPyList", "PyList", "List", "ArrayList" -> "list";
                case "SizeLimitingPyMap", "PyMap", "Map", "LinkedHashMap", "HashMap" -> "dict";
                default -> simple;
            };
            m.appendReplacement(out, Matcher.quoteReplacement(python));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The message of a raise_exception or a render bound in {@code thrown}'s causes, or null. */
    private static String cause(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof UserInputException raised) {
                return raised.getMessage();
            }
            if (t instanceof OutputTooBigException || t instanceof CollectionTooBigException) {
                return "the template exceeds the render bound of " + MAX_OUTPUT_CHARS + " characters (of output or"
                        + " of one string) or " + MAX_LOOP_ITERATIONS + " list entries (" + t.getMessage() + ")";
            }
        }
        return null;
    }

    /** The template's {@code raise_exception(message)}: the conversation is one it refuses. */
    public static String raiseException(String message) {
        throw new UserInputException("chat template raised: " + message);
    }

    /**
     * Thrown past {@link #MAX_STEPS}. An Error, because Jinjava turns any exception inside an expression into a
     * recorded error and renders on, so an exception would not stop a macro that calls itself twice per call.
     */
    private static final class StepBudgetExceeded extends Error {
        /** @param bound what was exceeded, for the message: "100000 steps (...)" */
        StepBudgetExceeded(String bound) {
            super(bound, null, false, false);
        }
    }

    /**
     * Thrown at the next lookup after Jinjava recorded an error. Jinja2 stops at the first error and so does the
     * render (it fails on any error anyway); Jinjava would render on, and a loop re-parsing an 80 kB expression that
     * does not parse allocated 800 MB.
     */
    private static final class StopAtFirstError extends Error {
        StopAtFirstError() {
            super("stopped at the template's first error", null, false, false);
        }
    }

    /**
     * Resolves nothing: charges each attribute lookup and method call to the render's step budget, then lets the next
     * resolver answer. (Jinjava resolves top-level names itself, without the configured resolver.)
     */
    private static final class StepBudget extends jinjava.javax.el.ELResolver {
        private static long[] charge() {
            long[] spent = ITERATIONS.get();
            JinjavaInterpreter current = JinjavaInterpreter.getCurrent();
            if (spent != null && current != null && current.getLastError()
                    .filter(e -> e.getSeverity() != TemplateError.ErrorType.WARNING).isPresent()) {
                throw new StopAtFirstError();
            }
            if (spent != null && ++spent[1] > MAX_STEPS) {
                throw new StepBudgetExceeded(MAX_STEPS + " steps (variable lookups and calls; a macro that recurses or"
                        + " loops nested around the whole template)");
            }
            return spent;
        }

        @Override
        public Object getValue(jinjava.javax.el.ELContext context, Object base, Object property) {
            charge();
            return null;
        }

        @Override
        public Object invoke(jinjava.javax.el.ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
            charge();
            return null;
        }

        @Override
        public Class<?> getType(jinjava.javax.el.ELContext context, Object base, Object property) {
            return null;
        }

        @Override
        public void setValue(jinjava.javax.el.ELContext context, Object base, Object property, Object value) {
        }

        @Override
        public boolean isReadOnly(jinjava.javax.el.ELContext context, Object base, Object property) {
            return false;
        }

        @Override
        public java.util.Iterator<java.beans.FeatureDescriptor> getFeatureDescriptors(jinjava.javax.el.ELContext context, Object base) {
            return null;
        }

        @Override
        public Class<?> getCommonPropertyType(jinjava.javax.el.ELContext context, Object base) {
            return null;
        }
    }

    /**
     * A filter whose numeric arguments are widths or counts ({@code center(2000000000)} built a 2 GB string), refused
     * past {@link #MAX_OUTPUT_CHARS}; for {@code format}, the widths written in the format string.
     */
    private static final class BoundedWidthFilter implements Filter {
        static final List<String> BOUNDED = List.of("center", "indent", "wordwrap", "batch", "slice", "truncate", "format");
        private static final Pattern FORMAT_WIDTH = Pattern.compile("%[-#+ 0,(<]*(\\d+)");
        private final Filter inner;

        BoundedWidthFilter(Filter inner) {
            this.inner = inner;
        }

        @Override
        public String getName() {
            return inner.getName();
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (getName().equals("format")) {
                Matcher m = FORMAT_WIDTH.matcher(String.valueOf(var));
                while (m.find()) {
                    check(m.group(1));
                }
            } else {
                for (String arg : args) {
                    check(arg);
                }
            }
            return inner.filter(var, interpreter, args);
        }

        private void check(String arg) {
            if (arg != null && arg.strip().matches("[+-]?\\d{1,40}(\\.\\d*)?") && Math.abs(Double.parseDouble(arg.strip())) > MAX_OUTPUT_CHARS) {
                throw new UserInputException("the template's " + getName() + " filter asks for a width or count of "
                        + arg.strip() + ", beyond the render bound of " + MAX_OUTPUT_CHARS + " characters");
            }
        }
    }

    /** Jinjava's set tag, charging the size of each value it assigns to the render's characters-assigned budget. */
    private static final class BoundedSetTag extends SetTag {
        @Override
        public void executeSet(TagToken tagToken, JinjavaInterpreter interpreter, String[] varTokens, List<?> resolvedList,
                               boolean allowDeferredValueOverride) {
            long[] spent = ITERATIONS.get();
            if (spent != null && resolvedList != null) {
                for (Object value : resolvedList) {
                    spent[2] += value instanceof CharSequence text ? text.length()
                            : value instanceof Collection<?> c ? c.size() : value instanceof Map<?, ?> m ? m.size() : 1;
                }
                if (spent[2] > MAX_CHARS_ASSIGNED) {
                    throw new StepBudgetExceeded(MAX_CHARS_ASSIGNED + " characters assigned by its set tags (a string"
                            + " grown by repeated concatenation; template line " + tagToken.getLineNumber() + ")");
                }
            }
            super.executeSet(tagToken, interpreter, varTokens, resolvedList, allowDeferredValueOverride);
        }
    }

    /** Jinjava's for tag, charging each loop's length to the render's iteration budget before it runs. */
    private static final class BoundedForTag extends ForTag {
        @Override
        public String renderForCollection(TagNode node, JinjavaInterpreter interpreter, List<String> loopVars,
                                          Object collection) {
            Object items = collection;
            long length;
            if (collection instanceof Collection<?> c) {
                length = c.size();
            } else if (collection instanceof Map<?, ?> m) {
                length = m.size();
            } else {
                List<Object> copy = new ArrayList<>();
                ForLoop loop = ObjectIterator.getLoop(collection);
                while (loop.hasNext() && copy.size() <= MAX_LOOP_ITERATIONS) {
                    copy.add(loop.next());
                }
                items = copy;
                length = copy.size();
            }
            long[] spent = ITERATIONS.get();
            if (spent != null) {
                spent[0] += length;
                if (spent[0] > MAX_LOOP_ITERATIONS) {
                    throw new UserInputException("the template exceeds the render bound of " + MAX_LOOP_ITERATIONS
                            + " loop iterations (template line " + node.getLineNumber() + ")");
                }
            }
            return super.renderForCollection(node, interpreter, loopVars, items);
        }
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
