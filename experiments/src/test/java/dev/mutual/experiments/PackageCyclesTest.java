package dev.mutual.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.data.UserInputException;
import dev.mutual.eval.TextGenerator;
import dev.mutual.experiments.cli.MutualCli;
import dev.mutual.trainer.model.ModelConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * No import cycle between the packages of dev.mutual, in any module: a cycle means two packages can only be read (and
 * changed) together. The dependencies are those of the compiled classes (fields, signatures, method bodies), as the
 * JDK's own {@code jdeps} reports them, so a fully qualified name in code counts as much as an import. Why jdeps and
 * not ArchUnit: it ships with every JDK 17 (ToolProvider), needs no dependency, and reads the bytecode the same way.
 */
class PackageCyclesTest {

    private static final Pattern EDGE = Pattern.compile("^\\s*(dev\\.mutual[\\w.]*)\\s+->\\s+(dev\\.mutual[\\w.]*)\\s");

    @Test
    void packagesOfEveryModuleFormNoCycle() throws Exception {
        Map<String, TreeSet<String>> edges = packageEdges();
        assertTrue(edges.containsKey("dev.mutual.trainer.train"), "jdeps saw the trainer's classes: " + edges.keySet());
        assertEquals(List.of(), cycles(edges), "package cycles (each a strongly connected set of packages)");
    }

    @Test
    void theCheckFindsACycle() {
        Map<String, TreeSet<String>> edges = new TreeMap<>();
        edges.computeIfAbsent("a", k -> new TreeSet<>()).add("b");
        edges.computeIfAbsent("b", k -> new TreeSet<>()).add("c");
        edges.computeIfAbsent("c", k -> new TreeSet<>()).add("a");
        edges.computeIfAbsent("c", k -> new TreeSet<>()).add("d");
        assertEquals(List.of(List.of("a", "b", "c")), cycles(edges));
    }

    /** Package to the dev.mutual packages its classes use, over the class folders (or jars) of all four modules. */
    private static Map<String, TreeSet<String>> packageEdges() throws URISyntaxException {
        List<String> args = new ArrayList<>(List.of("-verbose:package", "-e", "dev\\.mutual\\..*"));
        for (Class<?> c : List.of(UserInputException.class, ModelConfig.class, TextGenerator.class, MutualCli.class)) {
            args.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("no jdeps in this JDK"));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        assertEquals(0, rc, "jdeps " + args + " failed: " + err);
        Map<String, TreeSet<String>> edges = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.find() && !m.group(1).equals(m.group(2))) edges.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
        }
        return edges;
    }

    /** The strongly connected sets of more than one package (Tarjan), each sorted, in order of their first package. */
    static List<List<String>> cycles(Map<String, TreeSet<String>> edges) {
        Map<String, Integer> index = new HashMap<>(), low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<List<String>> found = new ArrayList<>();
        for (String v : edges.keySet()) if (!index.containsKey(v)) connect(v, edges, index, low, stack, found);
        found.sort((a, b) -> a.get(0).compareTo(b.get(0)));
        return found;
    }

    private static void connect(String v, Map<String, TreeSet<String>> edges, Map<String, Integer> index,
                                Map<String, Integer> low, Deque<String> stack, List<List<String>> found) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        for (String w : edges.getOrDefault(v, new TreeSet<>())) {
            if (!index.containsKey(w)) {
                connect(w, edges, index, low, stack, found);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (stack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (!low.get(v).equals(index.get(v))) return;
        TreeSet<String> component = new TreeSet<>();
        String w;
        do {
            w = stack.pop();
            component.add(w);
        } while (!w.equals(v));
        if (component.size() > 1) found.add(List.copyOf(component));
    }
}
